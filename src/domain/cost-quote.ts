import { stepsOf, type FalOperation, type JobKind } from "./fal-endpoints.js";
import { humanName, SPEEDS, type Speed } from "./fal-enums.js";
import { formatDollars, jobCost, type Prices } from "./pricing.js";

/** What a request will cost, and how that sum is made, for the member to confirm before paying. */
export interface CostQuote {
  costUsd: number;
  /** One line per fal step, e.g. "4 images × $0.15 Balanced". */
  lines: string[];
}

/** What one step's images are called, per step of each kind (a duo's edit paints the second character). */
function stepNoun(kind: JobKind, operation: FalOperation, n: number): string {
  const s = n === 1 ? "" : "s";
  if (kind === "duo") return operation === "character" ? `scene${s}` : `second-character edit${s}`;
  switch (operation) {
    case "character":
      return `image${s}`;
    case "edit":
      return `edited image${s}`;
    case "remix":
      return `remixed image${s}`;
    case "upscale":
      return `upscale${s}`;
  }
}

/**
 * The price of a request with its breakdown: every fal step at its endpoint's price (per speed,
 * except upscale's flat price), the same sum the budgets count (jobCost).
 */
export function quoteFor(prices: Prices, settings: { kind?: JobKind; speed: Speed; numImages: number }): CostQuote {
  const kind = settings.kind ?? "imagine";
  const n = settings.numImages;
  const lines = stepsOf(kind).map((operation) =>
    operation === "upscale"
      ? `${n} ${stepNoun(kind, operation, n)} × ${formatDollars(prices.upscale)}`
      : `${n} ${stepNoun(kind, operation, n)} × ${formatDollars(prices[operation][settings.speed])} ${humanName(SPEEDS, settings.speed)}`,
  );
  return { costUsd: jobCost(prices, kind, settings.speed, n), lines };
}

/** Sums of float prices (3 × $0.10) land a hair off the cent; a request at the threshold does not ask. */
const EPSILON_USD = 1e-9;

/** Whether a request costing `costUsd` must wait for the member's confirmation (threshold undefined: never). */
export function needsConfirmation(costUsd: number, thresholdUsd: number | undefined): boolean {
  return thresholdUsd !== undefined && costUsd - thresholdUsd > EPSILON_USD;
}
