import { UserFacingError } from "./errors.js";
import {
  checkLength,
  checkSeed,
  DEFAULT_IMAGE_SIZE,
  DEFAULT_SPEED,
  hasVisibleText,
  MAX_PROMPT_LENGTH,
  type AttachmentInfo,
  type GenerationSettings,
} from "./imagine-request.js";
import { requireSourceImage, type SceneImages } from "./source-image.js";

/** fal's range for ideogram/upscale's `resemblance` and `detail` (whole numbers; its default is 50). */
export const MIN_UPSCALE_LEVEL = 1;
export const MAX_UPSCALE_LEVEL = 100;

/** /upscale's options as the member gave them, typed but not yet checked. */
export interface UpscaleOptions {
  image?: AttachmentInfo | null;
  prompt?: string | null;
  resemblance?: number | null;
  detail?: number | null;
  magicPrompt?: boolean | null;
  seed?: number | null;
  private?: boolean | null;
}

/**
 * Checks /upscale's options and turns them into an upscale job's settings. An upscale has no
 * character, rendering speed, size or count: the row still records the defaults for speed and
 * size (firstStepInput does not send them) and one image, the one the member gets.
 */
export function checkUpscaleOptions(options: UpscaleOptions): { settings: GenerationSettings; images: SceneImages } {
  const image = requireSourceImage(options.image, "upscale");
  // The prompt is optional here: one of only spaces or invisible characters counts as none.
  const given = options.prompt?.trim();
  const prompt = given && hasVisibleText(given) ? given : undefined;
  checkLength("The prompt is", prompt, MAX_PROMPT_LENGTH);
  checkLevel("resemblance", options.resemblance);
  checkLevel("detail", options.detail);
  checkSeed(options.seed);
  const settings: GenerationSettings = {
    kind: "upscale",
    // What the result shows as its prompt; only a prompt the member gave is sent (upscalePrompt).
    prompt: prompt ?? `Upscale of ${image.name}`,
    imageSize: DEFAULT_IMAGE_SIZE,
    speed: DEFAULT_SPEED,
    numImages: 1,
  };
  if (prompt) settings.upscalePrompt = prompt;
  if (options.resemblance != null) settings.resemblance = options.resemblance;
  if (options.detail != null) settings.detail = options.detail;
  if (options.magicPrompt != null) settings.expandPrompt = options.magicPrompt;
  if (options.seed != null) settings.seed = options.seed;
  return { settings, images: { image } };
}

function checkLevel(name: "resemblance" | "detail", value: number | null | undefined): void {
  if (value != null && (!Number.isInteger(value) || value < MIN_UPSCALE_LEVEL || value > MAX_UPSCALE_LEVEL)) {
    throw new UserFacingError(`${name} must be a whole number from ${MIN_UPSCALE_LEVEL} to ${MAX_UPSCALE_LEVEL} (fal's default is 50).`);
  }
}
