// The bot under test, run one of two ways:
//   "in-process":  inside this process with both fakes (test/support/stack.ts), as the e2e
//                  tests run it; its event loop and heap are shared with the fakes;
//   "bot-process": the compiled bot (dist/src/index.js, `npm run build`) in a process of its
//                  own, production defaults, pointed at fakes running in this process; a
//                  preloaded probe (probe/bot-probe.mjs) reports its memory and event loop;
//   "naive-bot":   the yardstick, naive/naive-bot.mjs (discord.js + @fal-ai/client and
//                  nothing else), in a process of its own with the same probe.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../src/config.js";
import { startFakeDiscord, type FakeDiscord } from "../fakes/discord/index.js";
import { startFakeFal, type FakeFal } from "../fakes/fal/index.js";
import { fakeAddresses, startStack } from "../test/support/stack.js";
import { spawnProbedBot, type ProbedBot } from "./probed-bot.js";
import { capOf, collectGarbage, HealthMonitor, PRODUCTION_INTERVALS, repoRoot, type PhaseHealth } from "./support.js";

export type SubjectKind = "in-process" | "bot-process" | "naive-bot";

export interface MemoryReading {
  rssMb: number;
  heapUsedMb: number;
  externalMb: number;
  arrayBuffersMb: number;
}

/** What the scenario needs from the bot under test, wherever it runs. */
export interface Subject {
  kind: SubjectKind;
  discord: FakeDiscord;
  fal: FakeFal;
  logs: string[];
  settings: { pollIntervalMs: number; progressEditIntervalMs: number; maxConcurrentJobs?: number; logLevel: string };
  /** Node flags of the bot's own process (none in-process: it is the benchmark's). */
  nodeFlags?: string[];
  endPhase(): Promise<PhaseHealth>;
  memory(gc: boolean): Promise<MemoryReading & { gc: boolean }>;
  peakRssMb(): Promise<number>;
  /** Bot process only: writes a V8 heap snapshot of the bot to `path` (for digging into memory). */
  snapshot?(path: string): Promise<string>;
  stop(): Promise<void>;
}

const MB = 2 ** 20;
const processMemory = (): MemoryReading => {
  const m = process.memoryUsage();
  return { rssMb: m.rss / MB, heapUsedMb: m.heapUsed / MB, externalMb: m.external / MB, arrayBuffersMb: m.arrayBuffers / MB };
};

async function inProcess(extraEnv: Record<string, string>): Promise<Subject> {
  const stack = await startStack({ env: { ...PRODUCTION_INTERVALS, ...extraEnv } });
  const monitor = new HealthMonitor(100);
  return {
    kind: "in-process",
    discord: stack.discord,
    fal: stack.fal,
    logs: stack.logs,
    settings: {
      pollIntervalMs: stack.config.pollIntervalMs,
      progressEditIntervalMs: stack.config.progressEditIntervalMs,
      ...capOf(stack.config),
      logLevel: "debug (test/support/stack.ts)",
    },
    endPhase: async () => monitor.endPhase(),
    memory: async (gc) => {
      const collected = gc ? await collectGarbage() : false;
      monitor.sample();
      return { ...processMemory(), gc: collected };
    },
    peakRssMb: async () => monitor.peakRssMb,
    stop: async () => {
      monitor.stop();
      await stack.stop();
    },
  };
}

/** How to run a bot in its own process: StoryCast as `npm start` runs it, or the naive bot. */
interface ProcessBot {
  kind: "bot-process" | "naive-bot";
  entry: string;
  nodeFlags: string[];
  /** The log line that says the bot is ready for interactions. */
  ready: RegExp;
}

/** The node flags `npm start` (and the Dockerfile) run the bot with, read from package.json so the bench runs it the same way. */
export function productionNodeFlags(root = repoRoot()): string[] {
  const start = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: { start: string } }).scripts.start;
  const command = /\bnode((?:\s+--\S+)*)\s+dist\/src\/index\.js/.exec(start);
  if (!command) throw new Error(`bench: cannot find \`node … dist/src/index.js\` in package.json's start script: ${start}`);
  return command[1]!.trim().split(/\s+/).filter(Boolean);
}

async function botProcess(extraEnv: Record<string, string>, bot: ProcessBot): Promise<Subject> {
  const [discord, fal] = await Promise.all([startFakeDiscord(), startFakeFal()]);
  const dataDir = mkdtempSync(join(tmpdir(), "storycast-bench-bot-"));
  const closeFakes = async () => {
    await Promise.all([discord.close(), fal.close()]);
    rmSync(dataDir, { recursive: true, force: true });
  };
  // Production defaults except the fakes' addresses (as the stack, commands registered to the fake guild).
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, ...fakeAddresses(discord, fal, dataDir), ...extraEnv };
  const parsed = parseConfig(env);
  if (!parsed.ok) throw new Error(`bench: bad bot environment: ${parsed.problems.join("; ")}`);
  const config = parsed.config;
  let child: ProbedBot;
  try {
    child = await spawnProbedBot({ entry: bot.entry, nodeFlags: bot.nodeFlags, env, cwd: dataDir, ready: bot.ready });
  } catch (error) {
    await closeFakes();
    throw error;
  }
  return {
    kind: bot.kind,
    discord,
    fal,
    logs: child.logs,
    settings:
      bot.kind === "naive-bot"
        ? // fal.subscribe polls every 500 ms by default; the naive bot shows no progress and has no cap.
          { pollIntervalMs: 500, progressEditIntervalMs: 0, logLevel: "one line per job" }
        : {
            pollIntervalMs: config.pollIntervalMs,
            progressEditIntervalMs: config.progressEditIntervalMs,
            ...capOf(config),
            logLevel: `${config.logLevel} (default)`,
          },
    nodeFlags: bot.nodeFlags,
    endPhase: child.endPhase,
    memory: child.memory,
    peakRssMb: child.peakRssMb,
    snapshot: child.snapshot,
    stop: async () => {
      await child.stop();
      await closeFakes();
    },
  };
}

/** Starts the bot with the production intervals plus `env` (e.g. MAX_CONCURRENT_JOBS), and both fakes. */
export function startSubject(kind: SubjectKind, env: Record<string, string> = {}): Promise<Subject> {
  const root = repoRoot();
  switch (kind) {
    case "in-process":
      return inProcess(env);
    case "bot-process":
      return botProcess(env, { kind, entry: join(root, "dist/src/index.js"), nodeFlags: productionNodeFlags(root), ready: /"msg":"commands (registered|up to date)/ });
    case "naive-bot":
      return botProcess(env, { kind, entry: join(root, "bench/naive/naive-bot.mjs"), nodeFlags: [], ready: /"msg":"ready"/ });
  }
}
