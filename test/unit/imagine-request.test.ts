import { describe, expect, it } from "vitest";
import { checkImagineOptions, toFalInput, type ImagineOptions } from "../../src/domain/imagine-request.js";

const reference = { name: "hero.png", size: 1000, url: "https://cdn.example/hero.png", contentType: "image/png" };
const base: ImagineOptions = { prompt: "a knight in a café", reference };

describe("checking /imagine options", () => {
  it("when only prompt and reference are given, then fal gets the defaults spelled out", () => {
    const { settings } = checkImagineOptions(base);
    expect(toFalInput(settings, { reference: "https://fal/ref.png" })).toEqual({
      prompt: "a knight in a café",
      reference_image_urls: ["https://fal/ref.png"],
      image_size: "square_hd",
      rendering_speed: "BALANCED",
      num_images: 1,
    });
  });

  it("when every option is given, then each maps to its fal input field", () => {
    const { settings, images } = checkImagineOptions({
      ...base,
      prompt: "  trimmed prompt  ",
      mask: { ...reference, name: "mask.png" },
      style: "FICTION",
      size: "portrait_16_9",
      speed: "QUALITY",
      count: 4,
      seed: 42,
      negativePrompt: "hats",
      magicPrompt: false,
      palette: "#ff0000:0.7 #00ff00",
      private: true,
    });
    expect(images.mask?.name).toBe("mask.png");
    expect(toFalInput(settings, { reference: "R", mask: "M", styleReference: "S" })).toEqual({
      prompt: "trimmed prompt",
      reference_image_urls: ["R"],
      reference_mask_urls: ["M"],
      image_urls: ["S"],
      style: "FICTION",
      image_size: "portrait_16_9",
      rendering_speed: "QUALITY",
      num_images: 4,
      seed: 42,
      negative_prompt: "hats",
      expand_prompt: false,
      color_palette: { members: [{ rgb: { r: 255, g: 0, b: 0 }, color_weight: 0.7 }, { rgb: { r: 0, g: 255, b: 0 } }] },
    });
  });

  it("when style codes are given alone, then they map to style_codes and no style is sent", () => {
    const { settings } = checkImagineOptions({ ...base, styleCodes: "1a2b3c4d deadbeef", palette: "pastel" });
    const input = toFalInput(settings, { reference: "R" });
    expect(input.style_codes).toEqual(["1a2b3c4d", "deadbeef"]);
    expect(input.color_palette).toEqual({ name: "PASTEL" });
    expect(input).not.toHaveProperty("style");
  });

  it.each<[string, Partial<ImagineOptions>, RegExp]>([
    ["an empty prompt", { prompt: "   " }, /prompt is empty/],
    ["a prompt over the limit", { prompt: "x".repeat(2001) }, /2001 characters/],
    ["no reference", { reference: null }, /Attach a `reference`/],
    ["style_codes with style", { styleCodes: "1a2b3c4d", style: "REALISTIC" }, /style_codes can't be combined with style:/],
    ["style_codes with style_reference", { styleCodes: "1a2b3c4d", styleReference: reference }, /style_codes can't be combined with style_reference/],
    ["malformed style codes", { styleCodes: "nothex!!" }, /8-character hex/],
    ["a malformed palette", { palette: "#12" }, /palette/],
    ["a count of 0", { count: 0 }, /count must be/],
    ["a count of 9", { count: 9 }, /count must be/],
    ["a negative seed", { seed: -1 }, /seed must be/],
    ["a fractional count", { count: 1.5 }, /count must be/],
    ["a reference over 10 MB", { reference: { ...reference, size: 10 * 1024 * 1024 + 1 } }, /at most 10.0 MB/],
    ["reference and mask over 10 MB together", { reference: { ...reference, size: 6e6 }, mask: { ...reference, size: 6e6 } }, /reference and mask together/],
    ["a style reference over 10 MB", { styleReference: { ...reference, size: 11e6 } }, /style_reference is/],
  ])("when given %s, then the user is told clearly", (_, change, message) => {
    expect(() => checkImagineOptions({ ...base, ...change })).toThrow(message);
  });
});
