// A bot (StoryCast's dist/src/index.js, or the naive bot) in a process of its own, with the
// probe (probe/bot-probe.mjs) preloaded: it reports the process's memory and event-loop delay
// over IPC. Used by the bot-process subject (subjects.ts) and by the multi-process scenario.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { MemoryReading } from "./subjects.js";
import { repoRoot, waitUntil, type PhaseHealth } from "./support.js";

export interface ProbedBot {
  child: ChildProcess;
  /** The bot's stdout, one entry per line. */
  logs: string[];
  stderr(): string;
  endPhase(): Promise<PhaseHealth>;
  memory(gc: boolean): Promise<MemoryReading & { gc: boolean }>;
  peakRssMb(): Promise<number>;
  snapshot(path: string): Promise<string>;
  /** SIGTERM (SIGKILL after 12 s), resolves once the process is gone. */
  stop(): Promise<void>;
}

export interface SpawnOptions {
  entry: string;
  nodeFlags: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The log line that says the bot is ready for interactions. */
  ready: RegExp;
  readyTimeoutMs?: number;
  /** Also receives every stdout line (e.g. one list for several processes). */
  onLine?: (line: string) => void;
}

/** Spawns the bot with the probe and waits for its ready line (stops it and throws if that never comes). */
export async function spawnProbedBot(options: SpawnOptions): Promise<ProbedBot> {
  if (!existsSync(options.entry)) throw new Error(`bench: ${options.entry} is missing; run \`npm run build\` and \`tsc -p bench/tsconfig.json\` first`);
  const probe = pathToFileURL(join(repoRoot(), "bench/probe/bot-probe.mjs")).href;
  const child: ChildProcess = spawn(process.execPath, [...options.nodeFlags, "--expose-gc", "--import", probe, options.entry], {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const logs: string[] = [];
  let partial = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    const lines = (partial + chunk.toString("utf8")).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (!line) continue;
      logs.push(line);
      options.onLine?.(line);
    }
  });
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  let gone = false;
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      gone = true;
      resolve();
    }),
  );
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
  };
  try {
    await waitUntil(() => gone || logs.some((l) => options.ready.test(l)), options.readyTimeoutMs ?? 20_000, "the bot to start", 20, () => stderr.slice(-500));
    if (gone) throw new Error(`bench: the bot exited before it was ready: ${stderr.slice(-500)}${logs.slice(-5).join("\n")}`);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    child,
    logs,
    stderr: () => stderr,
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
