import type { IdeogramCharacterEditInput, IdeogramCharacterInput, IdeogramCharacterRemixInput, IdeogramUpscaleInput } from "@fal-ai/client/endpoints";

/**
 * The fal endpoints StoryCast calls, as the ids @fal-ai/client's endpoint types are keyed by.
 * All four belong to one fal app (fal-ai/ideogram): a request's status, result and cancel live
 * under `fal-ai/ideogram/requests/{id}` whichever of them it was submitted to.
 */
export const FAL_ENDPOINTS = {
  character: "fal-ai/ideogram/character",
  edit: "fal-ai/ideogram/character/edit",
  remix: "fal-ai/ideogram/character/remix",
  upscale: "fal-ai/ideogram/upscale",
} as const;

export type FalOperation = keyof typeof FAL_ENDPOINTS;
export type FalEndpointId = (typeof FAL_ENDPOINTS)[FalOperation];

/** The input of one fal step, by endpoint (types from @fal-ai/client/endpoints; image URLs are always strings here). */
export interface FalInputs {
  character: IdeogramCharacterInput;
  edit: IdeogramCharacterEditInput & { image_url: string; mask_url: string };
  remix: IdeogramCharacterRemixInput & { image_url: string };
  upscale: IdeogramUpscaleInput & { image_url: string };
}
export type FalInput = FalInputs[FalOperation];

/**
 * What a job makes, which decides its fal steps and its price:
 * - imagine: one `character` step (the first release's only kind; rows without a kind are this);
 * - edit / remix / upscale: one step at that endpoint;
 * - duo: two characters in one scene — a `character` step with the first character, then an
 *   `edit` step that repaints one side of that image with the second (see jobs/second-step.ts).
 */
export const JOB_KINDS = ["imagine", "edit", "remix", "upscale", "duo"] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/** The fal operation of each step of a job of this kind, in order. */
export function stepsOf(kind: JobKind): readonly FalOperation[] {
  switch (kind) {
    case "imagine":
      return ["character"];
    case "duo":
      return ["character", "edit"];
    default:
      return [kind];
  }
}

/** The endpoint a job's step (1-based) is submitted to. */
export function endpointFor(kind: JobKind, step: number): FalEndpointId {
  const operation = stepsOf(kind)[step - 1];
  if (!operation) throw new Error(`a ${kind} job has no step ${step}`);
  return FAL_ENDPOINTS[operation];
}
