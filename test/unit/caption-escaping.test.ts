import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeLine, escapeLines } from "../../src/discord/escape.js";
import { resultHeader } from "../../src/discord/job-messages.js";
import { describeSettings } from "../../src/domain/describe-settings.js";
import type { GenerationSettings } from "../../src/domain/imagine-request.js";
import type { Job } from "../../src/domain/job.js";

const ALICE = "111111111111111111";

function job(settings: Partial<GenerationSettings>, caption?: string): Job {
  return {
    id: "job-1",
    createdAt: 0,
    updatedAt: 0,
    origin: { userId: ALICE, guildId: "g", channelId: "c", applicationId: "a", interactionToken: "t", interactionAt: 0, attachmentSizeLimit: 1e7, private: false, ...(caption ? { caption } : {}) },
    settings: { prompt: "a knight", imageSize: "square_hd", speed: "BALANCED", numImages: 1, ...settings },
    falInput: null,
    state: { kind: "pending" },
    rerollOf: null,
    messageIds: [],
    delivery: null,
    pipeline: null,
    costUsd: null,
  };
}

const header = (settings: Partial<GenerationSettings>, maxLength?: number) => resultHeader(job(settings), { seed: 7, images: [] }, { index: 0, total: 1 }, maxLength);

/**
 * What Discord treats as markup in a line: every escaped character (backslash + one
 * character) is replaced by "·", so only unescaped marks are left. `dangling` is true
 * when the line ends in a lone backslash (half an escape).
 */
function active(line: string): { text: string; dangling: boolean } {
  let text = "";
  for (let i = 0; i < line.length; i++) {
    if (line[i] === "\\") {
      if (i === line.length - 1) return { text, dangling: true };
      text += "·";
      i++;
    } else text += line[i];
  }
  return { text, dangling: false };
}

/** A line that would render as a heading, subtext, quote or list if it started a message line. */
const BLOCK_START = /^\s*(#{1,3}\s|-#\s|>|[-*+]\s|\d+[.)]\s)/;
const INLINE_MARKUP = /\[|\]|<|\*\*|__|~~|\|\||`/;

/** Checks the shape every result header must have, whatever the user typed. */
function expectSafeHeader(text: string, maxLength: number) {
  expect(text.length).toBeLessThanOrEqual(maxLength);
  const lines = text.split("\n");
  expect(lines[0]).toBe(`🎬 Scene for <@${ALICE}>`);
  const settings = lines.at(-1)!;
  expect(settings.startsWith("-# ")).toBe(true);
  expect(settings.endsWith(" · job job-1")).toBe(true);
  expect(active(settings.slice(3)).text).not.toMatch(INLINE_MARKUP);
  const quote = lines.slice(1, -1);
  expect(quote.length).toBeGreaterThan(0);
  for (const line of quote) {
    expect(line.startsWith("> ")).toBe(true); // every prompt line stays inside the block quote
    const { text: inside, dangling } = active(line.slice(2));
    expect(dangling).toBe(false);
    expect(inside).not.toMatch(BLOCK_START);
    expect(inside).not.toMatch(INLINE_MARKUP);
  }
}

describe("result captions", () => {
  it("when a prompt holds a masked link, then it shows as typed text, not a link", () => {
    const text = header({ prompt: "click [free nitro](https://evil.example) and [x](y)" });
    expect(text.split("\n")[1]).toBe("> click \\[free nitro\\](https://evil.example) and \\[x\\](y)");
    expectSafeHeader(text, 2000);
  });

  it("when prompt lines start with headings, subtext, quotes or lists, then each is escaped and stays in the block quote", () => {
    const text = header({ prompt: "# HUGE\n## big\n-# small\n> quoted\n>>> all quoted\n- item\n* star\n1. first\nplain **bold** <@222222222222222222>\r\n\n\u2028after" });
    const quote = text.split("\n").slice(1, -1);
    expect(quote).toEqual([
      "> \\# HUGE",
      "> \\## big",
      "> \\-# small",
      "> \\> quoted",
      "> \\>>> all quoted",
      "> \\- item",
      "> \\* star",
      "> 1\\. first",
      "> plain \\*\\*bold\\*\\* \\<@222222222222222222>",
      "> after",
    ]);
    expectSafeHeader(text, 2000);
  });

  it("when negative_prompt, or any single-line field, holds a newline, then the settings stay on one line", () => {
    const text = header({ negativePrompt: "blur\n# I AM A HEADING\r\n> quote\u2028[link](https://evil.example)" });
    const lines = text.split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe("-# seed 7 · Balanced · Square HD · 1 image · not: blur # I AM A HEADING > quote \\[link\\](https://evil.example) · job job-1");
    expect(describeSettings({ prompt: "p", imageSize: "square_hd", speed: "BALANCED", numImages: 1, negativePrompt: "a\nb\u0085c\u202Ed" }, undefined)).not.toMatch(/[\n\u0085\u202E]/);
  });

  it("when the prompt and negative prompt are as long as allowed, then the caption fits in Discord's 2000 characters with the settings line whole", () => {
    const text = header({ prompt: "a\n".repeat(300), negativePrompt: "n".repeat(1000) });
    expect(text.length).toBeLessThanOrEqual(2000);
    expectSafeHeader(text, 2000);
  });

  it("when the caption must be cut, then no escape is cut in half, whatever the text", () => {
    const markup = fc.constantFrom("*", "_", "\\", "[", "]", "(", ")", "<", ">", "#", "-", "`", "|", "~", "1.", " ", "\n", "\r\n", "a", "é", "🐉");
    const text = fc.array(markup, { maxLength: 700 }).map((parts) => parts.join(""));
    fc.assert(
      fc.property(text, text, fc.integer({ min: 300, max: 2000 }), (prompt, negative, maxLength) => {
        const settings: Partial<GenerationSettings> = { prompt: prompt.trim() ? prompt : "x", ...(negative.trim() ? { negativePrompt: negative.trim() } : {}) };
        expectSafeHeader(header(settings, maxLength), maxLength);
      }),
      { numRuns: 300, seed: 20261201, examples: [["````", "", 300]] },
    );
  });
});

describe("escape helpers", () => {
  it("when a name holds markup or line breaks, then escapeLine gives one line showing it as typed", () => {
    expect(escapeLine("# **Big**\n[x](y) <@1>")).toBe("\\# \\*\\*Big\\*\\* \\[x\\](y) \\<@1>");
    expect(escapeLines("a\n\n  \nb")).toEqual(["a", "b"]);
  });
});
