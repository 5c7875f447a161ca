import type { Speed } from "./fal-enums.js";
import { stepsOf, type FalOperation, type JobKind } from "./fal-endpoints.js";

/** US dollars per generated image for each rendering speed; comes from configuration. */
export type PriceTable = Readonly<Record<Speed, number>>;

/**
 * Every endpoint's price, from configuration (PRICE_*_USD). The character endpoints are priced
 * per image and rendering speed; upscale has no speed: one price per upscaled image.
 */
export interface Prices {
  character: PriceTable;
  edit: PriceTable;
  remix: PriceTable;
  upscale: number;
}

/** What one fal step costs: its endpoint's price per image times the images it makes. */
export function stepCost(prices: Prices, operation: FalOperation, speed: Speed, numImages: number): number {
  return operation === "upscale" ? prices.upscale * numImages : prices[operation][speed] * numImages;
}

/**
 * What a job costs, every step at its endpoint's price. A two-step job (duo) makes
 * `numImages` in each step, so it costs the sum of the two steps.
 */
export function jobCost(prices: Prices, kind: JobKind, speed: Speed, numImages: number): number {
  return stepsOf(kind).reduce((sum, operation) => sum + stepCost(prices, operation, speed, numImages), 0);
}

/** What a first-release job (one character step) costs: kept for rows written before costs were stored. */
export function estimateCost(prices: PriceTable, speed: Speed, numImages: number): number {
  return prices[speed] * numImages;
}

export function formatDollars(amount: number): string {
  // Cents, unless a price is below a cent (then a tenth of a cent matters).
  return `$${amount.toFixed(amount > 0 && amount < 0.01 ? 3 : 2)}`;
}

/** A request as the server's rules and budgets see it: its speed (none for an upscale), the images the member gets, and its cost. */
export function generationOf(prices: Prices, settings: { kind?: JobKind; speed: Speed; numImages: number }): { speed: Speed | undefined; numImages: number; costUsd: number } {
  const kind = settings.kind ?? "imagine";
  return { speed: kind === "upscale" ? undefined : settings.speed, numImages: settings.numImages, costUsd: jobCost(prices, kind, settings.speed, settings.numImages) };
}
