import { UserFacingError } from "./errors.js";
import type { Speed } from "./fal-enums.js";
import { checkImagineOptions, type AttachmentInfo, type GenerationSettings } from "./imagine-request.js";
import { MASK_REGIONS, type MaskRegion } from "./region-mask.js";
import { checkSingleImageSize, requireSourceImage, type SceneImages } from "./source-image.js";

/** /edit's options as the member gave them, typed but not yet checked. `mask` is the image's mask, not the reference's. */
export interface EditOptions {
  prompt: string;
  image?: AttachmentInfo | null;
  region?: MaskRegion | null;
  mask?: AttachmentInfo | null;
  reference?: AttachmentInfo | null;
  character?: string | null;
  styleReference?: AttachmentInfo | null;
  speed?: Speed | null;
  count?: number | null;
  seed?: number | null;
  magicPrompt?: boolean | null;
  palette?: string | null;
  styleCodes?: string | null;
  private?: boolean | null;
}

/**
 * Checks /edit's options (everything that needs no download) and turns them into the settings of
 * a character/edit job. The prompt, the character and the options /edit shares with /imagine go
 * through /imagine's own checks; edit takes no style, size or negative prompt (it keeps the
 * image's frame and look), so those are not passed on even when the server has defaults for them.
 * The mask's size against the image's can only be checked on the bytes: see jobs/edit-mask.ts.
 */
export function checkEditOptions(options: EditOptions): { settings: GenerationSettings; images: SceneImages } {
  const image = requireSourceImage(options.image, "edit");
  const region = options.region ?? undefined;
  const mask = options.mask ?? undefined;
  if (region !== undefined && mask) {
    throw new UserFacingError("Use either a `region` for StoryCast to repaint or your own `mask`, not both.");
  }
  if (region === undefined && !mask) {
    throw new UserFacingError(
      "Say what to repaint: pick a `region` (e.g. Left half), or attach a `mask` the size of the image (black = repaint, white = keep).",
    );
  }
  // Discord offers only the listed choices, but a forged request may send anything.
  if (region !== undefined && !MASK_REGIONS.includes(region)) throw new UserFacingError("That `region` is not one StoryCast can draw; pick one from the list.");
  if (mask) checkSingleImageSize("mask", mask);
  const { settings, images } = checkImagineOptions({
    prompt: options.prompt,
    reference: options.reference ?? null,
    character: options.character ?? null,
    styleReference: options.styleReference ?? null,
    speed: options.speed ?? null,
    count: options.count ?? null,
    seed: options.seed ?? null,
    magicPrompt: options.magicPrompt ?? null,
    palette: options.palette ?? null,
    styleCodes: options.styleCodes ?? null,
  });
  settings.kind = "edit";
  if (region !== undefined) settings.region = region;
  return { settings, images: { ...images, image, ...(mask ? { imageMask: mask } : {}) } };
}
