import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeDiscord, type FakeDiscord } from "../../fakes/discord/index.js";
import { makePng, startFakeFal, type FakeFal } from "../../fakes/fal/index.js";
import { runBot, type BotProcess } from "../support/bot-process.js";
import { actionRows, resultMessages, waitForReply } from "../support/imagine.js";
import { createTestDatabase } from "../support/postgres.js";
import { assertNoSecrets, botEnv, testStore } from "../support/stack.js";

let discord: FakeDiscord;
let fal: FakeFal;
let dataDir: string;
let bot: BotProcess | undefined;
const allLogs: string[] = [];
/** In the vitest "postgres" project: the bot's store, and a short lease so a killed process's jobs are taken over in seconds. */
let postgres: { env: Record<string, string>; drop(): Promise<void> } | undefined;

beforeAll(async () => {
  [discord, fal] = await Promise.all([startFakeDiscord(), startFakeFal()]);
  dataDir = mkdtempSync(join(tmpdir(), "storycast-restart-"));
  if (testStore() === "postgres") {
    const database = await createTestDatabase();
    postgres = { env: { DATABASE_URL: database.url, JOB_LEASE_SECONDS: "2" }, drop: database.drop };
  }
});
afterEach(async () => {
  if (bot && bot.child.exitCode === null && bot.child.signalCode === null) {
    bot.child.kill("SIGKILL");
    await bot.exited;
  }
  if (bot) allLogs.push(...bot.stdout().split("\n"), ...bot.stderr().split("\n"));
  if (process.env.E2E_DEBUG) console.log(allLogs.join("\n"));
  bot = undefined;
});
afterAll(async () => {
  assertNoSecrets([discord.token, fal.key], allLogs, discord, fal);
  await Promise.all([discord?.close(), fal?.close(), postgres?.drop()]);
  rmSync(dataDir, { recursive: true, force: true });
});

async function startBot(env: Record<string, string> = {}): Promise<BotProcess> {
  if (bot) allLogs.push(...bot.stdout().split("\n"));
  bot = runBot(
    "dist/src/index.js",
    { PATH: process.env.PATH, ...botEnv(discord, fal, dataDir), ...postgres?.env, ...env },
    dataDir,
  );
  await bot.waitForLog("commands ");
  return bot;
}

async function kill(signal: NodeJS.Signals): Promise<number | null> {
  const running = bot!;
  running.child.kill(signal);
  return running.exited;
}

let scene = 0;
function imagine() {
  scene += 1;
  const reference = discord.attachment(makePng({ width: 16, height: 16, seed: scene, targetBytes: 2000 }), "hero.png", { contentType: "image/png" });
  const prompt = `chapter ${scene}: the hero returns`;
  const handle = discord.command("imagine", { prompt, reference }, { user: discord.users.alice });
  const submitted = async () => {
    const find = () => fal.submits.find((s) => s.requestId && (s.input as { prompt?: string }).prompt === prompt);
    await fal.waitFor(() => find() !== undefined, 10_000, `submit of ${prompt}`);
    const requestId = find()!.requestId!;
    // fal accepting is not enough: the bot must have stored the request id (a kill before that is the mid-submit case).
    await bot!.waitForLog(`"requestId":"${requestId}","msg":"submitted to fal"`);
    return requestId;
  };
  return { handle, prompt, submitted };
}

/** Submits that reached fal's queue with this prompt. */
const submitsOf = (prompt: string) => fal.submits.filter((s) => (s.input as { prompt?: string }).prompt === prompt).length;
const submitRequests = () => fal.requests.filter((r) => r.kind === "submit").length;

describe("restarts", () => {
  it("when the bot is SIGKILLed after fal accepted a job, then on restart it resumes from the request id and delivers, with no second submit", async () => {
    await startBot();
    fal.script({ hold: true });
    const { handle, prompt, submitted } = imagine();
    const requestId = await submitted();
    expect(await kill("SIGKILL")).toBe(null);
    fal.release(requestId); // fal finishes while the bot is down
    await startBot();
    await waitForReply(discord, handle, /posted in the channel/, 15_000);
    expect(resultMessages(handle)).toHaveLength(1);
    expect(submitsOf(prompt)).toBe(1);
  });

  it("when the interaction token is over 15 minutes old on restart, then the result comes as a channel message mentioning the requester", async () => {
    await startBot();
    fal.script({ hold: true });
    const { handle, prompt, submitted } = imagine();
    const requestId = await submitted();
    await kill("SIGKILL");
    discord.advanceClock(16 * 60 * 1000);
    fal.release(requestId);
    await startBot();
    const message = await discord.waitFor(
      () => discord.messages(discord.channelId).find((m) => !m.interactionToken && m.text.includes(prompt)),
      15_000,
      "channel message after restart",
    );
    expect(message.text).toContain(`<@${discord.users.alice.id}>`);
    expect(message.attachments).toHaveLength(1);
    expect(resultMessages(handle)).toHaveLength(0);
    expect(submitsOf(prompt)).toBe(1);
  });

  it("when a result was posted before a restart, then its buttons still work after it", async () => {
    await startBot();
    const { handle } = imagine();
    await waitForReply(discord, handle, /posted in the channel/, 15_000);
    const result = resultMessages(handle)[0]!;
    await kill("SIGKILL");
    await startBot();
    const ids = (actionRows(result) as { components: { label: string; custom_id: string }[] }[]).flatMap((row) => row.components);
    const reroll = discord.button(ids.find((b) => b.label === "Reroll")!.custom_id, result, { user: discord.users.bob });
    await waitForReply(discord, reroll, /posted in the channel/, 15_000);
    const del = discord.button(ids.find((b) => b.label === "Delete")!.custom_id, result, { user: discord.users.alice });
    expect((await del.callback()).type).toBe(6);
    await discord.waitFor(() => discord.messages().find((m) => m.id === result.id)?.deleted, 10_000, "old result deleted");
  });

  it("when the bot dies in the middle of a submit, then on restart the job is marked unknown and the user told, never resubmitted", async () => {
    await startBot();
    const before = submitRequests();
    fal.failNext("submit", 1, "hang");
    const { handle, prompt } = imagine();
    await fal.waitFor(() => fal.requests.some((r) => r.kind === "submit" && r.status === 0), 10_000, "hung submit");
    await kill("SIGKILL");
    await startBot();
    const reply = await waitForReply(discord, handle, /can't tell whether fal took it/, 15_000);
    expect(reply.text).toMatch(/not sent again/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(submitRequests() - before).toBe(1); // the one that hung; nothing was sent again
    expect(submitsOf(prompt)).toBe(0);
  });

  it("when SIGTERM arrives mid-job, then the bot exits cleanly within 10 s, and the next start delivers the job", async () => {
    await startBot();
    fal.script({ hold: true });
    const { handle, submitted } = imagine();
    const requestId = await submitted();
    const started = Date.now();
    expect(await kill("SIGTERM")).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    fal.release(requestId);
    await startBot();
    await waitForReply(discord, handle, /posted in the channel/, 15_000);
  });

  it("when SIGTERM arrives while a delivery hangs on Discord, then after the shutdown deadline the bot exits 1 naming the job still pending, and the next start delivers it once", async () => {
    await startBot({ SHUTDOWN_TIMEOUT_SECONDS: "2" });
    const { handle, submitted } = imagine();
    const post = discord.stallNext({ method: "POST", path: new RegExp(`/webhooks/\\d+/${handle.token}$`) });
    await submitted();
    await discord.waitFor(() => post.held === 1, 10_000, "result post hanging");
    const jobId = JSON.parse(bot!.stdout().split("\n").find((l) => l.includes('"msg":"job created"'))!).jobId as string;
    expect(await kill("SIGTERM")).toBe(1);
    const line = bot!.stdout().split("\n").find((l) => l.includes("jobs still under way"));
    expect(line).toBeDefined();
    expect(JSON.parse(line!).pending).toEqual([{ jobId, state: "completed" }]);
    post.release();
    await startBot();
    await waitForReply(discord, handle, /posted in the channel/, 15_000);
    expect(resultMessages(handle)).toHaveLength(1);
  });

  it("when the bot restarts, then saved characters and story sessions survive, and a scene started before it is delivered after it", async () => {
    await startBot();
    const reference = makePng({ width: 16, height: 16, seed: 99, targetBytes: 2000 });
    const save = discord.command("character save", { name: "Wren", reference: discord.attachment(reference, "wren.png", { contentType: "image/png" }) } as never, { user: discord.users.alice });
    await waitForReply(discord, save, /Saved \*\*Wren\*\*/, 15_000);
    const start = discord.command("story start", { title: "After the Fall", character: "Wren" } as never, { user: discord.users.alice });
    await waitForReply(discord, start, /begins in/, 15_000);
    const threadId = discord.threads(discord.channelId).at(-1)!.id;
    fal.script({ hold: true });
    const scene = discord.command("story scene", { prompt: "Wren climbs out of the crater" } as never, { user: discord.users.bob, channelId: threadId });
    const find = () => fal.submits.find((s) => s.requestId && (s.input as { prompt?: string }).prompt === "Wren climbs out of the crater");
    await fal.waitFor(() => find() !== undefined, 10_000, "scene submit");
    const requestId = find()!.requestId!;
    await bot!.waitForLog(`"requestId":"${requestId}","msg":"submitted to fal"`);
    await kill("SIGKILL");
    fal.release(requestId);
    await startBot();
    await waitForReply(discord, scene, /posted in the channel/, 15_000);
    expect(scene.followups().find((m) => m.attachments.length > 0)?.channelId).toBe(threadId);

    const again = discord.command("story scene", { prompt: "Wren finds the others" } as never, { user: discord.users.alice, channelId: threadId });
    await waitForReply(discord, again, /posted in the channel/, 15_000);
    expect(again.followups().find((m) => m.attachments.length > 0)?.text).toContain("scene 2, by");
    const wrenUrl = fal.uploads.find((u) => u.bytes.equals(reference))!.fileUrl;
    expect((fal.submits.at(-1)!.input as { reference_image_urls: string[] }).reference_image_urls[0]).toBe(wrenUrl);
  });
});
