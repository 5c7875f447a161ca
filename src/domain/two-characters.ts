import { promptWithDescription } from "./character-name.js";
import { UserFacingError } from "./errors.js";
import { stepsOf } from "./fal-endpoints.js";
import type { Speed } from "./fal-enums.js";
import type { GenerationSettings, Placement } from "./imagine-request.js";
import type { JobPipeline } from "./job.js";
import { formatDollars, stepCost, type Prices } from "./pricing.js";

/*
 * Two characters in one scene (a "duo" job): fal's character endpoint takes one character, so
 * the scene is made with the first, then character/edit repaints one side of it with the second,
 * through a mask StoryCast draws (black repaints, white keeps: see region-mask.ts). One job, two
 * fal steps, each paid for: the member is shown the sum before anything starts.
 */

/** Where the second character goes when the member does not say: the right, like a reader's "and then". */
export const DEFAULT_PLACEMENT: Placement = "right";

export const PLACEMENTS = [
  { value: "left", name: "Left" },
  { value: "right", name: "Right" },
] as const satisfies readonly { value: Placement; name: string }[];

/** The second-character options of /imagine, as given (before the server's defaults). */
export interface SecondCharacterOptions {
  secondCharacter?: string | null;
  secondReference?: unknown;
  placement?: Placement | null;
  count?: number | null;
}

/**
 * Whether the request is a two-character scene, after checking its second-character options
 * (`optionNames`: how the command names them, for the messages).
 * A two-character scene makes ONE image: the edit repaints one scene. A member who asked for
 * several explicitly is told so (a silent change of what they asked for would surprise them);
 * a server's default count does not apply to it.
 */
export function isTwoCharacterRequest(options: SecondCharacterOptions, optionNames = "`second_character` or `second_reference`"): boolean {
  const hasSaved = options.secondCharacter != null;
  const hasAttached = options.secondReference != null;
  if (hasSaved && hasAttached) {
    throw new UserFacingError("Use either `second_character` (a saved character) or `second_reference` (an image), not both.");
  }
  if (!hasSaved && !hasAttached) {
    if (options.placement != null) {
      throw new UserFacingError(`\`placement\` says where a second character goes: add ${optionNames} too, or leave \`placement\` out.`);
    }
    return false;
  }
  if (options.count != null && options.count !== 1) {
    throw new UserFacingError(
      `A scene with two characters makes one image (the second character is painted into that one scene), so \`count\` can't be ${options.count} here. Leave \`count\` out, or set it to 1.`,
    );
  }
  return true;
}

/**
 * Turns checked one-character settings into a two-character scene's: kind duo, one image, and the
 * second step's prompt: the second character's description (when it has one and the server allows
 * descriptions) in front of the member's scene prompt. The first character's description stays in
 * the first step's prompt only: in the edit it would ask for the first character again.
 */
export function twoCharacterSettings(
  settings: GenerationSettings,
  second: { name: string; description?: string | undefined; placement: Placement; scenePrompt: string; descriptions: boolean },
): GenerationSettings {
  const prompt = second.descriptions ? promptWithDescription(second.scenePrompt, second.name, second.description) : second.scenePrompt;
  return { ...settings, kind: "duo", numImages: 1, second: { name: second.name, placement: second.placement, prompt } };
}

/** What each step of a job costs, in order (one entry for a one-step job). */
export function stepCosts(prices: Prices, settings: Pick<GenerationSettings, "kind" | "speed" | "numImages">): number[] {
  return stepsOf(settings.kind ?? "imagine").map((operation) => stepCost(prices, operation, settings.speed, settings.numImages));
}

/** What the steps of a two-character scene are, for the member: the scene, then the second character. */
const STEP_NAMES = ["scene", "second character"];

/**
 * The price line of a job of several steps, shown before it starts and with its progress:
 * "Two characters: 2 fal steps, $0.30 ($0.15 scene + $0.15 second character)".
 * Without the step costs (a row from before they were kept), the total alone.
 */
export function pipelinePriceLine(pipeline: Pick<JobPipeline, "steps" | "stepCosts">, totalUsd: number | null): string {
  const costs = pipeline.stepCosts;
  const total = costs ? costs.reduce((sum, cost) => sum + cost, 0) : totalUsd;
  const head = `Two characters: ${pipeline.steps} fal steps`;
  if (total === null) return head;
  const parts = costs?.map((cost, index) => `${formatDollars(cost)} ${STEP_NAMES[index] ?? `step ${index + 1}`}`);
  return `${head}, ${formatDollars(total)}${parts ? ` (${parts.join(" + ")})` : ""}`;
}

/** The price line of a two-character scene about to be made (the same words as its progress shows). */
export function twoCharacterPriceLine(prices: Prices, speed: Speed): string {
  const costs = stepCosts(prices, { kind: "duo", speed, numImages: 1 });
  return pipelinePriceLine({ steps: costs.length, stepCosts: costs }, null);
}

/** "on the left" / "on the right". */
export function placementPhrase(placement: Placement): string {
  return `on the ${placement}`;
}
