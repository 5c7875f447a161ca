import { describe, expect, it } from "vitest";
import { confirmButtonId, parseConfirmButtonId } from "../../src/discord/confirm-cost.js";
import { needsConfirmation, quoteFor } from "../../src/domain/cost-quote.js";
import type { Prices } from "../../src/domain/pricing.js";

const prices: Prices = {
  character: { TURBO: 0.1, BALANCED: 0.15, QUALITY: 0.2 },
  edit: { TURBO: 0.11, BALANCED: 0.25, QUALITY: 0.3 },
  remix: { TURBO: 0.12, BALANCED: 0.35, QUALITY: 0.4 },
  upscale: 0.05,
};

describe("the price quoted before a costly request", () => {
  it("when a request of each kind is quoted, then its total is every step at its endpoint's price and each step is one line", () => {
    expect(quoteFor(prices, { speed: "BALANCED", numImages: 4 })).toEqual({ costUsd: 0.6, lines: ["4 images × $0.15 Balanced"] });
    expect(quoteFor(prices, { kind: "imagine", speed: "QUALITY", numImages: 1 })).toEqual({ costUsd: 0.2, lines: ["1 image × $0.20 Quality"] });
    expect(quoteFor(prices, { kind: "edit", speed: "TURBO", numImages: 2 })).toEqual({ costUsd: 0.22, lines: ["2 edited images × $0.11 Turbo"] });
    const remix = quoteFor(prices, { kind: "remix", speed: "QUALITY", numImages: 3 });
    expect(remix.lines).toEqual(["3 remixed images × $0.40 Quality"]);
    expect(remix.costUsd).toBeCloseTo(1.2);
    // Upscale has one price at any speed.
    expect(quoteFor(prices, { kind: "upscale", speed: "QUALITY", numImages: 1 })).toEqual({ costUsd: 0.05, lines: ["1 upscale × $0.05"] });
    // Two characters: a scene, then an edit that paints the second character, each at its price.
    const duo = quoteFor(prices, { kind: "duo", speed: "BALANCED", numImages: 2 });
    expect(duo.lines).toEqual(["2 scenes × $0.15 Balanced", "2 second-character edits × $0.25 Balanced"]);
    expect(duo.costUsd).toBeCloseTo(0.8);
  });

  it("when the cost is compared with the threshold, then only a cost above it asks; 0 asks for every paid request and none never asks", () => {
    const threeTurbo = quoteFor(prices, { speed: "TURBO", numImages: 3 }).costUsd; // 0.30000000000000004 in floating point
    expect(needsConfirmation(threeTurbo, 0.3)).toBe(false);
    expect(needsConfirmation(threeTurbo, 0.29)).toBe(true);
    expect(needsConfirmation(0.6, 0.5)).toBe(true);
    expect(needsConfirmation(0.5, 0.5)).toBe(false);
    expect(needsConfirmation(0.01, 0)).toBe(true);
    expect(needsConfirmation(0, 0)).toBe(false); // free: nothing to confirm
    expect(needsConfirmation(100, undefined)).toBe(false);
  });
});

describe("price offer button ids", () => {
  it("round-trip the offer and the answer, within Discord's 100 characters, and ignore ids that are not theirs", () => {
    for (const action of ["go", "cancel"] as const) {
      const id = confirmButtonId("AbC-12_xyz", action);
      expect(id.length).toBeLessThanOrEqual(100);
      expect(parseConfirmButtonId(id)).toEqual({ nonce: "AbC-12_xyz", action });
    }
    expect(parseConfirmButtonId("imagine:reroll:x")).toBeUndefined();
    expect(parseConfirmButtonId("confirm:x:maybe")).toBeUndefined();
    expect(parseConfirmButtonId("confirm::go")).toBeUndefined();
    expect(parseConfirmButtonId("confirm:x:go:extra")).toBeUndefined();
  });
});
