import { describe, expect, it } from "vitest";
import { characterNameKey, cleanCharacterName, promptWithDescription } from "../../src/domain/character-name.js";

describe("character names", () => {
  it("are cleaned of mentions, markdown and invisible characters", () => {
    expect(cleanCharacterName("  **Captain**  <@123456789012345678> _Mira_\u200b @everyone ")).toBe("Captain Mira everyone");
  });
  it("are refused when empty after cleaning, or too long", () => {
    expect(() => cleanCharacterName("<@123456789012345678> ***")).toThrow(/empty/);
    expect(() => cleanCharacterName("x".repeat(33))).toThrow(/at most 32/);
  });
  it("compare without case", () => {
    expect(characterNameKey("MÍRA")).toBe(characterNameKey("míra"));
  });
  it("put the description in front of the prompt when there is one", () => {
    expect(promptWithDescription("at sea", "Mira", "a pirate")).toBe("Mira: a pirate. at sea");
    expect(promptWithDescription("at sea", "Mira", undefined)).toBe("at sea");
  });
});
