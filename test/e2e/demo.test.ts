import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDemo, type DemoResult } from "../../demo/session.js";
import type { FakeDiscord } from "../../fakes/discord/index.js";
import { checkPng, sniffImage, type FakeFal } from "../../fakes/fal/index.js";
import { assertNoSecrets } from "../support/stack.js";

let outDir: string;
let result: DemoResult;
let fakes: { discord: FakeDiscord; fal: FakeFal };
const printed: string[] = [];
beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), "storycast-demo-test-"));
  result = await runDemo({ outDir: join(outDir, "out"), log: (line) => printed.push(line), withFakes: (started) => (fakes = started) });
}, 60_000);
afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
});

const read = (name: string) => readFileSync(join(result.outDir, name));

describe("npm run demo", () => {
  it("when the demo has run, then its folder holds one real PNG per scene, different from each other, and the character's reference", () => {
    expect(readdirSync(result.outDir).sort()).toEqual(["README.txt", "bot.log", "character-mira.png", "scene-1-1.png", "scene-2-1.png", "scene-3-1.png", "storybook.html"]);
    expect(result.files.sort()).toEqual(readdirSync(result.outDir).sort());
    const scenes = ["scene-1-1.png", "scene-2-1.png", "scene-3-1.png"].map(read);
    for (const png of [...scenes, read("character-mira.png")]) {
      expect(sniffImage(png)).toBe("png");
      expect(checkPng(png)).toEqual([]);
    }
    expect(new Set(scenes.map((png) => png.toString("base64"))).size).toBe(3);
  });

  it("when the demo has run, then storybook.html has the three scenes in order, by Alice, Bob and Alice, each with its image inlined", () => {
    const html = read("storybook.html").toString("utf8");
    const scenes = [...html.matchAll(/<section class="scene" data-number="(\d)">[\s\S]*?<p class="byline">by (\w+) · starring Mira<\/p>[\s\S]*?<\/section>/g)];
    expect(scenes.map((m) => [m[1], m[2]])).toEqual([["1", "Alice"], ["2", "Bob"], ["3", "Alice"]]);
    for (const scene of scenes) expect(scene[0]).toMatch(/<img src="data:image\/png;base64,[A-Za-z0-9+/=]{100,}"/);
    expect(html).toContain("<h1>The Lantern Isles</h1>");
  });

  it("when the demo has run, then README.txt says what happened and what each file is, and the console showed each step and no bot log lines", () => {
    const readme = read("README.txt").toString("utf8");
    expect(readme).toMatch(/1\. Alice saved the character Mira[\s\S]*4\. Bob added scene 2[\s\S]*6\. Alice ended the story/);
    for (const name of result.files.filter((f) => f !== "README.txt")) expect(readme).toContain(`- ${name}: `);
    expect(printed.filter((line) => line.includes("added scene"))).toHaveLength(3);
    expect(printed.some((line) => line.trimStart().startsWith("{"))).toBe(false);
    // The bot's JSON log went to its file instead.
    const logLines = read("bot.log").toString("utf8").trim().split("\n");
    expect(logLines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toContain("logged in");
  });

  it("when the demo has run, then every request the bot made was one Discord accepts, and no secret is in its log, its files or what it sent", () => {
    const { discord, fal } = fakes;
    expect(discord.validationFailures).toEqual([]);
    expect(discord.unknownRoutes).toEqual([]);
    const log = read("bot.log").toString("utf8").split("\n");
    assertNoSecrets([discord.token, fal.key], log, discord, fal);
    const written = result.files.map((name) => read(name).toString("latin1")).join("\n");
    for (const secret of [discord.token, fal.key, ...discord.interactionTokens()]) expect(written).not.toContain(secret);
  });

  it("when the demo has finished, then the fake Discord and fake fal it started no longer answer", async () => {
    await expectStopped(printed);
  });

  it("when fal refuses a scene, then the demo fails at once naming the step and quoting the bot, and still stops both fakes", async () => {
    const lines: string[] = [];
    const refused = { status: 422, body: { detail: [{ loc: ["body", "prompt"], msg: "Content policy violation", type: "content_policy_violation" }] } };
    const failing = runDemo({ outDir: join(outDir, "refused"), log: (line) => lines.push(line), withFakes: ({ fal }) => (fal.defaults = { outcome: refused }) });
    await expect(failing).rejects.toThrow(/^\/story scene 1 failed; the bot answered: "⚠️ .+"/);
    expect(readdirSync(join(outDir, "refused"))).toEqual(["bot.log"]);
    await expectStopped(lines);
  }, 60_000);
});

/** The fake Discord and fake fal whose addresses the demo printed no longer accept connections. */
async function expectStopped(lines: string[]): Promise<void> {
  const urls = lines.flatMap((line) => [...line.matchAll(/http:\/\/127\.0\.0\.1:\d+/g)].map((m) => m[0]));
  expect(urls).toHaveLength(2);
  for (const url of urls) await expect(fetch(url)).rejects.toThrow();
}
