import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const SCRIPT = resolve(".ci/install-chromium");
let bin: string | undefined;
afterEach(() => {
  if (bin) rmSync(bin, { recursive: true, force: true });
  bin = undefined;
});

/**
 * Runs .ci/install-chromium with PATH holding only stand-ins written into a temporary folder:
 * `id` answers `uid`; `apt-get` and `sudo` (when given) log their arguments, and `apt-get install`
 * puts a `chromium` on PATH as the real package would. Returns the exit code, output and calls.
 */
function run(options: { uid: number; sudo?: boolean; aptGet?: boolean; chromium?: boolean; env?: Record<string, string> }) {
  const dir = mkdtempSync(join(tmpdir(), "ci-chromium-"));
  bin = dir;
  const calls = join(dir, "calls.log");
  const tool = (name: string, body: string) => {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  };
  tool("id", `echo ${options.uid}`);
  if (options.chromium) tool("chromium", "exit 0");
  if (options.sudo) tool("sudo", `echo "sudo $*" >> ${calls}\nexec "$@"`);
  if (options.aptGet ?? true) {
    // chmod by its full path: PATH holds only the stand-ins.
    tool("apt-get", `echo "apt-get $*" >> ${calls}\nif [ "$1" = install ]; then printf '#!/bin/sh\\nexit 0\\n' > ${join(dir, "chromium")}; /bin/chmod +x ${join(dir, "chromium")}; fi`);
  }
  const result = spawnSync("/bin/bash", [SCRIPT], { env: { PATH: dir, ...options.env }, encoding: "utf8" });
  return { status: result.status, output: result.stdout + result.stderr, calls: existsSync(calls) ? readFileSync(calls, "utf8").trim().split("\n") : [] };
}

describe(".ci/install-chromium (before the test command in .ci/run)", () => {
  it("when CI runs, then Chromium is ensured before the README's test command", () => {
    const lines = readFileSync(resolve(".ci/run"), "utf8").split("\n");
    expect(lines).toContain("set -euo pipefail");
    expect(lines.indexOf(".ci/install-chromium")).toBeGreaterThan(-1);
    expect(lines.indexOf(".ci/install-chromium")).toBeLessThan(lines.indexOf("npm ci"));
    expect(lines.indexOf("npm ci")).toBeLessThan(lines.indexOf("npm test"));
  });

  it("when chromium is on PATH, then nothing is installed", () => {
    const { status, calls } = run({ uid: 1000, chromium: true });
    expect(status).toBe(0);
    expect(calls).toEqual([]);
  });

  it("when CHROMIUM_PATH names a binary, then nothing is installed", () => {
    const { status, calls } = run({ uid: 0, env: { CHROMIUM_PATH: "/bin/sh" } });
    expect(status).toBe(0);
    expect(calls).toEqual([]);
  });

  it("when chromium is missing and CI runs as root, then apt-get updates and installs chromium", () => {
    const { status, calls } = run({ uid: 0 });
    expect(status).toBe(0);
    expect(calls).toEqual(["apt-get update", "apt-get install -y chromium"]);
  });

  it("when chromium is missing and CI is not root, then it installs through sudo", () => {
    const { status, calls } = run({ uid: 1000, sudo: true });
    expect(status).toBe(0);
    expect(calls).toEqual(["sudo apt-get update", "apt-get update", "sudo apt-get install -y chromium", "apt-get install -y chromium"]);
  });

  it("when chromium is missing, CI is not root and there is no sudo, then it fails saying how to install it", () => {
    const { status, output, calls } = run({ uid: 1000 });
    expect(status).toBe(1);
    expect(output).toContain("apt-get update && apt-get install -y chromium");
    expect(calls).toEqual([]);
  });

  it("when chromium is missing and there is no apt-get, then it fails saying so", () => {
    const { status, output } = run({ uid: 0, aptGet: false });
    expect(status).toBe(1);
    expect(output).toMatch(/no apt-get/);
  });
});
