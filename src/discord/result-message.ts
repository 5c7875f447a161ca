import type { RawFile } from "discord.js";
import type { Job } from "../domain/job.js";
import type { FalResult } from "../domain/job-state.js";
import type { ResultImage, ResultPart } from "../jobs/job-reporter.js";
import { capContent } from "./escape.js";
import { MAX_ALT_TEXT } from "./result-card.js";
import { resultHeader, resultRow } from "./job-messages.js";
import type { OutgoingMessage } from "./reply-target.js";
import { sceneControlRows } from "./scene-control-rows.js";

const EXTENSIONS: Record<string, string> = { "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp" };

/**
 * One message of a result, as a Components V2 card (result-card.ts): the caption (who asked,
 * the prompt, seed and settings, and a note for each image only linked), the part's images
 * in a gallery, and the buttons.
 */
export function resultMessage(job: Job, result: FalResult, part: ResultPart): OutgoingMessage {
  const last = part.index === part.total - 1;
  const notes = part.links.map(({ image, reason }) =>
    reason === "too_large" ? `Image ${image.index + 1} is too large to attach here: ${image.url}` : `Image ${image.index + 1} could not be downloaded from fal: ${image.url}`,
  );
  // A member who did not ask for privacy is told why nobody else sees the images.
  if (job.origin.privateByServer) notes.push("-# 🔒 Only you can see this: this server lets members' own apps answer only privately.");
  const held = [...part.files, ...part.links.map((link) => link.image)].map((image) => image.index);
  return {
    card: true,
    // At most 2000 characters (with room for a mention in front), as a plain message: well within a card's 4000.
    content: capContent([resultHeader(job, result, { index: part.index, total: part.total }), ...notes].join("\n")),
    files: part.files.map((image) => toRawFile(job, image)),
    altTexts: part.files.map((image) => altText(job, image, result.images.length)),
    // The result's buttons go on the last part, where the reader ends up; each part carries the
    // Upscale / Remix / Edit controls of the images it holds (or links).
    components: [...(last ? [resultRow(job)] : []), ...sceneControlRows(job, held, result.images.length)],
  };
}

/** What a screen reader says of an image: which one it is, and the prompt that made it (plain text: alt text is not markdown). */
export function altText(job: Job, image: Pick<ResultImage, "index">, total: number): string {
  const text = `Image ${image.index + 1} of ${total}: ${job.settings.prompt.replace(/\s+/g, " ").trim()}`;
  // Cut as the card cuts it (UTF-16 units, never inside a pair), so the card keeps the "…".
  return text.length > MAX_ALT_TEXT ? `${capContent(text, MAX_ALT_TEXT - 1)}…` : text;
}

function toRawFile(job: Job, image: ResultImage & { bytes: Buffer }): RawFile {
  const extension = EXTENSIONS[image.contentType] ?? "png";
  return { name: `storycast-${job.id}-${image.index + 1}.${extension}`, data: image.bytes, contentType: image.contentType };
}
