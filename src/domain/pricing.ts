import type { Speed } from "./fal-enums.js";

/** US dollars per generated image for each rendering speed; comes from configuration. */
export type PriceTable = Readonly<Record<Speed, number>>;

/** What a generation costs at fal's per-image price. */
export function estimateCost(prices: PriceTable, speed: Speed, numImages: number): number {
  return prices[speed] * numImages;
}

export function formatDollars(amount: number): string {
  // Cents, unless a price is below a cent (then a tenth of a cent matters).
  return `$${amount.toFixed(amount > 0 && amount < 0.01 ? 3 : 2)}`;
}
