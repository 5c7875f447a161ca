// The controls on a result (issue 11, item 3): Upscale, Remix and Edit one of its images, each a
// new job for whoever pressed. What each control may be offered on, what the member typed into
// its form, and the settings of the job it makes. No Discord here: the handlers translate.
import { UserFacingError } from "./errors.js";
import type { FalInput } from "./fal-endpoints.js";
import { hasVisibleText, MAX_PROMPT_LENGTH, type GenerationSettings } from "./imagine-request.js";
import type { Job } from "./job.js";
import type { MaskRegion } from "./region-mask.js";

export type SceneAction = "upscale" | "remix" | "edit";
export const SCENE_ACTIONS: readonly SceneAction[] = ["upscale", "remix", "edit"];

/** fal's default for character/remix's `strength`, shown pre-filled in the Remix form. */
export const DEFAULT_STRENGTH = 0.8;
export const MIN_STRENGTH = 0.01;
export const MAX_STRENGTH = 1;

/** The regions an Edit can repaint without a mask file, as the form names them. */
export const REGION_NAMES: Readonly<Record<MaskRegion, string>> = {
  left_half: "Left half",
  right_half: "Right half",
  centre: "Centre",
  top: "Top half",
  bottom: "Bottom half",
  background: "Background (all but the centre)",
};

/**
 * The controls a result offers on each of its images. An upscaled image is already large, so it
 * is not offered Upscale again; it can be remixed or edited when it was upscaled from a scene
 * (whose character those need), not when it came from an image with no character.
 */
export function sceneActionsFor(settings: GenerationSettings): SceneAction[] {
  if (settings.kind === "upscale") return settings.source ? ["remix", "edit"] : [];
  return [...SCENE_ACTIONS];
}

/** What the member asked for in a control's form (Upscale has none). */
export type SceneRequest =
  | { action: "upscale" }
  | { action: "remix"; prompt: string; strength: number }
  | { action: "edit"; prompt: string; region?: MaskRegion };

/**
 * The new job's settings: the control's kind, the prompt from its form, one image, the source
 * scene's size and speed, and the job and image it was made from. A remix keeps the scene's look
 * (style, negative prompt, palette, style codes, magic prompt); an edit keeps what character/edit
 * takes of it (palette, style codes, magic prompt). The seed is fal's choice: a new image.
 * An upscale sends no prompt: `prompt` is the source's, only shown above the result.
 */
export function sceneSettings(source: GenerationSettings, from: { jobId: string; image: number }, request: SceneRequest): GenerationSettings {
  const base = { imageSize: source.imageSize, speed: source.speed, numImages: 1, source: { jobId: from.jobId, image: from.image } };
  switch (request.action) {
    case "upscale":
      return { ...base, kind: "upscale", prompt: source.prompt };
    case "remix":
      return {
        ...base,
        kind: "remix",
        prompt: request.prompt,
        strength: request.strength,
        ...(source.style ? { style: source.style } : {}),
        ...(source.negativePrompt ? { negativePrompt: source.negativePrompt } : {}),
        ...keptLook(source),
      };
    case "edit":
      return { ...base, kind: "edit", prompt: request.prompt, ...(request.region ? { region: request.region } : {}), ...keptLook(source) };
  }
}

function keptLook(source: GenerationSettings): Pick<GenerationSettings, "expandPrompt" | "palette" | "styleCodes"> {
  return {
    ...(source.expandPrompt !== undefined ? { expandPrompt: source.expandPrompt } : {}),
    ...(source.palette ? { palette: source.palette } : {}),
    ...(source.styleCodes ? { styleCodes: source.styleCodes } : {}),
  };
}

/** A form's prompt, trimmed, or a clear message (the same rules as /imagine's). */
export function checkScenePrompt(text: string): string {
  const prompt = text.trim();
  if (!hasVisibleText(prompt)) throw new UserFacingError("The prompt is empty: describe what the new image should show. Nothing was charged.");
  if (prompt.length > MAX_PROMPT_LENGTH) throw new UserFacingError(`The prompt is ${prompt.length} characters long; the limit is ${MAX_PROMPT_LENGTH}. Nothing was charged.`);
  return prompt;
}

/**
 * The Remix form's strength: a decimal from 0.01 to 1 (a comma works as the decimal point);
 * left empty, fal's default 0.8. Anything else is refused with what is expected.
 */
export function parseStrength(text: string): number {
  const written = text.trim().replace(",", ".");
  if (written === "") return DEFAULT_STRENGTH;
  const value = /^(\d+(\.\d*)?|\.\d+)$/.test(written) ? Number(written) : Number.NaN;
  if (!(value >= MIN_STRENGTH && value <= MAX_STRENGTH)) {
    throw new UserFacingError(
      `Strength must be a number from ${MIN_STRENGTH} (stay close to the image) to ${MAX_STRENGTH} (move furthest from it), such as ${DEFAULT_STRENGTH}. Nothing was charged.`,
    );
  }
  return value;
}

/** The Edit form's region and mask file: exactly one of them. */
export function checkEditChoice(regions: readonly string[], maskFiles: number): { region: MaskRegion } | { mask: true } {
  const known = regions.filter((value): value is MaskRegion => Object.hasOwn(REGION_NAMES, value));
  if (known.length !== regions.length || known.length > 1) throw new UserFacingError("Pick one of the listed areas to repaint.");
  if (maskFiles > 1) throw new UserFacingError("Upload one mask file, not several.");
  if (known[0] && maskFiles === 1) throw new UserFacingError("Pick an area to repaint or upload a mask, not both: the mask alone decides what is repainted.");
  if (known[0]) return { region: known[0] };
  if (maskFiles === 1) return { mask: true };
  throw new UserFacingError("Pick the area to repaint, or upload a mask (black repaints, white keeps, the image's exact size). Nothing was charged.");
}

/** The character a scene was made with: the hosted reference (and mask) of its first fal step, if it had one. */
export function characterOf(job: Job): { reference: string; mask?: string } | undefined {
  const input: FalInput | null | undefined = job.pipeline?.done[0]?.input ?? job.falInput;
  const fields = (input ?? {}) as { reference_image_urls?: unknown[]; reference_mask_urls?: unknown[] | null };
  const reference = fields.reference_image_urls?.[0];
  if (typeof reference !== "string") return undefined;
  const mask = fields.reference_mask_urls?.[0];
  return { reference, ...(typeof mask === "string" ? { mask } : {}) };
}
