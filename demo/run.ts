// Entry of `npm run demo [folder]`: plays the demo session (see session.ts) and prints where its files are.
import { runDemo } from "./session.js";

const DEFAULT_OUT_DIR = "./demo-output";

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.length > 1 || args[0]?.startsWith("-")) {
    console.error("Usage: npm run demo [-- <output folder>]   (default ./demo-output)");
    process.exitCode = 2;
    return;
  }
  const started = Date.now();
  console.log("StoryCast demo: the real bot against local fakes of Discord and fal — no accounts, no network.");
  const { outDir, files } = await runDemo({ outDir: args[0] ?? DEFAULT_OUT_DIR, log: (line) => console.log(line) });
  console.log(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s. The files are in ${outDir}:`);
  for (const file of files) console.log(`  ${file}`);
  console.log(`Open ${outDir}/storybook.html in a browser to read the story.`);
}

main().then(
  () => exitSoon(),
  (error: unknown) => {
    console.error(`\nThe demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
    exitSoon();
  },
);

/** Everything is stopped by now; if a stray handle still holds the process, say so and exit anyway rather than hang. */
function exitSoon(): void {
  setTimeout(() => {
    console.error("(a handle was still open after the demo stopped; exiting)");
    process.exit();
  }, 5000).unref();
}
