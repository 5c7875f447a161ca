import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

const root = new URL("../../", import.meta.url).pathname;

export interface BotProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
  /** Resolves when a log line contains `text`; rejects after timeoutMs or if the process exits first. */
  waitForLog(text: string, timeoutMs?: number): Promise<void>;
}

/**
 * Runs the compiled bot (`dist/src/index.js`, as `npm start` does; `npm test` builds it
 * first) as a real process, so tests can kill it like an operator or a crash would.
 */
export function runBot(script: "dist/src/index.js" | "dist/src/deploy.js" | "dist/src/sharded.js", env: NodeJS.ProcessEnv, cwd: string): BotProcess {
  const child = spawn(process.execPath, [join(root, script)], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  return {
    child,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    async waitForLog(text, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!stdout.includes(text)) {
        if (done) throw new Error(`bot exited before logging "${text}":\n${stdout}\n${stderr}`);
        if (Date.now() > deadline) throw new Error(`bot did not log "${text}" within ${timeoutMs} ms:\n${stdout.slice(-3000)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}
