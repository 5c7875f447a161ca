import { describe, expect, it } from "vitest";
import { demoCli, DEFAULT_OUT_DIR, type CliDeps } from "../../demo/cli.js";
import type { DemoOptions } from "../../demo/session.js";

/** The CLI with a stand-in for the demo itself (demo.test.ts plays the real one). */
function cli(runDemo: CliDeps["runDemo"]) {
  const out: string[] = [];
  const err: string[] = [];
  const deps: CliDeps = { runDemo, print: (line) => out.push(line), printError: (line) => err.push(line), now: () => 0 };
  return { run: (args: string[]) => demoCli(args, deps), out, err };
}

describe("npm run demo (the command line)", () => {
  it("when it succeeds, then it exits 0 and prints the folder and every file in it", async () => {
    const asked: DemoOptions[] = [];
    const { run, out } = cli(async (options) => {
      asked.push(options);
      options.log("  Alice saved the character Mira");
      return { outDir: "/tmp/demo-here", files: ["scene-1-1.png", "storybook.html"] };
    });
    expect(await run([])).toBe(0);
    expect(asked.map((a) => a.outDir)).toEqual([DEFAULT_OUT_DIR]);
    expect(out).toContain("  Alice saved the character Mira");
    expect(out.join("\n")).toMatch(/The files are in \/tmp\/demo-here:\n {2}scene-1-1\.png\n {2}storybook\.html\nOpen \/tmp\/demo-here\/storybook\.html/);
  });

  it("when given a folder, then the demo writes there", async () => {
    const asked: string[] = [];
    const { run } = cli(async (options) => {
      asked.push(options.outDir);
      return { outDir: options.outDir, files: [] };
    });
    expect(await run(["/tmp/elsewhere"])).toBe(0);
    expect(asked).toEqual(["/tmp/elsewhere"]);
  });

  it("when the demo fails, then it exits 1 with the reason on stderr", async () => {
    const { run, err } = cli(async () => {
      throw new Error("/story scene 1 failed; the bot answered: \"⚠️ fal refused\"");
    });
    expect(await run([])).toBe(1);
    expect(err.join("\n")).toContain("The demo failed: /story scene 1 failed; the bot answered");
  });

  it("when given an option or two folders, then it exits 2 with the usage and plays nothing", async () => {
    let played = 0;
    const { run, err } = cli(async () => {
      played += 1;
      return { outDir: "", files: [] };
    });
    expect(await run(["--help"])).toBe(2);
    expect(await run(["a", "b"])).toBe(2);
    expect(played).toBe(0);
    expect(err[0]).toMatch(/^Usage: npm run demo/);
  });
});
