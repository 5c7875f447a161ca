// The bot under test, run one of two ways:
//   "in-process":  inside this process with both fakes (test/support/stack.ts), as the e2e
//                  tests run it; its event loop and heap are shared with the fakes;
//   "bot-process": the compiled bot (dist/src/index.js, `npm run build`) in a process of its
//                  own, production defaults, pointed at fakes running in this process; a
//                  preloaded probe (probe/bot-probe.mjs) reports its memory and event loop.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseConfig } from "../src/config.js";
import { startFakeDiscord, type FakeDiscord } from "../test/fakes/discord/index.js";
import { startFakeFal, type FakeFal } from "../test/fakes/fal/index.js";
import { fakeAddresses, startStack } from "../test/support/stack.js";
import { capOf, collectGarbage, HealthMonitor, PRODUCTION_INTERVALS, repoRoot, waitUntil, type PhaseHealth } from "./support.js";

export type SubjectKind = "in-process" | "bot-process";

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

async function botProcess(extraEnv: Record<string, string>): Promise<Subject> {
  const root = repoRoot();
  const entry = join(root, "dist/src/index.js");
  if (!existsSync(entry)) throw new Error(`bench: ${entry} is missing; run \`npm run build\` first`);
  const probe = pathToFileURL(join(root, "bench/probe/bot-probe.mjs")).href;
  const [discord, fal] = await Promise.all([startFakeDiscord(), startFakeFal()]);
  const dataDir = mkdtempSync(join(tmpdir(), "storycast-bench-bot-"));
  // Production defaults except the fakes' addresses (as the stack, commands registered to the fake guild).
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, ...fakeAddresses(discord, fal, dataDir), ...extraEnv };
  const parsed = parseConfig(env);
  if (!parsed.ok) throw new Error(`bench: bad bot environment: ${parsed.problems.join("; ")}`);
  const config = parsed.config;
  const child: ChildProcess = spawn(process.execPath, ["--expose-gc", "--import", probe, entry], { cwd: dataDir, env, stdio: ["ignore", "pipe", "pipe", "ipc"] });
  const logs: string[] = [];
  let partial = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    const lines = (partial + chunk.toString("utf8")).split("\n");
    partial = lines.pop() ?? "";
    logs.push(...lines.filter(Boolean));
  });
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const ask = <T>(message: object, reply: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bench: the bot's probe did not answer ${reply}`)), 120_000);
      const onMessage = (m: unknown) => {
        const answer = m as { reply?: string };
        if (answer.reply !== reply) return;
        clearTimeout(timer);
        child.off("message", onMessage);
        resolve(m as T);
      };
      child.on("message", onMessage);
      child.send(message);
    });
  const stop = async () => {
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 12_000);
    await exited;
    clearTimeout(killer);
    await Promise.all([discord.close(), fal.close()]);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitUntil(() => logs.some((l) => /"msg":"commands (registered|up to date)/.test(l)), 20_000, "the bot to start", 20, () => stderr.slice(-500));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    kind: "bot-process",
    discord,
    fal,
    logs,
    settings: {
      pollIntervalMs: config.pollIntervalMs,
      progressEditIntervalMs: config.progressEditIntervalMs,
      ...capOf(config),
      logLevel: `${config.logLevel} (default)`,
    },
    endPhase: async () => (await ask<{ phase: PhaseHealth }>({ cmd: "phase" }, "phase")).phase,
    memory: async (gc) => {
      const answer = await ask<{ memory: MemoryReading & { overallRssPeakMb: number }; gc: boolean }>({ cmd: "memory", gc }, "memory");
      return { ...answer.memory, gc: answer.gc };
    },
    peakRssMb: async () => (await ask<{ memory: { overallRssPeakMb: number } }>({ cmd: "memory", gc: false }, "memory")).memory.overallRssPeakMb,
    snapshot: async (path) => (await ask<{ file: string }>({ cmd: "snapshot", path }, "snapshot")).file,
    stop,
  };
}


/** Starts the bot with the production intervals plus `env` (e.g. MAX_CONCURRENT_JOBS), and both fakes. */
export function startSubject(kind: SubjectKind, env: Record<string, string> = {}): Promise<Subject> {
  return kind === "in-process" ? inProcess(env) : botProcess(env);
}
