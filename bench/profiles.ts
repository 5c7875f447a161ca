// What each mode measures: the full run (`npm run bench`, a few minutes) and the smoke run
// (`npm run bench -- --smoke`, and test/bench-smoke.test.ts: tiny sizes, seconds).
import type { AckOptions } from "./scenarios/ack-latency.js";
import type { BurstOptions } from "./scenarios/burst-memory.js";
import type { SubjectKind } from "./subjects.js";
import type { DeliveryOptions } from "./scenarios/delivery.js";
import type { MemoryOptions } from "./scenarios/memory.js";
import type { RequestsOptions } from "./scenarios/requests-per-job.js";
import type { ScaleOptions } from "./scenarios/scale-ack.js";
import type { StoreWriteOptions } from "./scenarios/store-writes.js";
import type { StartupOptions } from "./scenarios/startup.js";

export interface Profile {
  mode: "full" | "smoke";
  /** Each scenario with `subjects` runs once per subject (see subjects.ts). */
  ack: AckOptions & { subjects: SubjectKind[] };
  delivery: DeliveryOptions;
  requests: RequestsOptions;
  memory: MemoryOptions & { subjects: SubjectKind[] };
  burst: BurstOptions;
  startup: StartupOptions;
  store: StoreWriteOptions;
  scale: ScaleOptions;
}

const MB = 1_000_000;

export const FULL: Profile = {
  mode: "full",
  ack: { subjects: ["in-process", "bot-process"], rates: [1, 50, 200], isolatedRounds: 10, isolatedGapMs: 300, referenceBytes: 200_000, falRunMs: 500, drainTimeoutMs: 120_000 },
  delivery: {
    cases: [
      { images: 1, bytesPerImage: 1 * MB },
      { images: 4, bytesPerImage: 1 * MB },
      { images: 8, bytesPerImage: 1 * MB },
      { images: 1, bytesPerImage: 4 * MB },
      { images: 4, bytesPerImage: 4 * MB },
      { images: 8, bytesPerImage: 4 * MB },
    ],
    samples: 10,
    floorRuns: 10,
  },
  requests: { queueMs: 30_000, runMs: 10_000 },
  memory: { subjects: ["bot-process", "in-process"], jobs: 1000, dispatchSpanMs: 5000, holdMs: 5000, referenceBytes: 20_000, submitTimeoutMs: 120_000, drainTimeoutMs: 180_000, settleMs: 2000 },
  burst: { subjects: ["bot-process", "naive-bot"], interactions: 200, dispatchSpanMs: 1000, referenceBytes: 200_000, falRunMs: 500, drainTimeoutMs: 120_000, settleMs: 2000 },
  startup: { runs: 5, timeoutMs: 20_000 },
  store: { stores: ["sqlite", "postgres"], jobs: 500, concurrency: 20, guilds: 4, warmUpJobs: 20 },
  scale: { deployments: ["sqlite-1", "postgres-3"], rates: [200, 600], seconds: 3, serversPerShard: 10, referenceBytes: 20_000 },
};

export const SMOKE: Profile = {
  mode: "smoke",
  ack: { subjects: ["in-process", "bot-process"], rates: [1, 10], isolatedRounds: 2, isolatedGapMs: 100, referenceBytes: 20_000, falRunMs: 0, drainTimeoutMs: 15_000 },
  delivery: { cases: [{ images: 1, bytesPerImage: 1 * MB }], samples: 1, floorRuns: 3 },
  requests: { queueMs: 1000, runMs: 500 },
  memory: { subjects: ["bot-process", "in-process"], jobs: 20, dispatchSpanMs: 500, holdMs: 500, referenceBytes: 20_000, submitTimeoutMs: 15_000, drainTimeoutMs: 20_000, settleMs: 300 },
  burst: { subjects: ["bot-process", "naive-bot"], interactions: 10, dispatchSpanMs: 200, referenceBytes: 20_000, falRunMs: 0, drainTimeoutMs: 20_000, settleMs: 300 },
  startup: { runs: 1, timeoutMs: 15_000 },
  store: { stores: ["sqlite", "postgres"], jobs: 10, concurrency: 4, guilds: 2, warmUpJobs: 2 },
  // Three processes only: one bot process on SQLite is what ack:bot-process and memory:bot-process already start.
  scale: { deployments: ["postgres-3"], rates: [20], seconds: 0.5, serversPerShard: 1, referenceBytes: 20_000 },
};
