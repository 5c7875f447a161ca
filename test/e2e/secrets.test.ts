import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discordErrors, startFakeDiscord, type FakeDiscord } from "../../fakes/discord/index.js";
import { makePng, startFakeFal, type FakeFal } from "../../fakes/fal/index.js";
import { runBot, type BotProcess } from "../support/bot-process.js";
import { waitForReply } from "../support/imagine.js";
import { assertNoSecrets, botEnv } from "../support/stack.js";

/**
 * The bot runs as a real process, so every byte it writes (stdout and stderr, logger or not)
 * is searched, not the output of the scrubber under test. The fakes fail in ways that put the
 * secrets into errors — discord.js errors carry the webhook and callback URLs, and a badly
 * behaved proxy in front of fal echoes the Authorization header — and the test checks both
 * that those errors were logged and that no secret survived.
 */
let discord: FakeDiscord;
let fal: FakeFal;
let dataDir: string;
let bot: BotProcess;

beforeAll(async () => {
  [discord, fal] = await Promise.all([startFakeDiscord(), startFakeFal()]);
  dataDir = mkdtempSync(join(tmpdir(), "storycast-secrets-"));
  bot = runBot("dist/src/index.js", { PATH: process.env.PATH, ...botEnv(discord, fal, dataDir), LOG_LEVEL: "debug" }, dataDir);
  await bot.waitForLog("commands ");
});
afterAll(async () => {
  if (bot && bot.child.exitCode === null && bot.child.signalCode === null) {
    bot.child.kill("SIGKILL");
    await bot.exited;
  }
  if (process.env.E2E_DEBUG) console.log(bot?.stdout(), bot?.stderr());
  await Promise.all([discord?.close(), fal?.close()]);
  rmSync(dataDir, { recursive: true, force: true });
});

let scene = 0;
function imagine(prompt: string) {
  scene += 1;
  const reference = discord.attachment(makePng({ width: 16, height: 16, seed: scene, targetBytes: 2000 }), "hero.png", { contentType: "image/png" });
  return discord.command("imagine", { prompt, reference }, { user: discord.users.alice });
}

/** What a proxy that echoes the request says: the Authorization header fal's client sent. */
const echoedAuthorization = () => `Authorization: Key ${fal.key}`;

/** Every line the process wrote, on either stream. */
const written = () => [...bot.stdout().split("\n"), ...bot.stderr().split("\n")].filter(Boolean);
const countLines = (test: (line: string) => boolean) => written().filter(test).length;

describe("secrets stay out of everything the bot writes", () => {
  it("when Discord answers an interaction callback with 502s, then the failure is logged with the callback route and the token redacted", async () => {
    discord.failNext({ method: "POST", path: /^\/interactions\/\d+\/[^/]+\/callback$/, status: 502, count: 4 }); // discord.js tries 4 times
    const handle = discord.command("help", {}, { user: discord.users.bob });
    await bot.waitForLog("/callback");
    const line = written().find((l) => l.includes(`/interactions/${handle.payload.id}/`))!;
    expect(line).toContain(`/interactions/${handle.payload.id}/[redacted]/callback`);
    expect(discord.requests.some((r) => r.status === 502 && r.path.includes(handle.token))).toBe(true);
  });

  it("when Discord answers the result follow-up with 502s and then the reply edit with 404, then the errors are logged with the webhook route and the token redacted", async () => {
    fal.script({ hold: true });
    const prompt = "the lighthouse keeper's secret";
    const handle = imagine(prompt);
    await fal.waitFor(() => fal.submits.some((s) => s.requestId && (s.input as { prompt?: string }).prompt === prompt), 10_000, "submit");
    const requestId = fal.submits.find((s) => (s.input as { prompt?: string }).prompt === prompt)!.requestId!;
    await bot.waitForLog(`"requestId":"${requestId}","msg":"submitted to fal"`);
    discord.failNext({ method: "POST", path: /^\/webhooks\/\d+\/[^/]+$/, status: 502, count: 4 });
    fal.release(requestId);
    const badGateways = () => discord.requests.filter((r) => r.status === 502 && r.path.includes(handle.token)).length;
    await discord.waitFor(() => badGateways() === 4, 10_000, "the follow-up failing 4 times (one discord.js HTTPError)");
    // The retry (after a backoff of at least 750 ms) finds the interaction's webhook gone (404 10015), and falls back to the channel.
    discord.failNext({ method: "PATCH", path: /\/messages\/@original$/, error: discordErrors.unknownWebhook() });
    await discord.waitFor(() => discord.messages(discord.channelId).find((m) => !m.interactionToken && m.text.includes(prompt) && m.attachments.length > 0), 15_000, "the result posted in the channel");
    await bot.waitForLog(`/webhooks/${discord.applicationId}/[redacted]`);
    expect(discord.requests.filter((r) => r.path.includes(handle.token)).map((r) => r.status)).toEqual(expect.arrayContaining([502, 404]));
  });

  it("when fal's answer quotes the API key (a proxy echoing the Authorization header), then the failure is logged and the member told, without the key", async () => {
    fal.failNext("submit", 1, { status: 500, body: { message: `upstream rejected ${echoedAuthorization()}`, detail: `request headers: { ${echoedAuthorization()} }` } });
    const failed = imagine("the harbour at dawn");
    await waitForReply(discord, failed, /fal is having trouble right now/, 15_000);
    await bot.waitForLog("upstream rejected Authorization: [redacted]");

    fal.failNext("submit", 1, { status: 422, body: { detail: [{ loc: ["body", "prompt"], msg: `proxy refused ${echoedAuthorization()}`, type: "value_error" }] } });
    const refused = imagine("the harbour at dusk");
    const reply = await waitForReply(discord, refused, /fal refused the request/, 15_000);
    expect(reply.text).toContain("proxy refused Authorization: [redacted]");
    expect(reply.text).not.toContain(fal.key);
  });

  it("when the bot is stopped, then no line it wrote on stdout or stderr holds DISCORD_TOKEN, FAL_KEY or any interaction token, and nothing went to the wrong service", async () => {
    bot.child.kill("SIGTERM");
    await bot.exited;
    const lines = written();
    const tokens = discord.interactionTokens();
    for (const secret of [discord.token, fal.key, ...tokens]) {
      const leak = lines.find((line) => line.includes(secret));
      expect(leak, `a secret in a line the bot wrote: ${leak?.slice(0, 300)}`).toBeUndefined();
    }
    // Not vacuous: the tokens were issued and used, and errors carrying them were logged.
    expect(tokens.length).toBeGreaterThanOrEqual(4);
    for (const token of tokens) expect(discord.requests.some((r) => r.path.includes(token))).toBe(true);
    expect(countLines((l) => l.includes("/callback") && l.includes("[redacted]"))).toBeGreaterThanOrEqual(1);
    expect(countLines((l) => l.includes("/webhooks/") && l.includes("[redacted]"))).toBeGreaterThanOrEqual(1);
    expect(countLines((l) => l.includes('"err":') && l.includes("Authorization: [redacted]"))).toBeGreaterThanOrEqual(1);
    // Discord and fal records: no key in a Discord message or request, no token sent to fal.
    assertNoSecrets([discord.token, fal.key], lines, discord, fal);
  });
});
