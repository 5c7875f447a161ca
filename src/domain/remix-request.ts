import { UserFacingError } from "./errors.js";
import { checkImagineOptions, type AttachmentInfo, type GenerationSettings, type ImagineOptions } from "./imagine-request.js";
import { requireSourceImage, type SceneImages } from "./source-image.js";

/** fal's range for character/remix's `strength` (its default is 0.8). */
export const MIN_STRENGTH = 0.01;
export const MAX_STRENGTH = 1;

/** /remix's options: /imagine's (the character, its mask, the look) plus the image to remix and how far to move from it. */
export interface RemixOptions extends ImagineOptions {
  image?: AttachmentInfo | null;
  strength?: number | null;
}

/**
 * Checks /remix's options (everything that needs no download) and turns them into the settings of
 * a character/remix job: /imagine's checks for what the two share, then the image and strength.
 */
export function checkRemixOptions(options: RemixOptions): { settings: GenerationSettings; images: SceneImages } {
  const image = requireSourceImage(options.image, "remix");
  checkStrength(options.strength);
  const { settings, images } = checkImagineOptions(options);
  settings.kind = "remix";
  if (options.strength != null) settings.strength = options.strength;
  return { settings, images: { ...images, image } };
}

/** Discord's min/max stop its own client only; a forged request must not reach fal (which may charge for a 422). */
function checkStrength(strength: number | null | undefined): void {
  if (strength == null) return;
  if (!Number.isFinite(strength) || strength < MIN_STRENGTH || strength > MAX_STRENGTH) {
    throw new UserFacingError(
      `strength must be a number from ${MIN_STRENGTH} to ${MAX_STRENGTH} (low keeps the image close, 1 changes it most); ${Number.isFinite(strength) ? strength : "that"} is outside it.`,
    );
  }
}
