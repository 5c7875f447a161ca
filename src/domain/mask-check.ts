// fal's character edit requires the mask to have "the exact same dimensions (width and height)
// as the input image" (IdeogramCharacterEditInput.mask_url). Checked here, on the bytes, before
// the job is submitted: invalid input can still be charged (fal-notes.md, "Charging").
import { UserFacingError } from "./errors.js";
import { ImageDimensionsError, readImageDimensions, type ImageDimensions } from "./image-dimensions.js";

/** Throws a UserFacingError unless both are PNG/JPEG/WebP images of the same width and height. */
export function checkMaskMatchesImage(image: Buffer, mask: Buffer): { width: number; height: number } {
  const imageSize = sizeOf(image, "image");
  const maskSize = sizeOf(mask, "mask");
  if (imageSize.width !== maskSize.width || imageSize.height !== maskSize.height) {
    throw new UserFacingError(
      `The mask is ${maskSize.width}×${maskSize.height} but the image is ${imageSize.width}×${imageSize.height}: they must be the same size.`,
    );
  }
  return { width: imageSize.width, height: imageSize.height };
}

/** An image's (or mask's) width and height from its header, or a UserFacingError saying what is wrong with the file. */
export function sizeOf(bytes: Buffer, role: "image" | "mask"): ImageDimensions {
  try {
    return readImageDimensions(bytes);
  } catch (e) {
    if (!(e instanceof ImageDimensionsError)) throw e;
    const subject = role === "image" ? "The image" : "The mask";
    throw new UserFacingError(
      e.problem === "not-an-image"
        ? `${subject} is not a PNG, JPEG or WebP file.`
        : e.problem === "truncated"
          ? `${subject} file is cut short: its size cannot be read. Please upload it again.`
          : `${subject} file is damaged: its size cannot be read.`,
    );
  }
}
