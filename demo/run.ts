// Entry of `npm run demo [folder]` (see cli.ts and session.ts).
import { demoCli } from "./cli.js";
import { runDemo } from "./session.js";

const code = await demoCli(process.argv.slice(2), {
  runDemo,
  print: (line) => console.log(line),
  printError: (line) => console.error(line),
  now: () => Date.now(),
});
process.exitCode = code;
// Everything is stopped by now; if a stray handle still holds the process, say so and exit rather than hang.
setTimeout(() => {
  console.error("(a handle was still open after the demo stopped; exiting)");
  process.exit();
}, 5000).unref();
