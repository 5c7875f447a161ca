import type { IdeogramCharacterInput } from "@fal-ai/client/endpoints";
import { UserFacingError } from "./errors.js";
import type { JobKind } from "./fal-endpoints.js";
import type { MaskRegion } from "./region-mask.js";
import { FAL_INPUT_LIMIT_BYTES, MAX_IMAGES, type ImageSize, type Speed, type Style } from "./fal-enums.js";
import { parsePalette, type ColorPalette } from "./palette.js";
import { parseStyleCodes } from "./style-codes.js";

/** What Discord tells us about an attached file before we download it (all of it may lie). */
export interface AttachmentInfo {
  name: string;
  size: number;
  url: string;
  contentType?: string | null;
}

/** /imagine's options as the user gave them, already typed but not yet checked. */
export interface ImagineOptions {
  prompt: string;
  reference?: AttachmentInfo | null;
  /** A saved character's name, instead of a reference image. */
  character?: string | null;
  mask?: AttachmentInfo | null;
  styleReference?: AttachmentInfo | null;
  style?: Style | null;
  size?: ImageSize | null;
  speed?: Speed | null;
  count?: number | null;
  seed?: number | null;
  negativePrompt?: string | null;
  magicPrompt?: boolean | null;
  palette?: string | null;
  styleCodes?: string | null;
  private?: boolean | null;
  /** A second character for the scene (see two-characters.ts): a saved one by name, or an image. */
  secondCharacter?: string | null;
  secondReference?: AttachmentInfo | null;
  /** The side the second character is painted into. */
  placement?: Placement | null;
}

/** Everything that decides the images, except the input images themselves. Stored with the job. */
export interface GenerationSettings {
  prompt: string;
  imageSize: ImageSize;
  speed: Speed;
  numImages: number;
  style?: Style;
  seed?: number;
  negativePrompt?: string;
  expandPrompt?: boolean;
  palette?: ColorPalette;
  styleCodes?: string[];
  /** What the job makes (see fal-endpoints.ts); absent in rows from before there was a choice: imagine. */
  kind?: JobKind;
  /** remix: how far the result may move from the source image (fal's `strength`, 0.01–1). */
  strength?: number;
  /** upscale: fal's `resemblance` and `detail` (1–100). */
  resemblance?: number;
  detail?: number;
  /**
   * upscale: the prompt sent to fal, when the member gave one. `prompt` above is what the result
   * shows (for an Upscale button: the source's prompt, which is not sent).
   */
  upscalePrompt?: string;
  /** edit: the region StoryCast drew the mask for (absent when the member attached a mask). */
  region?: MaskRegion;
  /**
   * duo: the second character's name, the side it is painted into, and the prompt of the step
   * that paints it (the scene's prompt when absent; e.g. with the second character's description).
   */
  second?: { name: string; placement: Placement; prompt?: string };
  /** A job made from an earlier result (the Upscale/Remix/Edit controls, a duo's first step): the job and image it came from. */
  source?: { jobId: string; image: number };
}

/** Which side of a two-character scene the second character is painted into. */
export type Placement = "left" | "right";

/** The images a generation needs, by role, once checked. No reference means a saved character's is used. */
export interface InputImages {
  reference?: AttachmentInfo;
  mask?: AttachmentInfo;
  styleReference?: AttachmentInfo;
  /** A two-character scene's second character, attached instead of saved. */
  secondReference?: AttachmentInfo;
}

/** fal-hosted URLs of the input images. */
export interface HostedImages {
  reference: string;
  mask?: string;
  styleReference?: string;
}

export const MAX_PROMPT_LENGTH = 2000;
/**
 * The other free-text options' limits, as their command definitions declare (max_length).
 * Discord's client enforces those, but a stale client or a forged request does not, and a
 * long palette can still parse (`#ff0000:0.5000…`), so they are checked here too.
 */
export const MAX_NEGATIVE_PROMPT_LENGTH = 1000;
export const MAX_PALETTE_LENGTH = 200;
export const MAX_STYLE_CODES_LENGTH = 300;
export const MAX_SEED = 2_147_483_647;
export const DEFAULT_IMAGE_SIZE: ImageSize = "square_hd";
export const DEFAULT_SPEED: Speed = "BALANCED";

/**
 * Checks everything that can be checked without downloading a file, and turns the
 * options into settings. Throws UserFacingError with a message for the user.
 */
export function checkImagineOptions(options: ImagineOptions): {
  settings: GenerationSettings;
  images: InputImages;
} {
  const prompt = options.prompt.trim();
  if (!hasVisibleText(prompt)) throw new UserFacingError("The prompt is empty: describe the scene you want.");
  if (prompt.length > MAX_PROMPT_LENGTH) {
    throw new UserFacingError(`The prompt is ${prompt.length} characters long; the limit is ${MAX_PROMPT_LENGTH}.`);
  }
  checkLength("The negative_prompt is", options.negativePrompt, MAX_NEGATIVE_PROMPT_LENGTH);
  checkLength("The palette is", options.palette, MAX_PALETTE_LENGTH);
  checkLength("The style_codes are", options.styleCodes, MAX_STYLE_CODES_LENGTH);
  if (options.reference && options.character != null) {
    throw new UserFacingError("Use either a `reference` image or a saved `character`, not both.");
  }
  if (!options.reference && options.character == null) {
    throw new UserFacingError("Attach a `reference` image of your character (JPEG, PNG or WebP), or pick a saved `character`.");
  }
  const count = options.count ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > MAX_IMAGES) {
    throw new UserFacingError(`count must be a whole number from 1 to ${MAX_IMAGES}.`);
  }
  checkSeed(options.seed);
  if (options.styleCodes != null && options.style != null) {
    throw new UserFacingError("style_codes can't be combined with style: fal uses one or the other. Remove one of them.");
  }
  if (options.styleCodes != null && options.styleReference != null) {
    throw new UserFacingError(
      "style_codes can't be combined with style_reference: fal uses one or the other. Remove one of them.",
    );
  }
  const images: InputImages = {};
  if (options.reference) images.reference = options.reference;
  if (options.mask) images.mask = options.mask;
  if (options.styleReference) images.styleReference = options.styleReference;
  if (options.secondReference) images.secondReference = options.secondReference;
  checkDeclaredSizes(images);

  const settings: GenerationSettings = {
    prompt,
    imageSize: options.size ?? DEFAULT_IMAGE_SIZE,
    speed: options.speed ?? DEFAULT_SPEED,
    numImages: count,
  };
  if (options.style != null) settings.style = options.style;
  if (options.seed != null) settings.seed = options.seed;
  const negative = options.negativePrompt?.trim();
  if (negative) settings.negativePrompt = negative;
  if (options.magicPrompt != null) settings.expandPrompt = options.magicPrompt;
  if (options.palette != null) settings.palette = parsePalette(options.palette);
  if (options.styleCodes != null) settings.styleCodes = parseStyleCodes(options.styleCodes);
  return { settings, images };
}

/** A free-text option's length against its limit (shared by every command's checks). */
export function checkLength(subject: string, text: string | null | undefined, max: number): void {
  if (text != null && text.length > max) {
    throw new UserFacingError(`${subject} ${text.length} characters long; the limit is ${max}.`);
  }
}

/** A seed fal accepts (shared by every command's checks; Discord's min/max do not bind a forged request). */
export function checkSeed(seed: number | null | undefined): void {
  if (seed != null && (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED)) {
    throw new UserFacingError(`seed must be a whole number from 0 to ${MAX_SEED}.`);
  }
}

/**
 * Whether a text has anything to show once whitespace, control and format characters
 * (zero-width spaces and joiners, direction marks, NUL), lone surrogates, unassigned code
 * points and combining marks are left out: a prompt of only those describes nothing.
 */
export function hasVisibleText(text: string): boolean {
  return text.replace(/[\s\p{Cc}\p{Cf}\p{Cs}\p{Cn}\p{M}]/gu, "").length > 0;
}

/** fal's limits: 10 MB across the character references (image + mask), 10 MB across style references, 10 MB for a second character. */
export function checkDeclaredSizes(images: InputImages): void {
  const referenceTotal = (images.reference?.size ?? 0) + (images.mask?.size ?? 0);
  if (referenceTotal > FAL_INPUT_LIMIT_BYTES) {
    throw new UserFacingError(
      `The reference${images.mask ? " and mask together are" : " is"} ${formatMegabytes(referenceTotal)}; ` +
        `fal accepts at most ${formatMegabytes(FAL_INPUT_LIMIT_BYTES)}. Try a smaller image.`,
    );
  }
  // The second character goes to another fal step (the edit): its own 10 MB.
  if (images.secondReference && images.secondReference.size > FAL_INPUT_LIMIT_BYTES) {
    throw new UserFacingError(
      `The second_reference is ${formatMegabytes(images.secondReference.size)}; ` +
        `fal accepts at most ${formatMegabytes(FAL_INPUT_LIMIT_BYTES)}. Try a smaller image.`,
    );
  }
  if (images.styleReference && images.styleReference.size > FAL_INPUT_LIMIT_BYTES) {
    throw new UserFacingError(
      `The style_reference is ${formatMegabytes(images.styleReference.size)}; ` +
        `fal accepts at most ${formatMegabytes(FAL_INPUT_LIMIT_BYTES)}. Try a smaller image.`,
    );
  }
}

export function formatMegabytes(bytes: number): string {
  const megabytes = bytes / (1024 * 1024);
  // A declared size can be absurd (a forged payload); don't print 9.5e+301 MB.
  return megabytes < 1024 * 1024 ? `${megabytes.toFixed(1)} MB` : "over 1 TB";
}

/** Maps checked settings and hosted image URLs to fal's input, field by field (see DESIGN.md). */
export function toFalInput(settings: GenerationSettings, hosted: HostedImages): IdeogramCharacterInput {
  const input: IdeogramCharacterInput = {
    prompt: settings.prompt,
    reference_image_urls: [hosted.reference],
    image_size: settings.imageSize,
    rendering_speed: settings.speed,
    num_images: settings.numImages,
  };
  if (hosted.mask) input.reference_mask_urls = [hosted.mask];
  if (hosted.styleReference) input.image_urls = [hosted.styleReference];
  if (settings.style) input.style = settings.style;
  if (settings.seed !== undefined) input.seed = settings.seed;
  if (settings.negativePrompt) input.negative_prompt = settings.negativePrompt;
  if (settings.expandPrompt !== undefined) input.expand_prompt = settings.expandPrompt;
  if (settings.palette) input.color_palette = settings.palette;
  if (settings.styleCodes) input.style_codes = settings.styleCodes;
  return input;
}
