import { checkMaskMatchesImage, sizeOf } from "../domain/mask-check.js";
import { drawRegionMask, type MaskRegion } from "../domain/region-mask.js";
import type { InputFile } from "./job-types.js";

/**
 * The mask of an edit, checked or drawn against the image's own bytes before anything is paid:
 * an attached mask must have the image's exact width and height (a UserFacingError names both
 * sizes otherwise); a region is drawn at that size (black repaints, white keeps: region-mask.ts).
 */
export function editMaskFor(image: Uint8Array, choice: { region: MaskRegion } | { mask: InputFile }): InputFile {
  if ("mask" in choice) {
    checkMaskMatchesImage(Buffer.from(image), Buffer.from(choice.mask.bytes));
    return choice.mask;
  }
  const { width, height } = sizeOf(Buffer.from(image), "image");
  return { bytes: drawRegionMask(choice.region, width, height), contentType: "image/png", fileName: `${choice.region}-mask.png` };
}
