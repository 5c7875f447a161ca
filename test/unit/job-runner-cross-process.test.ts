import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { FalService } from "../../src/fal/fal-service.js";
import type { JobReporter } from "../../src/jobs/job-reporter.js";
import { createJobRunner } from "../../src/jobs/job-runner.js";
import { createSharedJobSlots } from "../../src/jobs/shared-job-slots.js";
import type { JobStore } from "../../src/store/job-store.js";
import { createTestClock } from "../support/test-clock.js";
import { openSqliteJobStore } from "../support/sqlite-job-store.js";

// Two "processes" (two stores, two runners, one database): a member's Cancel reaches the
// process that did not accept the job (its server's shard moved, or the job was taken over).

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

function processOn(store: JobStore, fal: FalService, failures: string[]) {
  const reporter: JobReporter = {
    progress: async () => undefined,
    fail: async (_job, message) => void failures.push(message),
    finishDelivery: async () => undefined,
    findPostedPart: async () => undefined,
    postPart: async () => ({ messageId: "m", channelId: "c" }),
  };
  const clock = createTestClock();
  return createJobRunner({ store, fal, reporter, slots: createSharedJobSlots({ line: store, cap: 5, clock, pollMs: 5 }), logger: pino({ level: "silent" }), pollIntervalMs: 5, jobTimeoutMs: 60_000, clock });
}

describe("cancel from another process", () => {
  it("when Cancel reaches a process that does not hold the job, then it takes the job over, cancels it at fal once, and the first process's writes are refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "storycast-cross-"));
    dirs.push(dir);
    const [storeA, storeB] = [await openSqliteJobStore(dir), await openSqliteJobStore(dir)];
    const calls = { submits: 0, cancels: 0 };
    let finish: () => void = () => undefined;
    const fal: FalService = {
      upload: async () => "https://fal/ref.png",
      resolves: async () => "live",
      submit: async () => {
        calls.submits += 1;
        return "req-1";
      },
      // fal keeps the job running until the test says otherwise.
      status: async () => ({ kind: "running" as const }),
      watch: () => new Promise<boolean>((resolve) => (finish = () => resolve(true))),
      result: async () => ({ seed: 1, images: [{ url: "https://fal/out.png" }] }),
      cancel: async () => {
        calls.cancels += 1;
        return "cancelled" as const;
      },
      download: async () => Buffer.from("png"),
      probe: async () => "ok",
    };
    const failuresA: string[] = [];
    const failuresB: string[] = [];
    const [runnerA, runnerB] = [processOn(storeA, fal, failuresA), processOn(storeB, fal, failuresB)];
    const job = await storeA.create({
      id: "job-1",
      origin: { userId: "u", guildId: "g", channelId: "c", applicationId: "a", interactionToken: "t", interactionAt: 0, attachmentSizeLimit: 1e7, private: false },
      settings: { prompt: "p", imageSize: "square_hd", speed: "TURBO", numImages: 1 },
      falInput: { prompt: "p", reference_image_urls: ["https://fal/ref.png"] },
    });
    void runnerA.startHosted(job, job.falInput!);
    for (let i = 0; i < 50 && (await storeA.get("job-1"))?.state.kind !== "queued"; i++) await settle();
    expect((await storeA.get("job-1"))?.state.kind).toBe("queued");

    expect(storeB.holds("job-1")).toBe(false);
    await expect(runnerB.cancel("job-1")).resolves.toBe(true);
    expect(storeB.holds("job-1")).toBe(true);
    expect((await storeB.get("job-1"))?.state).toMatchObject({ kind: "cancelled", requestId: "req-1" });
    expect(calls).toEqual({ submits: 1, cancels: 1 });
    expect(failuresB).toEqual(["Cancelled. Nothing more will be generated for this request."]);

    // Process A still follows it: fal says done, A's write is refused (fenced), and A steps aside.
    finish();
    await settle();
    expect((await storeA.get("job-1"))?.state.kind).toBe("cancelled");
    expect(await storeA.renewLeases()).toEqual([]);
    expect(storeA.holds("job-1")).toBe(false);
    expect(failuresA).toEqual([]);
    expect(runnerA.active).toBe(0);
  });
});
