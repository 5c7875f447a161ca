// 6. Start-up: `node dist/src/index.js` spawned → gateway READY ("logged in") → commands
//    checked ("commands registered" / "commands up to date"), against the fakes.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFakeDiscord } from "../../fakes/discord/index.js";
import { startFakeFal } from "../../fakes/fal/index.js";
import { round, roundSummary, summarize, type Summary } from "../stats.js";
import { fakeAddresses } from "../../test/support/stack.js";
import { repoRoot } from "../support.js";

export interface StartupOptions {
  runs: number;
  timeoutMs: number;
}

export interface StartupRun {
  /** Spawn → the "logged in" log line (gateway READY and the application fetched). */
  loggedInMs: number;
  /** Spawn → "commands registered" or "commands up to date". */
  readyMs: number;
  commands: "registered" | "up to date";
}

export interface StartupResult {
  runs: StartupRun[];
  loggedInMs: Summary;
  readyMs: Summary;
}

export async function benchStartup(options: StartupOptions, log: (line: string) => void = () => {}): Promise<StartupResult> {
  const entry = join(repoRoot(), "dist/src/index.js");
  if (!existsSync(entry)) throw new Error(`bench: ${entry} is missing; run \`npm run build\` first`);
  const [discord, fal] = await Promise.all([startFakeDiscord(), startFakeFal()]);
  const dataDir = mkdtempSync(join(tmpdir(), "storycast-bench-start-"));
  const runs: StartupRun[] = [];
  try {
    for (let i = 0; i < options.runs; i++) {
      log(`start-up: run ${i + 1} of ${options.runs}`);
      // Only what the bot needs, as in test/e2e/startup.test.ts; cwd is a temp dir so no .env leaks in.
      const { DISCORD_GUILD_ID: _global, ...addresses } = fakeAddresses(discord, fal, dataDir);
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, ...addresses };
      const started = performance.now();
      const child = spawn(process.execPath, [entry], { cwd: dataDir, env, stdio: ["ignore", "pipe", "pipe"] });
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      let stdout = "";
      let stderr = "";
      let loggedInMs: number | undefined;
      const run = await new Promise<StartupRun>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`bench: the bot did not report its commands within ${options.timeoutMs} ms\n${stdout}\n${stderr}`)), options.timeoutMs);
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.stdout.on("data", (chunk: Buffer) => {
          const now = performance.now();
          stdout += chunk.toString();
          if (loggedInMs === undefined && stdout.includes('"msg":"logged in"')) loggedInMs = now - started;
          const done = /"msg":"commands (registered|up to date)/.exec(stdout);
          if (done) {
            clearTimeout(timer);
            resolve({ loggedInMs: round(loggedInMs ?? now - started), readyMs: round(now - started), commands: done[1] === "registered" ? "registered" : "up to date" });
          }
        });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`bench: the bot exited (code ${code}) before reporting its commands\n${stdout}\n${stderr}`));
        });
      }).finally(() => child.kill("SIGTERM"));
      const timeout = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timeout);
      runs.push(run);
    }
  } finally {
    await Promise.all([discord.close(), fal.close()]);
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { runs, loggedInMs: roundSummary(summarize(runs.map((r) => r.loggedInMs))), readyMs: roundSummary(summarize(runs.map((r) => r.readyMs))) };
}
