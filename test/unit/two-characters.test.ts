import { describe, expect, it } from "vitest";
import { progressText, resultHeader } from "../../src/discord/job-messages.js";
import { UserFacingError } from "../../src/domain/errors.js";
import type { GenerationSettings } from "../../src/domain/imagine-request.js";
import type { Job } from "../../src/domain/job.js";
import { generationOf, jobCost, type Prices } from "../../src/domain/pricing.js";
import { isTwoCharacterRequest, pipelinePriceLine, stepCosts, twoCharacterPriceLine, twoCharacterSettings } from "../../src/domain/two-characters.js";

/** The defaults of config.ts: edit priced like character. */
const PRICES: Prices = { character: { TURBO: 0.1, BALANCED: 0.15, QUALITY: 0.2 }, edit: { TURBO: 0.1, BALANCED: 0.15, QUALITY: 0.2 }, remix: { TURBO: 0.1, BALANCED: 0.15, QUALITY: 0.2 }, upscale: 0.06 };
/** A deployment where the edit costs more than the scene: the sum must add the two, not double one. */
const UNEVEN: Prices = { ...PRICES, character: { TURBO: 0.03, BALANCED: 0.06, QUALITY: 0.09 }, edit: { TURBO: 0.05, BALANCED: 0.08, QUALITY: 0.12 } };

const base: GenerationSettings = { prompt: "Mira: a pirate. a picnic", imageSize: "square_hd", speed: "BALANCED", numImages: 1 };

describe("two-character requests", () => {
  it("when a second character is given, then it is a two-character scene; with none, it is not", () => {
    expect(isTwoCharacterRequest({ secondCharacter: "Vex" })).toBe(true);
    expect(isTwoCharacterRequest({ secondReference: { name: "v.png" }, placement: "left", count: 1 })).toBe(true);
    expect(isTwoCharacterRequest({})).toBe(false);
    expect(isTwoCharacterRequest({ count: 4 })).toBe(false);
  });

  it("when the options contradict each other, then the member is told which, naming the command's own options", () => {
    expect(() => isTwoCharacterRequest({ secondCharacter: "Vex", secondReference: {} })).toThrow(/either `second_character` .* or `second_reference`/);
    expect(() => isTwoCharacterRequest({ placement: "right" })).toThrow(UserFacingError);
    expect(() => isTwoCharacterRequest({ placement: "right" }, "`with`")).toThrow(/add `with` too, or leave `placement` out/);
    expect(() => isTwoCharacterRequest({ secondCharacter: "Vex", count: 2 })).toThrow(/makes one image .* `count` can't be 2 here/);
  });

  it("when the settings become a two-character scene's, then it is one image, kind duo, and step 2's prompt puts the second description in front of the scene (not the first's)", () => {
    const settings = twoCharacterSettings({ ...base, numImages: 3 }, { name: "Vex", description: "a thief", placement: "left", scenePrompt: "a picnic", descriptions: true });
    expect(settings).toEqual({ ...base, numImages: 1, kind: "duo", second: { name: "Vex", placement: "left", prompt: "Vex: a thief. a picnic" } });
    // The server turned descriptions off, or the second has none: the scene alone.
    expect(twoCharacterSettings(base, { name: "Vex", description: "a thief", placement: "right", scenePrompt: "a picnic", descriptions: false }).second?.prompt).toBe("a picnic");
    expect(twoCharacterSettings(base, { name: "Vex", description: undefined, placement: "right", scenePrompt: "a picnic", descriptions: true }).second?.prompt).toBe("a picnic");
  });
});

describe("a two-character scene's price", () => {
  it("when it is priced, then it costs the scene at the character price plus the edit at the edit price, per speed", () => {
    const duo = { ...base, kind: "duo" as const };
    expect(stepCosts(UNEVEN, duo)).toEqual([0.06, 0.08]);
    expect(jobCost(UNEVEN, "duo", "BALANCED", 1)).toBeCloseTo(0.14);
    expect(generationOf(UNEVEN, { kind: "duo", speed: "QUALITY", numImages: 1 }).costUsd).toBeCloseTo(0.21);
    expect(twoCharacterPriceLine(UNEVEN, "BALANCED")).toBe("Two characters: 2 fal steps, $0.14 ($0.06 scene + $0.08 second character)");
    expect(twoCharacterPriceLine(PRICES, "BALANCED")).toBe("Two characters: 2 fal steps, $0.30 ($0.15 scene + $0.15 second character)");
    expect(twoCharacterPriceLine(PRICES, "TURBO")).toBe("Two characters: 2 fal steps, $0.20 ($0.10 scene + $0.10 second character)");
  });

  it("when a job kept no step costs (a reroll of an older row), then its line gives the stored total alone", () => {
    expect(pipelinePriceLine({ steps: 2 }, 0.4)).toBe("Two characters: 2 fal steps, $0.40");
    expect(pipelinePriceLine({ steps: 2, stepCosts: [0.2, 0.25] }, 0.1)).toBe("Two characters: 2 fal steps, $0.45 ($0.20 scene + $0.25 second character)");
  });
});

describe("a two-character scene in Discord", () => {
  const job = (step: number): Job => ({
    id: "j1",
    createdAt: 0,
    updatedAt: 0,
    origin: { userId: "42", guildId: "g", channelId: "c", applicationId: "a", interactionToken: "t", interactionAt: 0, attachmentSizeLimit: 1e7, private: false, caption: "🎬 Scene for <@42>: **Mira**" },
    settings: { ...base, kind: "duo", second: { name: "Vex *the* <@1>", placement: "right" } },
    falInput: null,
    pipeline: { step, steps: 2, done: [], stepCosts: [0.15, 0.15] },
    state: { kind: "pending" },
    costUsd: 0.3,
    rerollOf: null,
    messageIds: [],
    delivery: null,
  });

  it("when it runs, then each progress line says the step (the second names who is painted in, escaped) with the summed price beneath", () => {
    expect(progressText({ phase: "uploading" }, job(1))).toBe("📤 Uploading your images to fal… — step 1 of 2: the scene\n-# 👥 Two characters: 2 fal steps, $0.30 ($0.15 scene + $0.15 second character)");
    expect(progressText({ phase: "generating", elapsedMs: 65_000 }, job(2))).toBe(
      "🎨 Generating… (1:05) — step 2 of 2: painting in **Vex \\*the\\* \\<@1>** on the right\n-# 👥 Two characters: 2 fal steps, $0.30 ($0.15 scene + $0.15 second character)",
    );
    // A one-step job's line is unchanged.
    expect(progressText({ phase: "generating", elapsedMs: 65_000 }, { ...job(1), pipeline: null, settings: base })).toBe("🎨 Generating… (1:05)");
  });

  it("when it is posted, then the header says the second character was placed, and where", () => {
    const header = resultHeader(job(2), { seed: 3, images: [{ url: "u" }] }, { index: 0, total: 1 });
    expect(header.split("\n")[0]).toBe("🎬 Scene for <@42>: **Mira** with **Vex \\*the\\* \\<@1>** on the right");
    const plain = resultHeader({ ...job(2), settings: base, pipeline: null }, { seed: 3, images: [{ url: "u" }] }, { index: 0, total: 1 });
    expect(plain.split("\n")[0]).toBe("🎬 Scene for <@42>: **Mira**");
  });
});
