import { describe, expect, it } from "vitest";
import { commands } from "../../commands/index.js";
import { describeSettings } from "../../src/domain/describe-settings.js";
import { checkEditOptions, type EditOptions } from "../../src/domain/edit-request.js";
import { UserFacingError } from "../../src/domain/errors.js";
import { firstStepInput } from "../../src/domain/fal-input.js";
import { checkImagineOptions } from "../../src/domain/imagine-request.js";
import { generationOf, type Prices } from "../../src/domain/pricing.js";
import { MASK_REGIONS } from "../../src/domain/region-mask.js";
import { REGION_CHOICES } from "../../src/domain/region-names.js";
import { checkRemixOptions, type RemixOptions } from "../../src/domain/remix-request.js";
import { withServerDefaults } from "../../src/domain/server-policy.js";
import { checkUpscaleOptions } from "../../src/domain/upscale-request.js";

const file = (name: string, size = 1000) => ({ name, size, url: `https://cdn.example/${name}`, contentType: "image/png" });
const image = file("scene.png");
const reference = file("hero.png");
const hosted = { image: "F/image", imageMask: "F/mask", reference: "F/ref", mask: "F/refmask", styleReference: "F/style" };
const MB = 1024 * 1024;

function refusal(check: () => unknown): string {
  try {
    check();
  } catch (error) {
    expect(error).toBeInstanceOf(UserFacingError);
    return (error as Error).message;
  }
  throw new Error("expected a UserFacingError");
}

describe("/edit options", () => {
  const base: EditOptions = { prompt: " a lantern ", image, region: "left_half", reference };

  it("when a region is given, then the settings are an edit of that region and fal's edit input has only edit's fields", () => {
    const { settings, images } = checkEditOptions({ ...base, speed: "TURBO", count: 3, seed: 7, magicPrompt: true, palette: "magic" });
    expect(settings).toEqual({ kind: "edit", region: "left_half", prompt: "a lantern", imageSize: "square_hd", speed: "TURBO", numImages: 3, seed: 7, expandPrompt: true, palette: { name: "MAGIC" } });
    expect(images).toEqual({ image, reference });
    expect(firstStepInput(settings, hosted)).toEqual({
      prompt: "a lantern", image_url: "F/image", mask_url: "F/mask", reference_image_urls: ["F/ref"], reference_mask_urls: ["F/refmask"], image_urls: ["F/style"],
      rendering_speed: "TURBO", num_images: 3, seed: 7, expand_prompt: true, color_palette: { name: "MAGIC" },
    });
  });

  it("when the member attaches a mask, then it is the image's mask (not the reference's) and no region is recorded", () => {
    const mask = file("mask.png");
    const { settings, images } = checkEditOptions({ ...base, region: null, mask });
    expect(images.imageMask).toBe(mask);
    expect(images.mask).toBeUndefined();
    expect(settings.region).toBeUndefined();
  });

  it("when the server has a default style and size, then an edit still has neither (the endpoint takes none)", () => {
    const { settings } = checkEditOptions(withServerDefaults(base, { defaultStyle: "FICTION", defaultSize: "portrait_16_9", defaultSpeed: "QUALITY", defaultCount: 2 }));
    expect(settings.style).toBeUndefined();
    expect(settings.imageSize).toBe("square_hd");
    expect([settings.speed, settings.numImages]).toEqual(["QUALITY", 2]);
  });

  it("refuses a missing image, neither or both of region and mask, a forged region, and a mask over 10 MB", () => {
    expect(refusal(() => checkEditOptions({ ...base, image: null }))).toMatch(/Attach the `image` you want to edit/);
    expect(refusal(() => checkEditOptions({ ...base, region: null }))).toMatch(/Say what to repaint/);
    expect(refusal(() => checkEditOptions({ ...base, mask: file("m.png") }))).toMatch(/not both/);
    expect(refusal(() => checkEditOptions({ ...base, region: "sky" as never }))).toMatch(/not one StoryCast can draw/);
    expect(refusal(() => checkEditOptions({ ...base, region: null, mask: file("m.png", 11 * MB) }))).toMatch(/The mask is 11\.0 MB/);
  });

  it("applies /imagine's rules to what the two share", () => {
    for (const options of [{ prompt: "   " }, { reference: null }, { character: "Mira" }, { count: 9 }, { seed: -1 }, { styleCodes: "1a2b3c4d", styleReference: file("s.png") }]) {
      const imagineMessage = refusal(() => checkImagineOptions({ prompt: "a lantern", reference, ...options }));
      expect(refusal(() => checkEditOptions({ ...base, ...options }))).toBe(imagineMessage);
    }
  });
});

describe("/remix options", () => {
  const base: RemixOptions = { prompt: "winter", image, reference };

  it("when every option is given, then character/remix's input carries each, strength included", () => {
    const { settings, images } = checkRemixOptions({ ...base, strength: 0.25, style: "FICTION", size: "landscape_4_3", speed: "QUALITY", count: 2, seed: 3, negativePrompt: "rain", magicPrompt: false, mask: file("m.png"), styleReference: file("s.png") });
    expect(settings.kind).toBe("remix");
    expect(images.image).toBe(image);
    expect(firstStepInput(settings, hosted)).toEqual({
      prompt: "winter", image_url: "F/image", reference_image_urls: ["F/ref"], reference_mask_urls: ["F/refmask"], image_urls: ["F/style"], strength: 0.25,
      style: "FICTION", image_size: "landscape_4_3", rendering_speed: "QUALITY", num_images: 2, seed: 3, negative_prompt: "rain", expand_prompt: false,
    });
  });

  it("accepts strength at both ends of fal's range and refuses anything outside it", () => {
    expect(checkRemixOptions({ ...base, strength: 0.01 }).settings.strength).toBe(0.01);
    expect(checkRemixOptions({ ...base, strength: 1 }).settings.strength).toBe(1);
    expect(checkRemixOptions(base).settings.strength).toBeUndefined(); // fal's default (0.8) applies
    for (const strength of [0, 0.0099, 1.01, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(refusal(() => checkRemixOptions({ ...base, strength }))).toMatch(/strength must be a number from 0\.01 to 1/);
    }
  });

  it("refuses a missing image", () => {
    expect(refusal(() => checkRemixOptions({ ...base, image: undefined }))).toMatch(/Attach the `image` you want to remix/);
  });
});

describe("/upscale options", () => {
  it("when only the image is given, then fal gets the image alone and the row records one image", () => {
    const { settings, images } = checkUpscaleOptions({ image });
    expect(images).toEqual({ image });
    expect(settings).toEqual({ kind: "upscale", prompt: "Upscale of scene.png", imageSize: "square_hd", speed: "BALANCED", numImages: 1 });
    expect(firstStepInput(settings, { image: "F/image" })).toEqual({ image_url: "F/image" });
  });

  it("when every option is given, then each reaches its upscale field", () => {
    const { settings } = checkUpscaleOptions({ image, prompt: " sharper ", resemblance: 1, detail: 100, magicPrompt: true, seed: 0 });
    expect(firstStepInput(settings, { image: "F/image" })).toEqual({ image_url: "F/image", prompt: "sharper", resemblance: 1, detail: 100, expand_prompt: true, seed: 0 });
  });

  it("treats a blank prompt as none, and refuses levels outside 1–100, a bad seed, a long prompt", () => {
    expect(checkUpscaleOptions({ image, prompt: " \u200b " }).settings.upscalePrompt).toBeUndefined();
    expect(refusal(() => checkUpscaleOptions({ image, resemblance: 0 }))).toMatch(/resemblance must be a whole number from 1 to 100/);
    expect(refusal(() => checkUpscaleOptions({ image, detail: 50.5 }))).toMatch(/detail must be a whole number from 1 to 100/);
    expect(refusal(() => checkUpscaleOptions({ image, seed: 2 ** 31 }))).toMatch(/seed must be a whole number/);
    expect(refusal(() => checkUpscaleOptions({ image, prompt: "x".repeat(2001) }))).toMatch(/2001 characters long; the limit is 2000/);
    expect(refusal(() => checkUpscaleOptions({ image: null }))).toMatch(/Attach the `image` you want to upscale/);
  });

  it("is priced as one upscale with no speed for the server's speed rule", () => {
    const prices: Prices = { character: { TURBO: 1, BALANCED: 2, QUALITY: 3 }, edit: { TURBO: 4, BALANCED: 5, QUALITY: 6 }, remix: { TURBO: 7, BALANCED: 8, QUALITY: 9 }, upscale: 0.5 };
    expect(generationOf(prices, checkUpscaleOptions({ image }).settings)).toEqual({ speed: undefined, numImages: 1, costUsd: 0.5 });
    expect(generationOf(prices, checkEditOptions({ prompt: "x", image, region: "top", reference, count: 2 }).settings).costUsd).toBe(10);
    expect(generationOf(prices, checkRemixOptions({ prompt: "x", image, reference, speed: "TURBO", count: 3 }).settings).costUsd).toBe(21);
  });
});

describe("the settings line under a result", () => {
  it("shows what each kind used, and nothing its endpoint ignores", () => {
    const edit = checkEditOptions({ prompt: "x", image, region: "background", reference, speed: "TURBO" }).settings;
    expect(describeSettings(edit, 4)).toBe("seed 4 · Turbo · repainted: Background (all but the centre) · 1 image");
    const ownMask = checkEditOptions({ prompt: "x", image, mask: file("m.png"), reference }).settings;
    expect(describeSettings(ownMask, 4)).toBe("seed 4 · Balanced · repainted: your mask · 1 image");
    const remix = checkRemixOptions({ prompt: "x", image, reference, strength: 0.5, size: "square" }).settings;
    expect(describeSettings(remix, 4)).toBe("seed 4 · Balanced · Square · strength 0.5 · 1 image");
    const upscale = checkUpscaleOptions({ image, resemblance: 80, detail: 20 }).settings;
    expect(describeSettings(upscale, 4)).toBe("seed 4 · Upscale · resemblance 80 · detail 20");
  });
});

describe("/edit, /remix and /upscale definitions", () => {
  const definition = (name: string) => commands.find((c) => c.definition.name === name)!.definition;
  const options = (name: string) => (definition(name).options ?? []) as { name: string; description: string; required?: boolean; choices?: { name: string; value: string }[] }[];

  it("have the options the issue names, required ones first", () => {
    expect(options("edit").map((o) => o.name)).toEqual(["prompt", "image", "region", "mask", "reference", "character", "speed", "count", "seed", "magic_prompt", "palette", "style_codes", "style_reference", "private"]);
    expect(options("remix").map((o) => o.name)).toEqual(["prompt", "image", "strength", "reference", "character", "mask", "style", "size", "speed", "count", "seed", "negative_prompt", "magic_prompt", "palette", "style_codes", "style_reference", "private"]);
    expect(options("upscale").map((o) => o.name)).toEqual(["image", "prompt", "resemblance", "detail", "magic_prompt", "seed", "private"]);
    for (const name of ["edit", "remix", "upscale"]) {
      const list = options(name);
      const firstOptional = list.findIndex((o) => !o.required);
      expect(list.slice(firstOptional).some((o) => o.required)).toBe(false);
    }
  });

  it("keep Discord's limits: at most 25 options, descriptions of 1–100 characters, names in Discord's form", () => {
    for (const name of ["edit", "remix", "upscale"]) {
      const def = definition(name);
      expect(def.description.length).toBeGreaterThan(0);
      expect(def.description.length).toBeLessThanOrEqual(100);
      expect(options(name).length).toBeLessThanOrEqual(25);
      for (const option of options(name)) {
        expect(option.name).toMatch(/^[-_\p{Ll}\p{N}]{1,32}$/u);
        expect(option.description.length, `${name} ${option.name}`).toBeGreaterThan(0);
        expect(option.description.length, `${name} ${option.name}`).toBeLessThanOrEqual(100);
      }
    }
  });

  it("offer every region StoryCast can draw, by its human name", () => {
    const region = options("edit").find((o) => o.name === "region")!;
    expect(region.choices?.map((c) => c.value)).toEqual([...MASK_REGIONS]);
    expect(region.choices?.map((c) => c.name)).toEqual(["Left half", "Right half", "Centre", "Top", "Bottom", "Background (all but the centre)"]);
    expect(REGION_CHOICES.map((c) => c.value)).toEqual([...MASK_REGIONS]);
  });
});
