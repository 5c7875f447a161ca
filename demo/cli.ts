// What `npm run demo [folder]` does, apart from the process itself (run.ts): parse the one
// optional argument, play the demo, print where its files are. Returns the exit code.
import type { DemoOptions, DemoResult } from "./session.js";

export const DEFAULT_OUT_DIR = "./demo-output";

export interface CliDeps {
  runDemo: (options: DemoOptions) => Promise<DemoResult>;
  print: (line: string) => void;
  printError: (line: string) => void;
  /** Milliseconds since some fixed point, for the "done in" line. */
  now: () => number;
}

/** Runs the demo for `args` (process.argv after the script); 0 on success, 1 on a failure, 2 on bad usage. */
export async function demoCli(args: readonly string[], deps: CliDeps): Promise<number> {
  if (args.length > 1 || args[0]?.startsWith("-")) {
    deps.printError(`Usage: npm run demo [-- <output folder>]   (default ${DEFAULT_OUT_DIR})`);
    return 2;
  }
  const started = deps.now();
  deps.print("StoryCast demo: the real bot against local fakes of Discord and fal — no accounts, no network.");
  try {
    const { outDir, files } = await deps.runDemo({ outDir: args[0] ?? DEFAULT_OUT_DIR, log: deps.print });
    deps.print(`\nDone in ${((deps.now() - started) / 1000).toFixed(1)} s. The files are in ${outDir}:`);
    for (const file of files) deps.print(`  ${file}`);
    deps.print(`Open ${outDir}/storybook.html in a browser to read the story.`);
    return 0;
  } catch (error) {
    deps.printError(`\nThe demo failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
