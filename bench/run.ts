// `npm run bench` entry: runs each measurement in a fresh node process (so no run inherits
// another's heap, garbage or lingering sockets), prints the table, writes bench/results/*.json.
//   npm run bench                        full run (about 8 minutes)
//   npm run bench -- --smoke             tiny sizes, seconds (or BENCH_SMOKE=1)
//   npm run bench -- --only=ack,startup  some scenarios: startup, memory, burst, ack, delivery, requests, store, scale
//                                        (or one variant: memory:bot-process, store:postgres, scale:postgres-3, …)
// PostgreSQL (store, scale): a fresh database on BENCH_DATABASE_URL (or TEST_DATABASE_URL), a server
// URL with the right to create databases; without either, an embedded PostgreSQL per measurement.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { emptyResults, finish, merge, runUnits, SCENARIOS, unitsOf, type BenchResults } from "./bench.js";
import { FULL, SMOKE } from "./profiles.js";
import { checkTargets, formatTable } from "./report.js";
import { otherBusyProcesses } from "./machine.js";
import { repoRoot } from "./support.js";

const args = process.argv.slice(2);
const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const smoke = args.includes("--smoke") || ["1", "true"].includes(process.env.BENCH_SMOKE ?? "");
const profile = smoke ? SMOKE : FULL;
const log = (line: string) => console.error(`[bench] ${line}`);
const context = { postgresAdminUrl: process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || undefined };

// A job left running when a scenario stops its stack must not end the whole run.
let unhandled = 0;
process.on("unhandledRejection", (reason) => {
  unhandled++;
  log(`unhandled rejection: ${reason instanceof Error ? reason.message : String(reason)}`);
});

const unitKey = flag("unit");
if (unitKey) {
  // Child mode: one unit, its results to --out.
  const results = emptyResults(profile);
  await runUnits(results, unitsOf(profile, [unitKey], context), log);
  writeFileSync(flag("out")!, JSON.stringify({ ...results, unhandledRejections: unhandled }));
} else {
  const only = flag("only")?.split(",").map((s) => s.trim());
  const units = unitsOf(profile, only, context);
  const known = new Set<string>([...SCENARIOS, ...unitsOf(profile).map((u) => u.key)]);
  const unknown = only?.filter((name) => !known.has(name)) ?? [];
  if (unknown.length || units.length === 0) {
    console.error(`unknown scenario(s): ${unknown.join(", ")}; known: ${[...known].join(", ")}`);
    process.exit(2);
  }
  const results = emptyResults(profile);
  const busy = otherBusyProcesses();
  if (busy.length) {
    results.warnings.push(`other processes were running that skew timings: ${busy.join("; ")}`);
    log(`warning: a test run or compile is going on (${busy.length} process${busy.length === 1 ? "" : "es"}); timings will be skewed`);
  }
  const scratch = mkdtempSync(join(tmpdir(), "storycast-bench-"));
  try {
    for (const unit of units) {
      const out = join(scratch, `${unit.key.replace(/\W/g, "_")}.json`);
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...(smoke ? ["--smoke"] : []), `--unit=${unit.key}`, `--out=${out}`], {
          stdio: ["ignore", "inherit", "inherit"],
        });
        child.on("exit", resolve);
      });
      let part: Partial<BenchResults> & { unhandledRejections?: number };
      try {
        part = JSON.parse(readFileSync(out, "utf8")) as typeof part;
      } catch {
        part = { errors: { [unit.key]: `the benchmark process for ${unit.key} exited with code ${code} and no results` } };
      }
      merge(results, part);
      unhandled += part.unhandledRejections ?? 0;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  finish(results);

  const targets = checkTargets(results);
  const dir = join(repoRoot(), "bench/results");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `bench-${results.startedAt.replace(/[:.]/g, "-")}${smoke ? "-smoke" : ""}.json`);
  writeFileSync(file, JSON.stringify({ ...results, targets, unhandledRejections: unhandled }, null, 2) + "\n");

  console.log("\n" + formatTable(results) + "\n");
  const missed = targets.filter((t) => !t.pass);
  console.log(`targets: ${targets.length - missed.length} PASS, ${missed.length} MISS${missed.length ? ` (${missed.map((t) => t.id).join(", ")})` : ""}`);
  for (const warning of results.warnings) console.log(`warning: ${warning}`);
  console.log(`results: ${file}`);
  if (smoke) console.log("(smoke mode: tiny sizes; the figures are not comparable with the targets)");
  const errors = Object.keys(results.errors);
  if (errors.length) {
    console.error(`errors in: ${errors.join(", ")} (details in the JSON file)`);
    process.exitCode = 1;
  }
}
