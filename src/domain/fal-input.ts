import type { FalInput, FalInputs } from "./fal-endpoints.js";
import { toFalInput, type GenerationSettings } from "./imagine-request.js";

/** fal-hosted URLs of a job's input images, by role. */
export interface HostedInputs {
  /** The character: its reference image (absent only for an upscale). */
  reference?: string;
  /** The reference's mask (which part of the reference is the character). */
  mask?: string;
  styleReference?: string;
  /** The image edit, remix and upscale start from. */
  image?: string;
  /** edit: the mask of the image (black repaints, white keeps: see region-mask.ts). */
  imageMask?: string;
}

/**
 * Maps a job's settings and hosted images to the input of its first fal step, field by field
 * for each endpoint (DESIGN.md "More endpoints"). Only the fields that endpoint takes are set:
 * fal answers 422 to an unknown one. A duo's first step is a plain character generation;
 * its second step is built by secondStepInput once the first image exists.
 */
export function firstStepInput(settings: GenerationSettings, hosted: HostedInputs): FalInput {
  const kind = settings.kind ?? "imagine";
  switch (kind) {
    case "imagine":
    case "duo":
      return toFalInput(settings, { reference: need(hosted.reference, "reference"), ...pick(hosted, "mask", "styleReference") });
    case "edit":
      return editInput(settings, { image: need(hosted.image, "image"), imageMask: need(hosted.imageMask, "image mask"), reference: need(hosted.reference, "reference"), mask: hosted.mask, styleReference: hosted.styleReference });
    case "remix": {
      // character/remix takes everything character does, plus the image to start from and a strength.
      const input: FalInputs["remix"] = {
        ...toFalInput(settings, { reference: need(hosted.reference, "reference"), ...pick(hosted, "mask", "styleReference") }),
        image_url: need(hosted.image, "image"),
      };
      if (settings.strength !== undefined) input.strength = settings.strength;
      return input;
    }
    case "upscale": {
      const input: FalInputs["upscale"] = { image_url: need(hosted.image, "image") };
      if (settings.upscalePrompt) input.prompt = settings.upscalePrompt;
      if (settings.resemblance !== undefined) input.resemblance = settings.resemblance;
      if (settings.detail !== undefined) input.detail = settings.detail;
      if (settings.expandPrompt !== undefined) input.expand_prompt = settings.expandPrompt;
      if (settings.seed !== undefined) input.seed = settings.seed;
      return input;
    }
  }
}

/**
 * character/edit's input: repaint the mask's black area of `image` with the character. It takes
 * no style, image_size or negative_prompt (the image's own size is kept).
 */
export function editInput(
  settings: GenerationSettings,
  hosted: { image: string; imageMask: string; reference: string; mask?: string | undefined; styleReference?: string | undefined },
): FalInputs["edit"] {
  const input: FalInputs["edit"] = {
    prompt: settings.prompt,
    image_url: hosted.image,
    mask_url: hosted.imageMask,
    reference_image_urls: [hosted.reference],
    rendering_speed: settings.speed,
    num_images: settings.numImages,
  };
  if (hosted.mask) input.reference_mask_urls = [hosted.mask];
  if (hosted.styleReference) input.image_urls = [hosted.styleReference];
  if (settings.seed !== undefined) input.seed = settings.seed;
  if (settings.expandPrompt !== undefined) input.expand_prompt = settings.expandPrompt;
  if (settings.palette) input.color_palette = settings.palette;
  if (settings.styleCodes) input.style_codes = settings.styleCodes;
  return input;
}

function need(url: string | undefined, role: string): string {
  if (!url) throw new Error(`the job's ${role} image is missing`);
  return url;
}

function pick(hosted: HostedInputs, ...roles: ("mask" | "styleReference")[]): { mask?: string; styleReference?: string } {
  const picked: { mask?: string; styleReference?: string } = {};
  for (const role of roles) if (hosted[role]) picked[role] = hosted[role];
  return picked;
}

/** Every fal storage URL a step's input reads (to check they are still hosted before reusing the input). */
export function hostedUrlsOf(input: FalInput): string[] {
  const fields = input as Partial<Record<"image_url" | "mask_url", unknown>> & Partial<Record<"reference_image_urls" | "reference_mask_urls" | "image_urls", unknown[]>>;
  const urls = [fields.image_url, fields.mask_url, ...(fields.reference_image_urls ?? []), ...(fields.reference_mask_urls ?? []), ...(fields.image_urls ?? [])];
  return urls.filter((url): url is string => typeof url === "string");
}
