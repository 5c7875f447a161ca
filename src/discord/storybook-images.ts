import { join } from "node:path";
import type { AppContext } from "../app-context.js";
import type { StorybookImage } from "../domain/storybook.js";
import { downloadToFile, FileDownloadError } from "../fal/download-to-file.js";

/** However many images a story has, its storybook is posted within this time of starting to download them. */
export const STORYBOOK_DOWNLOAD_DEADLINE_MS = 2 * 60_000;
/** Downloads in flight at once for one storybook. */
export const STORYBOOK_PARALLEL_DOWNLOADS = 4;
/** No single image is worth more than this (fal's outputs are a few MB); bigger ones are linked. */
export const MAX_STORYBOOK_IMAGE_BYTES = 25 * 1024 * 1024;

export interface WantedImage {
  url: string;
  contentType: string;
}

/**
 * Downloads a storybook's images into `dir`, a few at a time, under one overall deadline on
 * the app's clock. Images are inlined in story order while `budget` bytes last; every image
 * that is not (failed, late, too large, over budget) is linked with a note saying why, and
 * logged — none is dropped silently. Returns the images of each scene, in the order given.
 */
export async function downloadStorybookImages(ctx: AppContext, storyId: string, scenes: readonly WantedImage[][], dir: string, budget: number): Promise<StorybookImage[][]> {
  const deadline = ctx.clock.timeout(STORYBOOK_DOWNLOAD_DEADLINE_MS);
  const wanted = scenes.flatMap((images, scene) => images.map((image, index) => ({ ...image, scene, index, file: join(dir, `image-${scene}-${index}`) })));
  const outcomes: ({ bytes: number } | { note: string })[] = new Array(wanted.length);
  let next = 0;
  const worker = async () => {
    while (next < wanted.length) {
      const i = next++;
      const image = wanted[i]!;
      outcomes[i] = deadline.aborted ? { note: "did not arrive in time" } : await fetchOne(ctx, image.url, image.file, deadline);
      const outcome = outcomes[i]!;
      if ("bytes" in outcome) ctx.logger.debug({ storyId, scene: image.scene, image: image.index, bytes: outcome.bytes }, "storybook image downloaded");
    }
  };
  await Promise.all(Array.from({ length: Math.min(STORYBOOK_PARALLEL_DOWNLOADS, wanted.length) }, worker));

  let left = budget;
  const result: StorybookImage[][] = scenes.map(() => []);
  for (const [i, image] of wanted.entries()) {
    const outcome = outcomes[i]!;
    let note = "note" in outcome ? outcome.note : undefined;
    if (!note && "bytes" in outcome) {
      if (outcome.bytes <= left) left -= outcome.bytes;
      else note = "too large to include";
    }
    if (note) ctx.logger.warn({ storyId, scene: image.scene, image: image.index, url: image.url, reason: note }, "storybook image linked instead of included");
    result[image.scene]!.push({ contentType: image.contentType, url: image.url, ...(note ? { note } : { file: image.file }) });
  }
  return result;
}

/** One image, tried twice on a network error or a 5xx, each try bounded by the request timeout and the overall deadline. */
async function fetchOne(ctx: AppContext, url: string, file: string, deadline: AbortSignal): Promise<{ bytes: number } | { note: string }> {
  for (let attempt = 1; ; attempt++) {
    const signal = AbortSignal.any([deadline, ctx.clock.timeout(ctx.config.falRequestTimeoutMs)]);
    try {
      return { bytes: await downloadToFile(fetch, url, file, { maxBytes: MAX_STORYBOOK_IMAGE_BYTES, signal }) };
    } catch (error) {
      const failure = error instanceof FileDownloadError ? error : new FileDownloadError("could not be downloaded", "network");
      const transient = failure.kind === "network" || (failure.kind === "aborted" && !deadline.aborted) || (failure.kind === "http" && (failure.status ?? 0) >= 500);
      if (!transient || attempt >= 2 || deadline.aborted) return { note: deadline.aborted ? "did not arrive in time" : failure.message };
    }
  }
}
