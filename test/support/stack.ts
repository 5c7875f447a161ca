import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { startApp, type RunningApp } from "../../src/app.js";
import { parseConfig, type Config } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { startFakeDiscord, type FakeDiscord, type InteractionHandle } from "../fakes/discord/index.js";
import { startFakeFal, type FakeFal } from "../fakes/fal/index.js";
import { createTestClock, type TestClock } from "./test-clock.js";

export interface Stack {
  discord: FakeDiscord;
  fal: FakeFal;
  app: RunningApp;
  config: Config;
  /** The bot's clock: move it with clock.advance(ms) instead of sleeping. */
  clock: TestClock;
  /** Moves time for the bot and the fake Discord together (token lifetimes are judged by both). */
  advance(ms: number): void;
  /**
   * Stops the bot (as a deploy or crash recovery would: jobs stay in the store), runs
   * `whileDown` (e.g. move time: an outage), then starts a new bot on the same data directory.
   */
  restart(whileDown?: () => void | Promise<void>): Promise<RunningApp>;
  /** Every log line the bot wrote, as JSON text. */
  logs: string[];
  stop(): Promise<void>;
}

export interface StackOptions {
  env?: Record<string, string>;
  attachmentSizeLimit?: number;
}

/** The secrets and addresses that point the bot at the fakes (commands registered to the fake guild). */
export function fakeAddresses(discord: FakeDiscord, fal: FakeFal, dataDir: string): Record<string, string> {
  return {
    DISCORD_TOKEN: discord.token,
    FAL_KEY: fal.key,
    DISCORD_API_URL: discord.apiUrl,
    FAL_PROXY_URL: fal.url,
    DISCORD_GUILD_ID: discord.guildId,
    DATA_DIR: dataDir,
  };
}

/**
 * The environment for tests: the fakes' addresses, and short intervals so jobs run in
 * milliseconds. Only what the bot needs: no developer .env leaks in.
 */
export function botEnv(discord: FakeDiscord, fal: FakeFal, dataDir: string): Record<string, string> {
  return { ...fakeAddresses(discord, fal, dataDir), FAL_POLL_INTERVAL_MS: "40", PROGRESS_EDIT_INTERVAL_MS: "150" };
}

/**
 * Starts the fake Discord, the fake fal and the real bot (real discord.js Client, real
 * @fal-ai/client) pointed at them through DISCORD_API_URL and FAL_PROXY_URL.
 * Intervals are shortened so jobs run in milliseconds; everything else is as in production.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const discord = await startFakeDiscord(options.attachmentSizeLimit ? { attachmentSizeLimit: options.attachmentSizeLimit } : {});
  const fal = await startFakeFal();
  const dataDir = mkdtempSync(join(tmpdir(), "storycast-e2e-"));
  const parsed = parseConfig({ ...botEnv(discord, fal, dataDir), LOG_LEVEL: "debug", FAL_REQUEST_TIMEOUT_MS: "5000", ...options.env });
  if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  const logger = createLogger("debug", [discord.token, fal.key], sink);
  const clock = createTestClock();
  const handles = recordHandles(discord);
  const stack: Stack = {
    discord,
    fal,
    app: await startApp(parsed.config, logger, { clock }),
    config: parsed.config,
    clock,
    advance(ms) {
      clock.advance(ms);
      discord.advanceClock(ms);
    },
    async restart(whileDown) {
      await stack.app.stop();
      await whileDown?.();
      stack.app = await startApp(parsed.config, logger, { clock });
      return stack.app;
    },
    logs,
    async stop() {
      // E2E_DEBUG=1 prints what the bot logged and what reached the fakes, to see why a test failed.
      if (process.env.E2E_DEBUG) {
        console.log(logs.join("\n"));
        console.log(discord.requests.map((r) => `${r.status} ${r.method} ${r.path} ${JSON.stringify(r.body)?.slice(0, 300)}`).join("\n"));
        console.log(fal.requests.map((r) => `${r.status} ${r.kind} ${r.method} ${r.target}`).join("\n"));
      }
      await stack.app.stop();
      await recordAckLatencies(handles);
      assertNoSecrets([discord.token, fal.key], logs, discord, fal);
      await Promise.all([discord.close(), fal.close()]);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return stack;
}

/** Keeps every interaction the tests dispatch, to measure acknowledgement latency over the run. */
function recordHandles(discord: FakeDiscord): InteractionHandle[] {
  const handles: InteractionHandle[] = [];
  for (const method of ["command", "button", "autocomplete"] as const) {
    const dispatch = discord[method].bind(discord) as (...args: unknown[]) => InteractionHandle;
    (discord as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      const handle = dispatch(...args);
      handles.push(handle);
      return handle;
    };
  }
  return handles;
}

/**
 * Appends each interaction's dispatch → callback latency to ACK_LATENCY_FILE (when set),
 * so `npm run ack-latency` can report p50/max over a whole test run.
 */
async function recordAckLatencies(handles: InteractionHandle[]): Promise<void> {
  const file = process.env.ACK_LATENCY_FILE;
  if (!file) return;
  const latencies = await Promise.all(handles.map((h) => h.callback(1).then((c) => c.at - h.dispatchedAt, () => undefined)));
  const lines = latencies.filter((ms) => ms !== undefined).map((ms) => JSON.stringify({ ms }));
  if (lines.length > 0) appendFileSync(file, lines.join("\n") + "\n");
}

/**
 * Everything the bot wrote during a test file — its logs, every request body it sent to
 * Discord and to fal, every message — must be free of DISCORD_TOKEN and FAL_KEY. (The
 * Authorization headers are where the secrets belong, and are not part of these records.)
 */
export function assertNoSecrets(secrets: string[], logs: string[], discord: FakeDiscord, fal: FakeFal): void {
  const written = [
    ...logs,
    ...discord.requests.map((r) => `${r.path} ${r.query ?? ""} ${JSON.stringify(r.body) ?? ""} ${r.files.map((f) => f.filename).join(" ")}`),
    ...discord.messages().map((m) => `${m.content} ${JSON.stringify(m.components)}`),
    ...fal.requests.map((r) => r.target),
    ...fal.submits.map((s) => JSON.stringify(s.input)),
  ];
  for (const secret of secrets) {
    const leak = written.find((text) => text.includes(secret));
    if (leak) throw new Error(`a secret appeared in what the bot wrote: ${leak.slice(0, 200)}`);
  }
}
