import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { startApp, type RunningApp } from "../../src/app.js";
import { parseConfig, type Config } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { startFakeDiscord, type FakeDiscord, type InteractionHandle, type StartOptions } from "../../fakes/discord/index.js";
import { startFakeFal, type FakeFal } from "../../fakes/fal/index.js";
import { botEnv } from "../../fakes/bot-env.js";

export { botEnv, fakeAddresses } from "../../fakes/bot-env.js";
import { createTestDatabase } from "./postgres.js";
import { reportOnFailure } from "./failure-report.js";
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
  /** Extra environment; a function when it names the fake Discord's ids (e.g. an allowlist of its users). */
  env?: Record<string, string> | ((discord: FakeDiscord) => Record<string, string>);
  attachmentSizeLimit?: number;
  /** Options of the fake Discord (e.g. shardCount, guilds on given shards). */
  discord?: StartOptions;
  /**
   * Where the bot keeps its state: SQLite in a temporary DATA_DIR, or a fresh database on the
   * test PostgreSQL server. Default: STORYCAST_TEST_STORE (the vitest "postgres" project runs
   * the state-heavy end-to-end files again with it set), else SQLite.
   */
  store?: "sqlite" | "postgres";
  /** Register the commands globally (no DISCORD_GUILD_ID), as production does: needed where the bot is not in the guild. */
  globalCommands?: boolean;
}

/** The store the end-to-end tests of this run use unless a test asks for one. */
export function testStore(): "sqlite" | "postgres" {
  return process.env.STORYCAST_TEST_STORE === "postgres" ? "postgres" : "sqlite";
}

/**
 * Starts the fake Discord, the fake fal and the real bot (real discord.js Client, real
 * @fal-ai/client) pointed at them through DISCORD_API_URL and FAL_PROXY_URL.
 * Intervals are shortened so jobs run in milliseconds; everything else is as in production.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const discord = await startFakeDiscord({ ...options.discord, ...(options.attachmentSizeLimit ? { attachmentSizeLimit: options.attachmentSizeLimit } : {}) });
  const fal = await startFakeFal();
  const dataDir = mkdtempSync(join(tmpdir(), "storycast-e2e-"));
  const database = (options.store ?? testStore()) === "postgres" ? await createTestDatabase() : undefined;
  const { DISCORD_GUILD_ID: guildId, ...addresses } = botEnv(discord, fal, dataDir);
  const parsed = parseConfig({
    ...addresses,
    ...(options.globalCommands ? {} : { DISCORD_GUILD_ID: guildId }),
    LOG_LEVEL: "debug",
    FAL_REQUEST_TIMEOUT_MS: "5000",
    ...(database ? { DATABASE_URL: database.url } : {}),
    ...(typeof options.env === "function" ? options.env(discord) : options.env),
  });
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
      unregister();
      // E2E_DEBUG=1 prints what the bot logged and what reached the fakes, to see why a test failed.
      if (process.env.E2E_DEBUG) {
        console.log(logs.join("\n"));
        console.log(discord.requests.map((r) => `${r.status} ${r.method} ${r.path} ${JSON.stringify(r.body)?.slice(0, 300)}`).join("\n"));
        console.log(fal.requests.map((r) => `${r.status} ${r.kind} ${r.method} ${r.target}`).join("\n"));
      }
      await stack.app.stop();
      await recordAckLatencies(handles);
      assertNoSecrets([discord.token, fal.key], logs, discord, fal);
      await Promise.all([discord.close(), fal.close(), database?.drop()]);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  const unregister = reportOnFailure(`bot and fakes (${parsed.config.databaseUrl ? "postgres" : "sqlite"})`, () => describeStack(stack));
  return stack;
}

/** The tail of what the bot logged and what reached the fakes: printed when a test fails (failure-report.ts). */
function describeStack({ logs, discord, fal }: Stack): string {
  const line = (text: string) => (text.length > 400 ? `${text.slice(0, 400)}…` : text);
  return [
    `bot log, last 30 of ${logs.length} lines:`,
    ...logs.slice(-30).map(line),
    `fake Discord, last 30 of ${discord.requests.length} requests (ms since the first, status, method, path):`,
    ...discord.requests.slice(-30).map((r) => `+${r.at - (discord.requests[0]?.at ?? r.at)} ${r.status} ${r.method} ${outsideTokenSlot(r.path)}`),
    `fake Discord gateway: ${JSON.stringify(discord.gateway)}`,
    ...(discord.warnings.length ? [`fake Discord warnings: ${line(discord.warnings.slice(-5).join(" | "))}`] : []),
    `fake fal, last 10 of ${fal.requests.length} requests:`,
    ...fal.requests.slice(-10).map((r) => `${r.status} ${r.kind} ${r.method} ${r.target}`),
  ].join("\n");
}

/** A path with the token slot of a webhook or interaction callback route replaced by `:token`. */
function outsideTokenSlot(path: string): string {
  return path.replace(/^\/(webhooks|interactions)\/(\d+)\/[^/?]+/, "/$1/$2/:token");
}

/** Keeps every interaction the tests dispatch, to measure acknowledgement latency over the run. */
function recordHandles(discord: FakeDiscord): InteractionHandle[] {
  const handles: InteractionHandle[] = [];
  for (const method of ["command", "button", "autocomplete", "select", "submitModal"] as const) {
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
 * Nothing secret in what the bot wrote during a test file. The secrets: DISCORD_TOKEN and
 * FAL_KEY (`secrets`), and every interaction token the fake Discord issued — those can post
 * as the bot for 15 minutes. Where they belong (Authorization headers; the token slot of a
 * webhook or interaction callback path) is not searched. Searched:
 * - the log lines, for interaction tokens. (The logger is configured with DISCORD_TOKEN and
 *   FAL_KEY and removes them by value, so searching its output for them proves nothing; the
 *   tokens it must catch by shape, which can fail. test/e2e/secrets.test.ts injects errors that
 *   carry every secret into a bot process and checks its raw stdout and stderr.)
 * - Discord request bodies, queries, file names and every other request path: all secrets;
 * - every message's content, embeds, components, attachment names, and thread names: all secrets;
 * - every fal request URL and submitted input: all secrets.
 * One joined text per destination and one `includes` per secret keeps it cheap for load tests.
 */
export function assertNoSecrets(secrets: string[], logs: string[], discord: FakeDiscord, fal: FakeFal): void {
  const tokens = discord.interactionTokens();
  const outputs: { where: string; text: string; secrets: string[] }[] = [
    { where: "the logs", text: logs.join("\n"), secrets: tokens },
    {
      where: "a Discord request",
      text: discord.requests.map((r) => `${JSON.stringify(r.query)} ${JSON.stringify(r.body) ?? ""} ${r.files.map((f) => f.filename).join(" ")}`).join("\n"),
      secrets: [...secrets, ...tokens],
    },
    // The configured secrets never belong in a path; a token only in the token slot of its route.
    { where: "a Discord request path", text: discord.requests.map((r) => outsideTokenSlot(r.path)).join("\n"), secrets: [...secrets, ...tokens] },
    {
      where: "a Discord message",
      text: [
        ...discord.messages().map((m) => `${m.content} ${JSON.stringify(m.embeds)} ${JSON.stringify(m.components)} ${m.attachments.map((a) => a.filename).join(" ")}`),
        ...discord.threads().map((t) => t.name),
      ].join("\n"),
      secrets: [...secrets, ...tokens],
    },
    {
      where: "a fal request",
      text: [...fal.requests.map((r) => r.target), ...fal.submits.map((s) => JSON.stringify(s.input))].join("\n"),
      secrets: [...secrets, ...tokens],
    },
  ];
  for (const { where, text, secrets: forbidden } of outputs) {
    for (const secret of forbidden) {
      const at = text.indexOf(secret);
      if (at >= 0) throw new Error(`a secret appeared in ${where}: …${text.slice(Math.max(0, at - 120), at + 80)}…`);
    }
  }
}
