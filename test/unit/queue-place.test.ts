import { describe, expect, it } from "vitest";
import pino from "pino";
import type { AppContext } from "../../src/app-context.js";
import { enforcePolicy } from "../../src/discord/policy-gate.js";
import type { FalService } from "../../src/fal/fal-service.js";
import type { JobReporter } from "../../src/jobs/job-reporter.js";
import { createJobRunner } from "../../src/jobs/job-runner.js";
import { createJobSlots } from "../../src/jobs/job-slots.js";
import type { JobStore } from "../../src/store/job-store.js";

// Writing the job row now awaits the store, so requests that passed the queue cap are not yet
// counted by the runner; each holds its place from the gate until it is handed to the runner.

function gateContext(maxQueuedJobs: number) {
  const unused = new Proxy({}, { get: () => () => Promise.reject(new Error("not used by the gate")) });
  const runner = createJobRunner({
    store: unused as JobStore,
    fal: unused as FalService,
    reporter: unused as JobReporter,
    slots: createJobSlots(1),
    logger: pino({ level: "silent" }),
    pollIntervalMs: 10,
    jobTimeoutMs: 60_000,
  });
  const config = { maxQueuedJobs, maxConcurrentJobs: 1, userInstall: "off", userInstallAllowlist: new Set(), userDailyImages: 20, globalDailyCapUsd: undefined, prices: {} };
  const ctx = { runner, config, now: () => 0 } as unknown as AppContext;
  return { ctx, runner };
}

const inDms = { guildId: null, user: { id: "u1" } } as never;
const generation = { speed: "TURBO" as const, numImages: 1, costUsd: 0.1 };

describe("queue places held between the gate and the runner", () => {
  it("when requests pass the gate while earlier ones are still being written, then the cap counts those too", () => {
    const { ctx, runner } = gateContext(2);
    const first = enforcePolicy(inDms, ctx, {}, generation);
    const second = enforcePolicy(inDms, ctx, {}, generation);
    expect(runner.waiting).toBe(2);
    expect(() => enforcePolicy(inDms, ctx, {}, generation)).toThrow(/StoryCast is busy/);
    first.release();
    expect(runner.waiting).toBe(1);
    const third = enforcePolicy(inDms, ctx, {}, generation);
    second.release();
    third.release();
    expect(runner.waiting).toBe(0);
  });

  it("when a place is given back twice (a finally after an early release), then it is counted back once", () => {
    const { ctx, runner } = gateContext(1);
    const first = enforcePolicy(inDms, ctx, {}, generation);
    const second = runner.holdQueuePlace();
    first.release();
    first.release();
    expect(runner.waiting).toBe(1);
    second();
    expect(runner.waiting).toBe(0);
  });
});
