// The scenarios as units of work, run one after another (`npm run bench` gives each its
// own node process, see run.ts; the smoke test runs them all in its own process).
import { loadavg } from "node:os";
import { describeMachine, type Machine } from "./machine.js";
import type { Profile } from "./profiles.js";
import { benchAckLatency, type AckResult } from "./scenarios/ack-latency.js";
import { benchBurst, type BurstResult } from "./scenarios/burst-memory.js";
import { benchDelivery, type DeliveryResult } from "./scenarios/delivery.js";
import { benchMemory, type MemoryResult } from "./scenarios/memory.js";
import { benchRequestsPerJob, type RequestsResult } from "./scenarios/requests-per-job.js";
import { benchScaleAck, type ScaleResult } from "./scenarios/scale-ack.js";
import { benchStartup, type StartupResult } from "./scenarios/startup.js";
import { benchStoreWrites, type StoreWriteResult } from "./scenarios/store-writes.js";
import { useVendoredOpenApi } from "./support.js";

export const SCENARIOS = ["startup", "memory", "burst", "ack", "delivery", "requests", "store", "scale"] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface BenchResults {
  mode: Profile["mode"];
  startedAt: string;
  finishedAt: string;
  durationS: number;
  machine: Machine;
  profile: Profile;
  /** One result per subject: the bot in-process with the fakes, and in its own process. */
  ack?: AckResult[];
  delivery?: DeliveryResult;
  requests?: RequestsResult;
  /** One result per subject: the bot in its own process, and in-process with the fakes. */
  memory?: MemoryResult[];
  /** One result per bot: StoryCast's own process and the naive bot's. */
  burst?: BurstResult[];
  startup?: StartupResult;
  /** Job-write latency, one result per store (SQLite file, PostgreSQL). */
  store?: StoreWriteResult[];
  /** Acknowledgement latency across processes: one on SQLite, three on PostgreSQL. */
  scale?: ScaleResult[];
  /** Units that broke, with their error. */
  errors: Record<string, string>;
  /** Things that make the timings less trustworthy (load on the machine, a test run going on). */
  warnings: string[];
}

/** One measurement run: a scenario, or one variant of it ("memory:bot-process"). */
export interface Unit {
  key: string;
  scenario: ScenarioName;
  run(results: BenchResults, log: (line: string) => void): Promise<void>;
}

/** What the units need from outside the profile. */
export interface BenchContext {
  /** A PostgreSQL server to make databases on (BENCH_DATABASE_URL or TEST_DATABASE_URL); absent: an embedded one is started. */
  postgresAdminUrl?: string | undefined;
}

/**
 * The units of a profile, in run order: start-up first (a child process; nothing else
 * running), the memory runs, then the latency scenarios. `only` picks scenarios or unit keys.
 */
export function unitsOf(profile: Profile, only?: readonly string[], context: BenchContext = {}): Unit[] {
  const units: Unit[] = [
    { key: "startup", scenario: "startup", run: async (r, log) => void (r.startup = await benchStartup(profile.startup, log)) },
    ...profile.memory.subjects.map(
      (subject): Unit => ({
        key: `memory:${subject}`,
        scenario: "memory",
        run: async (r, log) => void (r.memory ??= []).push(await benchMemory(subject, profile.memory, log)),
      }),
    ),
    ...profile.burst.subjects.map(
      (subject): Unit => ({
        key: `burst:${subject}`,
        scenario: "burst",
        run: async (r, log) => void (r.burst ??= []).push(await benchBurst(subject, profile.burst, log)),
      }),
    ),
    ...profile.ack.subjects.map(
      (subject): Unit => ({
        key: `ack:${subject}`,
        scenario: "ack",
        run: async (r, log) => void (r.ack ??= []).push(await benchAckLatency(subject, profile.ack, log)),
      }),
    ),
    { key: "delivery", scenario: "delivery", run: async (r, log) => void (r.delivery = await benchDelivery(profile.delivery, log)) },
    { key: "requests", scenario: "requests", run: async (r, log) => void (r.requests = await benchRequestsPerJob(profile.requests, log)) },
    ...profile.store.stores.map(
      (store): Unit => ({
        key: `store:${store}`,
        scenario: "store",
        run: async (r, log) => void (r.store ??= []).push(await benchStoreWrites(store, profile.store, context.postgresAdminUrl, log)),
      }),
    ),
    ...profile.scale.deployments.map(
      (deployment): Unit => ({
        key: `scale:${deployment}`,
        scenario: "scale",
        run: async (r, log) => void (r.scale ??= []).push(await benchScaleAck(deployment, profile.scale, context.postgresAdminUrl, log)),
      }),
    ),
  ];
  return only ? units.filter((u) => only.includes(u.key) || only.includes(u.scenario)) : units;
}

export function emptyResults(profile: Profile): BenchResults {
  return { mode: profile.mode, startedAt: new Date().toISOString(), finishedAt: "", durationS: 0, machine: describeMachine(), profile, errors: {}, warnings: [] };
}

export function finish(results: BenchResults): BenchResults {
  const finished = new Date();
  const loadAtEnd = Math.round((loadavg()[0] ?? 0) * 100) / 100;
  if (loadAtEnd > results.machine.cores) results.warnings.push(`1-minute load average ${loadAtEnd} at the end, above the ${results.machine.cores} cores: other work competed for the CPU`);
  results.finishedAt = finished.toISOString();
  results.durationS = Math.round((finished.getTime() - new Date(results.startedAt).getTime()) / 100) / 10;
  return results;
}

/** Adds what one unit measured (in another process) to the results. */
export function merge(into: BenchResults, part: Partial<BenchResults>): void {
  if (part.startup) into.startup = part.startup;
  if (part.ack) (into.ack ??= []).push(...part.ack);
  if (part.delivery) into.delivery = part.delivery;
  if (part.requests) into.requests = part.requests;
  if (part.memory) (into.memory ??= []).push(...part.memory);
  if (part.burst) (into.burst ??= []).push(...part.burst);
  if (part.store) (into.store ??= []).push(...part.store);
  if (part.scale) (into.scale ??= []).push(...part.scale);
  Object.assign(into.errors, part.errors ?? {});
}

/** Runs units in this process, one after another; a unit that throws is recorded, the others still run. */
export async function runUnits(results: BenchResults, units: readonly Unit[], log: (line: string) => void = () => {}): Promise<BenchResults> {
  useVendoredOpenApi();
  for (const unit of units) {
    const t = performance.now();
    try {
      await unit.run(results, log);
      log(`${unit.key}: done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    } catch (error) {
      results.errors[unit.key] = error instanceof Error ? (error.stack ?? error.message) : String(error);
      log(`${unit.key}: FAILED — ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return results;
}

/** Every unit of the profile in this process (what the smoke test does). */
export async function runBench(profile: Profile, options: { only?: readonly string[]; log?: (line: string) => void } & BenchContext = {}): Promise<BenchResults> {
  const results = emptyResults(profile);
  await runUnits(results, unitsOf(profile, options.only, { postgresAdminUrl: options.postgresAdminUrl }), options.log);
  return finish(results);
}
