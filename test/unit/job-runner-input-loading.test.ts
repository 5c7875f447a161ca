import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { UserFacingError } from "../../src/domain/errors.js";
import type { FalService } from "../../src/fal/fal-service.js";
import type { JobReporter } from "../../src/jobs/job-reporter.js";
import { createJobRunner } from "../../src/jobs/job-runner.js";
import { createJobSlots } from "../../src/jobs/job-slots.js";
import type { InputFiles } from "../../src/jobs/job-types.js";
import { openSqliteJobStore } from "../support/sqlite-job-store.js";
import type { JobStore } from "../../src/store/job-store.js";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Lets every promise that can settle without I/O or timers settle. */
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

async function setUp() {
  const dir = mkdtempSync(join(tmpdir(), "storycast-loading-"));
  dirs.push(dir);
  const store = await openSqliteJobStore(dir);
  // Uploads hang until the test lets them finish, so jobs pile up behind the upload slots.
  const pendingUploads: (() => void)[] = [];
  const calls = { uploads: 0, submits: 0 };
  const fal: FalService = {
    upload: () => {
      calls.uploads += 1;
      return new Promise((resolve) => pendingUploads.push(() => resolve("https://fal/ref.png")));
    },
    submit: async () => {
      calls.submits += 1;
      return `req-${calls.submits}`;
    },
    status: async () => ({ kind: "done" }),
    watch: async () => true,
    result: async () => ({ seed: 7, images: [{ url: "https://fal/out.png" }] }),
    cancel: async () => "cancelled" as const,
    download: async () => Buffer.from("png"),
    resolves: async () => "live" as const,
    probe: async () => "ok",
  };
  const failures: { jobId: string; message: string }[] = [];
  const progress: { jobId: string; phase: string; position?: number }[] = [];
  const reporter: JobReporter = {
    progress: async (job, p) => void progress.push({ jobId: job.id, phase: p.phase, ...("position" in p && p.position !== undefined ? { position: p.position } : {}) }),
    fail: async (job, message) => void failures.push({ jobId: job.id, message }),
    postPart: async () => ({ messageId: "message-1", channelId: "c" }),
    findPostedPart: async () => undefined,
    finishDelivery: async () => undefined,
  };
  const runner = createJobRunner({
    store, fal, reporter, slots: createJobSlots(10), logger: pino({ level: "silent" }),
    pollIntervalMs: 10, jobTimeoutMs: 60_000, concurrentUploads: 2,
  });
  return { store, runner, calls, pendingUploads, failures, progress };
}

function newJob(store: JobStore, id: string) {
  return store.create({
    id,
    origin: { userId: "u", guildId: "g", channelId: "c", applicationId: "a", interactionToken: "t", interactionAt: 0, attachmentSizeLimit: 1e7, private: false },
    settings: { prompt: "p", imageSize: "square_hd", speed: "BALANCED", numImages: 1 },
  });
}

describe("input files are loaded inside the upload slot", () => {
  it("when jobs wait for an upload slot, then their input bytes are not loaded until they get one", async () => {
    const { store, runner, calls, pendingUploads, progress } = await setUp();
    const loaded: string[] = [];
    /** Jobs whose bytes are in memory: loaded, upload not finished yet. */
    let holdingBytes = 0;
    let mostHoldingBytes = 0;
    const loaderFor = (id: string) => async (): Promise<InputFiles> => {
      loaded.push(id);
      holdingBytes += 1;
      mostHoldingBytes = Math.max(mostHoldingBytes, holdingBytes);
      return { reference: { bytes: new Uint8Array(1024), contentType: "image/png", fileName: `${id}.png` } };
    };
    const jobs = await Promise.all(["a", "b", "c", "d", "e", "f"].map((id) => newJob(store, id)));
    const runs = jobs.map((job) => runner.start(job, loaderFor(job.id)));
    await settle();
    expect(loaded).toEqual(["a", "b"]); // two upload slots: the four others hold nothing yet
    expect(runner.waiting).toBe(6); // none has reached fal: all count against MAX_QUEUED_JOBS
    expect(calls.submits).toBe(0);
    // The four waiting for an upload slot are shown their place (with the Cancel button), not left "thinking…".
    expect(progress.filter((p) => p.phase === "waiting" && ["c", "d", "e", "f"].includes(p.jobId)).map((p) => `${p.jobId}:${p.position}`)).toEqual(["c:1", "d:2", "e:3", "f:4"]);

    while (pendingUploads.length > 0 || loaded.length < 6) {
      holdingBytes -= pendingUploads.length;
      pendingUploads.splice(0).forEach((finish) => finish());
      await settle();
    }
    await Promise.all(runs);
    expect(loaded).toEqual(["a", "b", "c", "d", "e", "f"]);
    expect(mostHoldingBytes).toBe(2);
    expect(calls.submits).toBe(6);
    expect(runner.waiting).toBe(0);
    await store.close();
  });

  it("when the loader finds bad input, then the job fails with its message through the reporter and nothing reaches fal", async () => {
    const { store, runner, calls, failures } = await setUp();
    const message = "The reference `x.png` is not a JPEG, PNG or WebP image (whatever its name says). Please attach a real image.";
    await runner.start(await newJob(store, "bad"), async () => {
      throw new UserFacingError(message);
    });
    expect(failures).toEqual([{ jobId: "bad", message }]);
    expect((await store.get("bad"))?.state).toMatchObject({ kind: "failed", reason: message });
    expect(calls).toEqual({ uploads: 0, submits: 0 });
    expect(runner.waiting).toBe(0);
    await store.close();
  });
});
