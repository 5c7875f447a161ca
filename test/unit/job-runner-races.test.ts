import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { Job } from "../../src/domain/job.js";
import type { JobState } from "../../src/domain/job-state.js";
import type { FalService } from "../../src/fal/fal-service.js";
import type { JobReporter } from "../../src/jobs/job-reporter.js";
import { createJobRunner } from "../../src/jobs/job-runner.js";
import { createJobSlots } from "../../src/jobs/job-slots.js";
import type { JobStore } from "../../src/store/job-store.js";
import { openSqliteJobStore } from "../support/sqlite-job-store.js";

// With an async store, other writers can act between a runner's read of a job and its write.
// The store's transition refuses an illegal move; these tests put the other writer's move
// exactly in that gap and check the runner steps aside instead of failing or repeating work.

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const result = { seed: 7, images: [{ url: "https://fal/out.png" }] };

/** The real SQLite store, with another writer's move run just before the runner's move to `before`. */
function storeWithRival(inner: JobStore, before: JobState["kind"], rival: (id: string) => Promise<unknown>): JobStore {
  return {
    ...inner,
    async transition(id, state) {
      if (state.kind === before) await rival(id);
      return inner.transition(id, state);
    },
  };
}

async function setUp(wrap: (inner: JobStore) => JobStore = (inner) => inner) {
  const dir = mkdtempSync(join(tmpdir(), "storycast-races-"));
  dirs.push(dir);
  const inner = await openSqliteJobStore(dir);
  const calls = { submits: 0, posts: 0, failures: [] as string[] };
  const fal: FalService = {
    upload: async () => "https://fal/ref.png",
    resolves: async () => "live",
    submit: async () => {
      calls.submits += 1;
      return "req-1";
    },
    status: async () => ({ kind: "done" }),
    watch: async () => true,
    result: async () => result,
    cancel: async () => "cancelled" as const,
    download: async () => Buffer.from("png"),
    probe: async () => "ok",
  };
  const reporter: JobReporter = {
    progress: async () => undefined,
    fail: async (_job, message) => void calls.failures.push(message),
    finishDelivery: async () => undefined,
    findPostedPart: async () => undefined,
    postPart: async () => {
      calls.posts += 1;
      return { messageId: `m-${calls.posts}`, channelId: "c" };
    },
  };
  const store = wrap(inner);
  const runner = createJobRunner({ store, fal, reporter, slots: createJobSlots(2), logger: pino({ level: "silent" }), pollIntervalMs: 5, jobTimeoutMs: 60_000 });
  const newJob = () =>
    inner.create({
      id: "job-1",
      origin: { userId: "u", guildId: "g", channelId: "c", applicationId: "a", interactionToken: "t", interactionAt: 0, attachmentSizeLimit: 1e7, private: false },
      settings: { prompt: "p", imageSize: "square_hd", speed: "TURBO", numImages: 1 },
      falInput: { prompt: "p", reference_image_urls: ["https://fal/ref.png"] },
    });
  return { inner, runner, calls, newJob };
}

describe("job runner: a write that loses a race to another writer", () => {
  it("when the follower stores fal's result between cancel's read and its write, then cancel says too late and the result stands", async () => {
    const { inner, runner, calls, newJob } = await setUp((store) =>
      storeWithRival(store, "cancelled", (id) => store.transition(id, { kind: "completed", requestId: "req-1", result })),
    );
    await newJob();
    await inner.transition("job-1", { kind: "submitting" });
    await inner.transition("job-1", { kind: "queued", requestId: "req-1", acceptedAt: 0 });

    await expect(runner.cancel("job-1")).resolves.toBe(false);
    expect((await inner.get("job-1"))?.state.kind).toBe("completed"); // paid for: delivered as usual, not cancelled
    expect(calls.failures).toEqual([]); // nobody is told "Cancelled" about a job that will be delivered
    await inner.close();
  });

  it("when a cancel ends the job between the runner's check and its submit, then nothing is sent to fal and the job stays cancelled", async () => {
    const { inner, runner, calls, newJob } = await setUp((store) => storeWithRival(store, "submitting", (id) => store.transition(id, { kind: "cancelled" })));
    const job = await newJob();

    await runner.startHosted(job, job.falInput!);
    expect(calls.submits).toBe(0);
    expect((await inner.get("job-1"))?.state.kind).toBe("cancelled");
    expect(calls.failures).toEqual([]); // not reported as "something went wrong": the cancel already told the member
    await inner.close();
  });

  it("when a delivery is started from a stale read of a job another run already delivered, then nothing is posted again", async () => {
    const { inner, runner, calls, newJob } = await setUp();
    await newJob();
    await inner.transition("job-1", { kind: "submitting" });
    await inner.transition("job-1", { kind: "queued", requestId: "req-1", acceptedAt: 0 });
    const stale: Job = await inner.transition("job-1", { kind: "completed", requestId: "req-1", result });
    await inner.transition("job-1", { kind: "delivered", requestId: "req-1", result });

    await runner.resume(stale);
    expect(calls.posts).toBe(0);
    expect((await inner.get("job-1"))?.state.kind).toBe("delivered");
    await inner.close();
  });
});

describe("job runner: the store fails right after fal accepted a job", () => {
  it("when the request id cannot be stored, then the job is never marked failed-and-free nor submitted again: its outcome is unknown and the member told", async () => {
    const { inner, runner, calls, newJob } = await setUp((store) => ({
      ...store,
      async transition(id, state) {
        if (state.kind === "queued") throw new Error("database is unavailable");
        return store.transition(id, state);
      },
    }));
    const job = await newJob();

    await runner.startHosted(job, job.falInput!);
    expect(calls.submits).toBe(1);
    expect((await inner.get("job-1"))?.state.kind).toBe("submit_unknown"); // still counted as spent, never resubmitted on restart
    expect(calls.failures).toEqual([expect.stringMatching(/did not send it again \(that could charge twice\)/)]);
    await inner.close();
  });
});
