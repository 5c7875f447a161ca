import type { AppContext } from "../app-context.js";
import { UserFacingError } from "../domain/errors.js";
import type { Job } from "../domain/job.js";
import { characterOf, sceneActionsFor, type SceneAction } from "../domain/scene-controls.js";
import type { SceneTarget } from "./scene-control-ids.js";

/** The result image a control was used on, checked, with what the new job needs from its scene. */
export interface SceneSource {
  job: Job;
  image: { index: number; url: string };
  /** Remix and Edit: the character the scene was made with (hosted on fal). */
  character?: { reference: string; mask?: string };
}

const DOING: Record<SceneAction, string> = { upscale: "upscaled", remix: "remixed", edit: "edited" };

/**
 * An upscale of an upscale of … a scene: how far back the character is looked for. Upscales are
 * not offered on upscales, so a real chain is one step; the bound only stops a forged loop.
 */
const MAX_SOURCE_STEPS = 4;

/**
 * Reads and checks the job a control names (store reads only, so it fits the acknowledgement
 * budget). The custom_id may be forged, so everything is checked: the job and image exist, the
 * control is one this result offers, and a private result is only its requester's to use.
 */
export async function loadSource(ctx: AppContext, target: SceneTarget, presserId: string): Promise<SceneSource> {
  const job = await ctx.store.get(target.jobId);
  const images = job && (job.state.kind === "delivered" || job.state.kind === "completed") ? job.state.result.images : [];
  if (!job || images.length === 0) throw new UserFacingError(`That result is no longer known, so it can't be ${DOING[target.action]}.`);
  // Only its requester ever saw a private result: anyone else pressing has forged the button.
  if (job.origin.private && job.origin.userId !== presserId) throw new UserFacingError("That result is private to the member who asked for it.");
  const image = images[target.image];
  if (!image) throw new UserFacingError(`That result has no image ${target.image + 1}.`);
  if (!sceneActionsFor(job.settings).includes(target.action)) {
    throw new UserFacingError(
      target.action === "upscale" ? "That image is already upscaled." : `That image was not made with a character, so it can't be ${DOING[target.action]} with one.`,
    );
  }
  const source: SceneSource = { job, image: { index: target.image, url: image.url } };
  if (target.action !== "upscale") {
    const character = await characterBehind(ctx, job);
    if (!character) throw new UserFacingError(`The character that scene was made with is no longer known, so it can't be ${DOING[target.action]}.`);
    source.character = character;
  }
  return source;
}

/** The character of a scene, or of the scene an upscale was made from (an upscale's input has none). */
async function characterBehind(ctx: AppContext, job: Job): Promise<SceneSource["character"]> {
  let current: Job | undefined = job;
  for (let step = 0; current && step <= MAX_SOURCE_STEPS; step++) {
    const character = characterOf(current);
    if (character) return character;
    const from: string | undefined = current.settings.kind === "upscale" ? current.settings.source?.jobId : undefined;
    current = from ? await ctx.store.get(from) : undefined;
  }
  return undefined;
}

/**
 * Before anything is paid: the result image (and the character's images, for Remix and Edit) must
 * still be on fal, which deletes files when their lifetime ends (README "File lifetimes").
 * An unclear answer ("unknown") lets the job go ahead: fal then says what it can read.
 */
export async function checkSourceStillHosted(ctx: AppContext, source: SceneSource, action: SceneAction): Promise<void> {
  const characterUrls = source.character ? [source.character.reference, ...(source.character.mask ? [source.character.mask] : [])] : [];
  const [image, ...character] = await Promise.all([source.image.url, ...characterUrls].map((url) => ctx.fal.resolves(url)));
  if (image === "gone") {
    throw new UserFacingError(
      `fal no longer keeps image ${source.image.index + 1} of that result (private results are kept for a day), so it can't be ${DOING[action]}. Nothing was charged.`,
    );
  }
  if (character.includes("gone")) {
    throw new UserFacingError(
      `fal no longer keeps the character images that scene was made from (one-off references are kept for a day, private ones for an hour), so it can't be ${DOING[action]}. ` +
        "Use `/imagine` with a saved `character` instead. Nothing was charged.",
    );
  }
}
