import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeDiscord, type FakeDiscord } from "../../fakes/discord/index.js";
import { makePng, startFakeFal, type FakeFal } from "../../fakes/fal/index.js";
import { runBot, type BotProcess } from "../support/bot-process.js";
import { falResultImages } from "../support/fal-result.js";
import { replyText, waitForReply } from "../support/imagine.js";
import { assertNoSecrets, botEnv } from "../support/stack.js";

let discord: FakeDiscord;
let fal: FakeFal;
let dataDir: string;
const bots: BotProcess[] = [];

beforeAll(async () => {
  [discord, fal] = await Promise.all([startFakeDiscord(), startFakeFal()]);
  dataDir = mkdtempSync(join(tmpdir(), "storycast-story-restart-"));
});
afterAll(async () => {
  for (const bot of bots) if (bot.child.exitCode === null && bot.child.signalCode === null) bot.child.kill("SIGKILL");
  await Promise.all(bots.map((bot) => bot.exited));
  const logs = bots.flatMap((bot) => [...bot.stdout().split("\n"), ...bot.stderr().split("\n")]);
  if (process.env.E2E_DEBUG) console.log(logs.join("\n"));
  assertNoSecrets([discord.token, fal.key], logs, discord, fal);
  await Promise.all([discord?.close(), fal?.close()]);
  rmSync(dataDir, { recursive: true, force: true });
});

async function startBot(): Promise<BotProcess> {
  const bot = runBot("dist/src/index.js", { PATH: process.env.PATH, ...botEnv(discord, fal, dataDir) }, dataDir);
  bots.push(bot);
  await bot.waitForLog("commands ");
  return bot;
}

describe("storybook across a restart", () => {
  it("when the bot is killed while the storybook is being built, then the next start builds and posts it", async () => {
    const first = await startBot();
    const reference = discord.attachment(makePng({ width: 20, height: 20, seed: 3, targetBytes: 2000 }), "mira.png", { contentType: "image/png" });
    expect(await replyText(discord, discord.command("character save", { name: "Mira", reference } as never, { user: discord.users.alice }))).toMatch(/Saved/);
    await replyText(discord, discord.command("story start", { title: "The Long Night", character: "Mira" } as never, { user: discord.users.alice }));
    const threadId = discord.threads(discord.channelId).find((t) => t.name === "The Long Night")!.id;
    const scene = discord.command("story scene", { prompt: "the candles gutter" } as never, { user: discord.users.bob, channelId: threadId });
    await waitForReply(discord, scene, /posted in the channel/, 15_000);
    const requestId = fal.submits.find((s) => (s.input as { prompt: string }).prompt === "the candles gutter")!.requestId!;
    const [url] = await falResultImages(fal, requestId);
    const path = new URL(url!).pathname;
    const downloads = () => fal.requests.filter((r) => r.kind === "cdn" && r.target.includes(path)).length;

    const before = downloads();
    fal.failNext("cdn", 1, "hang", { target: new RegExp(path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) });
    const end = discord.command("story end", {}, { user: discord.users.alice, channelId: threadId });
    await fal.waitFor(() => downloads() > before, 10_000, "storybook download begun");
    first.child.kill("SIGKILL");
    await first.exited;

    await startBot();
    const reply = await waitForReply(discord, end, /the end/, 15_000);
    const html = reply.attachments.find((a) => a.filename.endsWith(".html"))!.bytes.toString("utf8");
    const served = Buffer.from(await (await fetch(url!)).arrayBuffer());
    const inlined = /src="data:image\/png;base64,([^"]+)"/.exec(html)![1]!;
    expect(Buffer.from(inlined, "base64").equals(served)).toBe(true);
    expect(discord.messages(threadId).filter((m) => m.attachments.some((a) => a.filename.endsWith(".html")))).toHaveLength(1);
  });
});
