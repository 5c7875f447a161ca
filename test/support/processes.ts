import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FakeDiscord, StartOptions } from "../../fakes/discord/index.js";
import { startFakeDiscord } from "../../fakes/discord/index.js";
import { startFakeFal, type FakeFal } from "../../fakes/fal/index.js";
import { runBot, type BotProcess } from "./bot-process.js";
import { createTestDatabase, type TestDatabase } from "./postgres.js";
import { assertNoSecrets, botEnv } from "./stack.js";

/**
 * A deployment of real bot processes (the compiled `dist/src/index.js`), all on one fresh
 * PostgreSQL database, one fake Discord and one fake fal: what an operator runs on several
 * machines. Processes cannot share a test clock, so time-based behaviour (leases) is made fast
 * through the configuration instead (JOB_LEASE_SECONDS).
 */
export interface Deployment {
  discord: FakeDiscord;
  fal: FakeFal;
  database: TestDatabase;
  /** The processes started so far, by start order (a killed one stays listed). */
  bots: BotProcess[];
  /** The environment every process gets (before a process's own additions). */
  env: NodeJS.ProcessEnv;
  /** Starts one more process; `env` adds to (or, with "", unsets) the shared environment. */
  start(env?: Record<string, string>): BotProcess;
  /** Stops every process still alive with SIGTERM, checks their output for secrets, and tears everything down. */
  close(): Promise<void>;
}

export interface DeploymentOptions {
  discord?: StartOptions;
  /** Added to every process's environment. */
  env?: Record<string, string>;
}

export async function startDeployment(options: DeploymentOptions = {}): Promise<Deployment> {
  const [discord, fal, database] = await Promise.all([startFakeDiscord(options.discord), startFakeFal(), createTestDatabase()]);
  // Each process's cwd: nothing from a developer's .env is read, and the bots write nothing there on PostgreSQL.
  const dataDir = mkdtempSync(join(tmpdir(), "storycast-procs-"));
  // Global registration (no DISCORD_GUILD_ID), as in production: once per deployment.
  const { DISCORD_GUILD_ID: _guild, ...fakes } = botEnv(discord, fal, dataDir);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, ...fakes, DATABASE_URL: database.url, LOG_LEVEL: "info", FAL_REQUEST_TIMEOUT_MS: "5000", ...options.env };
  const bots: BotProcess[] = [];
  return {
    discord,
    fal,
    database,
    bots,
    env,
    start(extra = {}) {
      const bot = runBot("dist/src/index.js", { ...env, ...extra }, dataDir);
      bots.push(bot);
      return bot;
    },
    async close() {
      for (const bot of bots) if (bot.child.exitCode === null && bot.child.signalCode === null) bot.child.kill("SIGTERM");
      await Promise.all(bots.map((bot) => bot.exited));
      if (process.env.E2E_DEBUG) for (const [i, bot] of bots.entries()) console.log(`--- process ${i}\n${bot.stdout()}\n${bot.stderr()}`);
      try {
        assertNoSecrets([discord.token, fal.key], bots.flatMap((bot) => [...bot.stdout().split("\n"), ...bot.stderr().split("\n")]), discord, fal);
      } finally {
        await Promise.all([discord.close(), fal.close()]);
        await database.drop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/** Resolves once the process has synced the commands (it logged in, resumed its jobs and serves). */
export async function waitServing(bot: BotProcess, timeoutMs = 20_000): Promise<void> {
  await waitForLine(bot, /"msg":"commands (registered|up to date)"/, timeoutMs);
}

/** Resolves when a log line of the process matches; rejects if it exits first or after timeoutMs. */
export async function waitForLine(bot: BotProcess, pattern: RegExp, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(bot.stdout())) {
    if (bot.child.exitCode !== null || bot.child.signalCode !== null) throw new Error(`process exited before logging ${pattern}:\n${bot.stdout().slice(-3000)}\n${bot.stderr()}`);
    if (Date.now() > deadline) throw new Error(`process did not log ${pattern} within ${timeoutMs} ms:\n${bot.stdout().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The log lines of a process, parsed (pino writes one JSON object a line). */
export function logLines(bot: BotProcess): Record<string, unknown>[] {
  return bot
    .stdout()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
