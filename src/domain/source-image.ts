import { UserFacingError } from "./errors.js";
import { FAL_INPUT_LIMIT_BYTES } from "./fal-enums.js";
import { formatMegabytes, type AttachmentInfo, type InputImages } from "./imagine-request.js";

/** The attachments of /edit, /remix or /upscale by role, once checked (a saved character's images come later). */
export interface SceneImages extends InputImages {
  /** The image the command starts from: the scene to edit, remix or upscale. */
  image: AttachmentInfo;
  /** edit: the member's own mask of that image (absent when StoryCast draws a region). */
  imageMask?: AttachmentInfo;
}

const VERB = { edit: "edit", remix: "remix", upscale: "upscale" } as const;

/** The image a scene command works on: required, and within fal's 10 MB as Discord declares it (the bytes are checked again on download). */
export function requireSourceImage(image: AttachmentInfo | null | undefined, command: keyof typeof VERB): AttachmentInfo {
  if (!image) throw new UserFacingError(`Attach the \`image\` you want to ${VERB[command]} (JPEG, PNG or WebP, up to 10 MB).`);
  checkSingleImageSize("image", image);
  return image;
}

/** fal's limit for one image input (image_url, mask_url), on the size Discord declares. */
export function checkSingleImageSize(role: string, file: AttachmentInfo): void {
  if (file.size > FAL_INPUT_LIMIT_BYTES) {
    throw new UserFacingError(`The ${role} is ${formatMegabytes(file.size)}; fal accepts at most ${formatMegabytes(FAL_INPUT_LIMIT_BYTES)}. Try a smaller image.`);
  }
}
