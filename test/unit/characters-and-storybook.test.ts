import { describe, expect, it } from "vitest";
import { characterNameKey, cleanCharacterName, promptWithDescription } from "../../src/domain/character-name.js";
import { renderStorybook } from "../../src/domain/storybook.js";

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

describe("storybook", () => {
  it("holds every scene in order with its images inlined and text escaped, and needs no network", () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
    const html = renderStorybook(
      "The <Storm>",
      [
        { number: 1, authorName: "Alice", characterName: "Mira", prompt: "she sails & sings", images: [{ contentType: "image/png", bytes: png, url: "http://x/1.png" }] },
        { number: 2, authorName: "Bob", characterName: "Mira", prompt: "a <script>", images: [{ contentType: "image/png", url: "http://x/2.png" }] },
        { number: 3, authorName: "Bob", characterName: "Mira", prompt: "lost", images: [], note: "This scene could not be made." },
      ],
      new Date(Date.UTC(2026, 10, 25)),
    );
    expect([...html.matchAll(/data-number="(\d+)"/g)].map((m) => m[1])).toEqual(["1", "2", "3"]);
    expect(html).toContain(`src="data:image/png;base64,${Buffer.from(png).toString("base64")}"`);
    expect(html).toContain("The &lt;Storm&gt;");
    expect(html).toContain("a &lt;script&gt;");
    expect(html).not.toMatch(/<script|<link|src="http/);
    expect(html).toContain('<a href="http://x/2.png">');
    expect(html).toContain("This scene could not be made.");
  });
});
