/**
 * `npm run demo` exactly as a newcomer runs it: the script compiles the demo (tsconfig.demo.json)
 * and runs the built entry, which must find everything it needs at run time from dist/demo-build
 * (the fakes' OpenAPI file among them). demo.test.ts checks what the session writes; this checks
 * that the command itself works and exits 0.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "storycast-demo-built-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function npmRunDemo(outDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // No Discord or fal secrets in its environment: the demo needs none.
    const { DISCORD_TOKEN: _token, FAL_KEY: _key, ...env } = process.env;
    const child = spawn("npm", ["run", "--silent", "demo", "--", outDir], { cwd: process.cwd(), env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("npm run demo, built and run as a command", () => {
  it("when run with a folder, then it exits 0, prints the folder, and the folder holds the scenes and the storybook", async () => {
    const out = join(dir, "out");
    const run = await npmRunDemo(out);
    // (stderr is not required to be empty: npm may print notices there.)
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`The files are in ${out}:`);
    expect(existsSync(join(out, "storybook.html"))).toBe(true);
    expect(readdirSync(out).filter((name) => /^scene-\d-1\.png$/.test(name))).toHaveLength(3);
  }, 120_000);
});
