import { describe, expect, it } from "vitest";
import { commands } from "../../commands/index.js";
import { parseResultButtonId, resultButtonId } from "../../src/discord/custom-ids.js";
import { IMAGE_SIZES, SPEEDS, STYLES } from "../../src/domain/fal-enums.js";

describe("result button ids", () => {
  it("round-trip the action and job id, within Discord's 100 characters", () => {
    for (const action of ["reroll", "delete", "cancel"] as const) {
      const id = resultButtonId(action, "AbC-12_xyz");
      expect(id.length).toBeLessThanOrEqual(100);
      expect(parseResultButtonId(id)).toEqual({ action, jobId: "AbC-12_xyz" });
    }
  });
  it("ignore ids that are not ours", () => {
    expect(parseResultButtonId("other:reroll:x")).toBeUndefined();
    expect(parseResultButtonId("imagine:explode:x")).toBeUndefined();
    expect(parseResultButtonId("imagine:reroll")).toBeUndefined();
  });
});

describe("/imagine definition", () => {
  const imagine = commands.find((c) => c.definition.name === "imagine")!;
  const option = (name: string) => imagine.definition.options?.find((o) => o.name === name) as { choices?: { name: string; value: string }[] } | undefined;

  it("has exactly the options DESIGN.md names, then the two-character scene's (issue 11)", () => {
    expect(imagine.definition.options?.map((o) => o.name)).toEqual([
      "prompt", "reference", "character", "style", "size", "speed", "count", "seed", "negative_prompt", "magic_prompt", "mask", "style_reference", "palette", "style_codes", "private",
      "second_character", "second_reference", "placement",
    ]);
    expect(option("placement")?.choices).toEqual([{ name: "Left", value: "left" }, { name: "Right", value: "right" }]);
  });
  it("uses fal's enum values as choice values, with human names", () => {
    expect(option("style")?.choices).toEqual(STYLES.map(({ name, value }) => ({ name, value })));
    expect(option("size")?.choices?.map((c) => c.value)).toEqual(IMAGE_SIZES.map((s) => s.value));
    expect(option("size")?.choices?.find((c) => c.value === "portrait_16_9")?.name).toBe("Portrait 16:9");
    expect(option("speed")?.choices?.map((c) => c.name)).toEqual(SPEEDS.map((s) => s.name));
  });
});
