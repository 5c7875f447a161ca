import type { AppContext } from "../app-context.js";
import { UserFacingError } from "../domain/errors.js";
import { checkDeclaredSizes, type AttachmentInfo, type GenerationSettings, type InputImages } from "../domain/imagine-request.js";
import type { SceneImages } from "../domain/source-image.js";
import { editMaskFor } from "../jobs/edit-mask.js";
import type { InputFile, InputFiles } from "../jobs/job-types.js";
import type { Character } from "../store/character-store.js";
import { downloadImageAttachment } from "./download-attachment.js";
import { characterFiles, MISSING_REFERENCE } from "./imagine-flow.js";

/**
 * The input files of an /edit, /remix or /upscale job, made by the runner inside its upload slot
 * (so a job waiting its turn holds no bytes): the attachments downloaded from Discord and checked
 * to be real JPEG/PNG/WebP images within fal's limits, a saved character's hosted images, and for
 * an edit the mask — the member's, checked against the image's exact size, or the region drawn
 * at that size. A UserFacingError here ends the job with its message; nothing reached fal.
 */
export async function loadSceneInputs(
  ctx: AppContext,
  request: { settings: GenerationSettings; images: SceneImages; character: Character | undefined },
): Promise<InputFiles> {
  const { settings, images } = request;
  const download = (file: AttachmentInfo | undefined, role: string) =>
    file ? downloadImageAttachment(file, role) : Promise.resolve(undefined);
  const [image, imageMask, reference, mask, styleReference] = await Promise.all([
    download(images.image, "image"),
    download(images.imageMask, "mask"),
    download(images.reference, "reference"),
    download(images.mask, "mask"),
    download(images.styleReference, "style_reference"),
  ]);
  if (!image) throw new Error("a scene job has no image"); // requireSourceImage made sure of it
  // Each download stops at fal's limit; the references together have one too, on the bytes that arrived.
  checkDeclaredSizes(arrived({ reference: [images.reference, reference], mask: [images.mask, mask], styleReference: [images.styleReference, styleReference] }));

  // Attached images win over the saved character's (e.g. a new mask for a saved reference), as in /imagine.
  const files: InputFiles = { ...(request.character ? await characterFiles(ctx, request.character) : {}), image };
  if (reference) files.reference = reference;
  if (mask) files.mask = mask;
  if (styleReference) files.styleReference = styleReference;
  if (settings.kind !== "upscale" && !files.reference) throw new UserFacingError(MISSING_REFERENCE);
  if (settings.kind === "edit") {
    if (settings.region) files.imageMask = editMaskFor(image.bytes, { region: settings.region });
    else if (imageMask) files.imageMask = editMaskFor(image.bytes, { mask: imageMask });
    else throw new Error("an edit job has neither a region nor a mask"); // checkEditOptions made sure of it
  }
  return files;
}

/** The attachments as they arrived: Discord's metadata with the real byte counts. */
function arrived(pairs: Partial<Record<keyof InputImages, [AttachmentInfo | undefined, InputFile | undefined]>>): InputImages {
  const out: InputImages = {};
  for (const [role, [info, file]] of Object.entries(pairs) as [keyof InputImages, [AttachmentInfo | undefined, InputFile | undefined]][]) {
    if (info && file) out[role] = { ...info, size: file.bytes.length };
  }
  return out;
}
