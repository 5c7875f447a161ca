import { describe, expect, it } from "vitest";
import { UserFacingError } from "../../src/domain/errors.js";
import { describePalette, parsePalette, suggestPalettes } from "../../src/domain/palette.js";

describe("palette", () => {
  it("when a preset name is typed in any case, then it maps to fal's {name}", () => {
    expect(parsePalette(" ember ")).toEqual({ name: "EMBER" });
    expect(parsePalette("Ultramarine")).toEqual({ name: "ULTRAMARINE" });
  });

  it("when hex colours with weights are typed, then they map to fal's {members} with rgb and color_weight", () => {
    expect(parsePalette("#ff0000:0.8, #00FF00:0.4 0000ff")).toEqual({
      members: [
        { rgb: { r: 255, g: 0, b: 0 }, color_weight: 0.8 },
        { rgb: { r: 0, g: 255, b: 0 }, color_weight: 0.4 },
        { rgb: { r: 0, g: 0, b: 255 } },
      ],
    });
  });

  it("when a short hex is typed, then it is expanded", () => {
    expect(parsePalette("#f80")).toEqual({ members: [{ rgb: { r: 255, g: 136, b: 0 } }] });
  });

  it.each([["#ff00"], ["#gg0000"], ["#ff0000:2"], ["#ff0000:0.01"], ["#ff0000:"], ["#ff0000:abc"], ["red"], ["#ff0000:0.5:1"], [""]])(
    "when %j is typed, then the user gets a clear palette error",
    (text) => {
      expect(() => parsePalette(text)).toThrow(UserFacingError);
      expect(() => parsePalette(text)).toThrow(/palette/);
    },
  );

  it("when more than ten colours are typed, then it is refused", () => {
    expect(() => parsePalette(Array(11).fill("#000000").join(" "))).toThrow(/at most 10/);
  });

  it("suggests presets containing what was typed, and all presets for nothing typed", () => {
    expect(suggestPalettes("ma")).toEqual(["MAGIC", "ULTRAMARINE"]);
    expect(suggestPalettes("")).toHaveLength(8);
  });

  it("describes palettes for the result message", () => {
    expect(describePalette({ name: "JUNGLE" })).toBe("jungle");
    expect(describePalette(parsePalette("#ff0000:0.8 #0000ff"))).toBe("#ff0000:0.8 #0000ff");
  });
});
