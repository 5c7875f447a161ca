// 9. Job-write latency per store: the writes one job makes, through the real store
//    (openStores), on a SQLite file and on PostgreSQL: create with the admission check the bot
//    runs when a server has budgets (member images today, spend this month: both read in the
//    job's transaction), the four transitions of a job that is delivered, and setDelivery.
//    Once one job at a time, then with `concurrency` jobs in flight.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { admissionCheck } from "../../src/domain/admission-check.js";
import type { Prices } from "../../src/domain/pricing.js";
import { openStores, type Stores } from "../../src/store/sql/open-stores.js";
import { benchDatabase } from "../postgres-server.js";
import { round, roundSummary, summarize, type Summary } from "../stats.js";

export type StoreKind = "sqlite" | "postgres";

export interface StoreWriteOptions {
  stores: StoreKind[];
  /** Jobs written one at a time, then again with `concurrency` in flight. */
  jobs: number;
  concurrency: number;
  /** Servers the jobs are spread over (PostgreSQL serialises admission per server). */
  guilds: number;
  /** Jobs written first and not counted (JIT, connections, statement planning). */
  warmUpJobs: number;
}

export interface StoreWriteRun {
  inFlight: number;
  jobs: number;
  durationMs: number;
  jobsPerSecond: number;
  /** Each write's latency, call → promise resolved. */
  latencyMs: { create: Summary; transition: Summary; setDelivery: Summary };
}

export interface StoreWriteResult {
  store: StoreKind;
  settings: { durability: string; server?: "embedded" | "given"; guilds: number; writesPerJob: number };
  sequential: StoreWriteRun;
  concurrent: StoreWriteRun;
}

const PRICES: Prices = { character: { TURBO: 0.03, BALANCED: 0.06, QUALITY: 0.09 }, edit: { TURBO: 0.03, BALANCED: 0.06, QUALITY: 0.09 }, remix: { TURBO: 0.03, BALANCED: 0.06, QUALITY: 0.09 }, upscale: 0.06 };
/** Both budgets set (and never reached), so the admission check reads both usages, as in a server that uses them. */
const BUDGETS = { dailyImageLimit: 1_000_000, monthlySpendCapUsd: 1_000_000 };
const USERS = ["100000000000000001", "100000000000000002", "100000000000000003"];
const result = { seed: 1, images: [{ url: "https://fal.media/files/bench/0.png" }] };

export async function benchStoreWrites(kind: StoreKind, options: StoreWriteOptions, postgresAdminUrl: string | undefined, log: (line: string) => void = () => {}): Promise<StoreWriteResult> {
  const dataDir = mkdtempSync(join(tmpdir(), "storycast-bench-store-"));
  const database = kind === "postgres" ? await benchDatabase(postgresAdminUrl) : undefined;
  let stores: Stores | undefined;
  try {
    stores = await openStores({ dataDir, databaseUrl: database?.url, now: Date.now });
    const writer = jobWriter(stores, options.guilds);
    for (let i = 0; i < options.warmUpJobs; i++) await writer.job();
    writer.reset();
    log(`store writes (${kind}): ${options.jobs} jobs one at a time`);
    const sequential = await run(writer, options.jobs, 1);
    log(`store writes (${kind}): ${options.jobs} jobs, ${options.concurrency} in flight`);
    const concurrent = await run(writer, options.jobs, options.concurrency);
    return {
      store: kind,
      settings: {
        durability:
          kind === "sqlite"
            ? "WAL, synchronous=NORMAL (src/store/sql/open-sql-database.ts)"
            : `PostgreSQL defaults (fsync on, synchronous_commit on), pool of 10${database ? `, ${database.server} server` : ""}`,
        ...(database ? { server: database.server } : {}),
        guilds: options.guilds,
        writesPerJob: 6,
      },
      sequential,
      concurrent,
    };
  } finally {
    await stores?.close();
    await database?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Writes whole jobs, noting each write's latency. */
function jobWriter(stores: Stores, guilds: number) {
  let samples = { create: [] as number[], transition: [] as number[], setDelivery: [] as number[] };
  let next = 0;
  const timed = async <T>(into: number[], write: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    const value = await write();
    into.push(performance.now() - start);
    return value;
  };
  return {
    samples: () => samples,
    reset: () => void (samples = { create: [], transition: [], setDelivery: [] }),
    async job(): Promise<void> {
      const n = next++;
      const id = `bench-${n}`;
      const guildId = String(200000000000000000n + BigInt(n % guilds));
      const userId = USERS[n % USERS.length]!;
      const settings = { prompt: `bench ${n}`, imageSize: "square_hd", speed: "BALANCED", numImages: 1 } as const;
      const admit = admissionCheck(BUDGETS, { serverId: guildId, userId, generation: { numImages: 1, costUsd: PRICES.character.BALANCED } }, { userDailyImages: 20, globalDailyCapUsd: undefined }, PRICES, new Date());
      const origin = { userId, guildId, channelId: "300000000000000000", applicationId: "400000000000000000", interactionToken: `tok-${n}`, interactionAt: Date.now(), attachmentSizeLimit: 10_000_000, private: false };
      const { jobs } = stores;
      await timed(samples.create, () => jobs.create({ id, origin, settings }, admit));
      await timed(samples.transition, () => jobs.transition(id, { kind: "submitting" }));
      await timed(samples.transition, () => jobs.transition(id, { kind: "queued", requestId: `req-${n}`, acceptedAt: Date.now() }));
      await timed(samples.transition, () => jobs.transition(id, { kind: "completed", requestId: `req-${n}`, result }));
      await timed(samples.transition, () => jobs.transition(id, { kind: "delivered", requestId: `req-${n}`, result }));
      await timed(samples.setDelivery, () => jobs.setDelivery(id, { parts: [{ images: [0], messageId: `500000000000${n}`, channelId: origin.channelId }], links: [] }));
    },
  };
}

async function run(writer: ReturnType<typeof jobWriter>, jobs: number, inFlight: number): Promise<StoreWriteRun> {
  writer.reset();
  let started = 0;
  const start = performance.now();
  const worker = async () => {
    while (started < jobs) {
      started++;
      await writer.job();
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, jobs) }, worker));
  const durationMs = performance.now() - start;
  const s = writer.samples();
  return {
    inFlight,
    jobs,
    durationMs: round(durationMs, 0),
    jobsPerSecond: round((jobs / durationMs) * 1000, 0),
    latencyMs: { create: roundSummary(summarize(s.create), 2), transition: roundSummary(summarize(s.transition), 2), setDelivery: roundSummary(summarize(s.setDelivery), 2) },
  };
}
