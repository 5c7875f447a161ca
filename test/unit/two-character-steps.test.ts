import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { FalEndpointId, FalInput } from "../../src/domain/fal-endpoints.js";
import type { GenerationSettings } from "../../src/domain/imagine-request.js";
import type { Job } from "../../src/domain/job.js";
import type { FalService, UploadLifetime } from "../../src/fal/fal-service.js";
import type { JobReporter } from "../../src/jobs/job-reporter.js";
import { createJobRunner } from "../../src/jobs/job-runner.js";
import { createJobSlots } from "../../src/jobs/job-slots.js";
import { secondStepInput } from "../../src/jobs/second-step.js";
import type { JobStore } from "../../src/store/job-store.js";
import { makePng, sampleJpeg } from "../../fakes/fal/index.js";
import { blackColumns, decodeGreyPng } from "../support/grey-png.js";
import { openSqliteJobStore } from "../support/sqlite-job-store.js";

/**
 * The second step of a two-character scene (jobs/second-step.ts) and the runner's way through
 * both steps (jobs/job-steps.ts), on the real runner and SQLite store with an in-memory fal.
 */

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const origin = { userId: "u", guildId: "g", channelId: "c", applicationId: "a", interactionToken: "t", interactionAt: 0, attachmentSizeLimit: 1e7, private: false };
const duoSettings: GenerationSettings = {
  prompt: "Mira: a sky pirate. two friends share a picnic",
  imageSize: "landscape_4_3",
  speed: "QUALITY",
  numImages: 1,
  style: "FICTION",
  negativePrompt: "rain",
  seed: 99,
  kind: "duo",
  second: { name: "Vex", placement: "left", prompt: "Vex: a thief. two friends share a picnic" },
};

/** An in-memory fal: records every call; the first step's image is `scene` (a real image file). */
function fakeFal(scene: Buffer) {
  const calls = {
    submits: [] as { endpoint: FalEndpointId; input: FalInput; requestId: string }[],
    uploads: [] as { bytes: Buffer; contentType: string; fileName: string; lifetime: UploadLifetime; url: string }[],
    downloads: [] as string[],
  };
  const gates = { download: undefined as Promise<void> | undefined, downloadFails: false };
  const fal: FalService = {
    async upload(bytes, contentType, fileName, lifetime) {
      const url = `https://fal/upload-${calls.uploads.length + 1}-${fileName}`;
      calls.uploads.push({ bytes: Buffer.from(bytes), contentType, fileName, lifetime, url });
      return url;
    },
    async submit(endpoint, input) {
      const requestId = `req-${calls.submits.length + 1}`;
      calls.submits.push({ endpoint, input, requestId });
      return requestId;
    },
    status: async () => ({ kind: "done" }),
    watch: async () => true,
    // Step 1 made two images: only the first is carried into step 2.
    result: async (requestId) => ({ seed: 5, images: [{ url: `https://fal/${requestId}-a.png` }, { url: `https://fal/${requestId}-b.png` }] }),
    // Every request of this fal is finished at once: a cancel always comes too late for it.
    cancel: async () => "already_completed" as const,
    async download(url) {
      calls.downloads.push(url);
      await gates.download;
      if (gates.downloadFails) throw Object.assign(new Error("download failed with HTTP 404"), { status: 404 });
      return scene;
    },
    resolves: async () => "live" as const,
    probe: async () => "ok",
  };
  return { fal, calls, gates };
}

function duoJob(overrides: Partial<Job> = {}): Job {
  return {
    id: "duo",
    createdAt: 0,
    updatedAt: 0,
    origin,
    settings: duoSettings,
    falInput: null,
    pipeline: { step: 1, steps: 2, done: [], second: { reference: "https://fal/vex.png", mask: "https://fal/vex-mask.png" } },
    state: { kind: "queued", requestId: "req-1" },
    costUsd: 0.4,
    rerollOf: null,
    messageIds: [],
    delivery: null,
    ...overrides,
  };
}

describe("secondStepInput", () => {
  it("when step 1 made a 37×21 scene, then it uploads a 37×21 PNG mask, black on the left (the middle column included), and builds character/edit's input from the second character", async () => {
    const scene = makePng({ width: 37, height: 21, seed: 3 });
    const { fal, calls } = fakeFal(scene);
    const input = await secondStepInput(fal, duoJob(), { seed: 5, images: [{ url: "https://fal/scene-1.png" }, { url: "https://fal/scene-2.png" }] });
    expect(calls.downloads).toEqual(["https://fal/scene-1.png"]);
    expect(calls.uploads).toHaveLength(1);
    const [upload] = calls.uploads;
    expect(upload).toMatchObject({ contentType: "image/png", fileName: "left-side-mask.png", lifetime: "one-off-input" });
    const mask = decodeGreyPng(upload!.bytes);
    expect([mask.width, mask.height]).toEqual([37, 21]);
    expect(blackColumns(mask)).toEqual({ first: 0, last: 18, count: 19 });
    // character/edit takes no style, image_size or negative_prompt; the scene keeps its own.
    expect(input).toEqual({
      prompt: "Vex: a thief. two friends share a picnic",
      image_url: "https://fal/scene-1.png",
      mask_url: upload!.url,
      reference_image_urls: ["https://fal/vex.png"],
      reference_mask_urls: ["https://fal/vex-mask.png"],
      rendering_speed: "QUALITY",
      num_images: 1,
      seed: 99,
    });
  });

  it("when the second character goes right, the scene is a JPEG, and the job is private, then the mask covers the right half at the JPEG's size and is kept only as long as a private input", async () => {
    const scene = sampleJpeg();
    const { fal, calls } = fakeFal(scene);
    const job = duoJob({ origin: { ...origin, private: true }, settings: { ...duoSettings, second: { name: "Vex", placement: "right" } } });
    const input = await secondStepInput(fal, job, { seed: 5, images: [{ url: "https://fal/scene.jpg" }] });
    const mask = decodeGreyPng(calls.uploads[0]!.bytes);
    const { width, height } = (await import("../../src/domain/image-dimensions.js")).readImageDimensions(scene);
    expect([mask.width, mask.height]).toEqual([width, height]);
    expect(blackColumns(mask)).toEqual({ first: Math.floor(width / 2), last: width - 1, count: width - Math.floor(width / 2) });
    expect(calls.uploads[0]!.lifetime).toBe("private-input");
    // No step-2 prompt of its own: the scene's prompt.
    expect((input as { prompt: string }).prompt).toBe(duoSettings.prompt);
  });

  it("when step 1 made no image, or the job has no second character, then it refuses before uploading anything", async () => {
    const { fal, calls } = fakeFal(makePng({ width: 8, height: 8 }));
    await expect(secondStepInput(fal, duoJob(), { seed: 1, images: [] })).rejects.toThrow(/made no image/);
    await expect(secondStepInput(fal, duoJob({ pipeline: { step: 1, steps: 2, done: [] } }), { seed: 1, images: [{ url: "u" }] })).rejects.toThrow(/no second character/);
    expect(calls.uploads).toEqual([]);
  });
});

describe("a two-character job through the runner", () => {
  async function setUp(scene = makePng({ width: 40, height: 30, seed: 4 })) {
    const dir = mkdtempSync(join(tmpdir(), "storycast-duo-"));
    dirs.push(dir);
    const store = await openSqliteJobStore(dir);
    const { fal, calls, gates } = fakeFal(scene);
    const seen = { progress: [] as { step: number | undefined; phase: string }[], failures: [] as string[], posted: [] as { requestId: string; files: number }[] };
    const reporter: JobReporter = {
      progress: async (job, progress) => void seen.progress.push({ step: job.pipeline?.step, phase: progress.phase }),
      fail: async (_job, message) => void seen.failures.push(message),
      postPart: async (job, _result, part) => {
        seen.posted.push({ requestId: job.state.kind === "completed" ? job.state.requestId : "?", files: part.files.length });
        return { messageId: `m-${seen.posted.length}`, channelId: "c" };
      },
      findPostedPart: async () => undefined,
      finishDelivery: async () => undefined,
    };
    const runner = createJobRunner({ store, fal, reporter, slots: createJobSlots(4), logger: pino({ level: "silent" }), pollIntervalMs: 5, jobTimeoutMs: 60_000, deliveryAttempts: 1 });
    return { store, fal, calls, gates, seen, runner };
  }
  const create = (store: JobStore, id = "duo") =>
    store.create({ id, origin, settings: duoSettings, pipeline: { step: 1, steps: 2, done: [], stepCosts: [0.2, 0.2] }, costUsd: 0.4 });
  const files = { reference: { url: "https://fal/mira.png" }, second: { reference: { url: "https://fal/vex.png" } } };

  it("when a duo runs, then step 1 goes to character, step 2 to character/edit with step 1's first image, each once, and the edit's image is delivered once", async () => {
    const { store, calls, seen, runner } = await setUp();
    await runner.start(await create(store), async () => files);
    expect(calls.submits.map((s) => s.endpoint)).toEqual(["fal-ai/ideogram/character", "fal-ai/ideogram/character/edit"]);
    expect(calls.submits[0]!.input).toMatchObject({ prompt: duoSettings.prompt, reference_image_urls: ["https://fal/mira.png"], image_size: "landscape_4_3", style: "FICTION", negative_prompt: "rain" });
    expect(calls.submits[1]!.input).toMatchObject({ image_url: "https://fal/req-1-a.png", reference_image_urls: ["https://fal/vex.png"], prompt: "Vex: a thief. two friends share a picnic", num_images: 1 });
    const job = (await store.get("duo"))!;
    expect(job.state).toMatchObject({ kind: "delivered", requestId: "req-2" });
    expect(job.pipeline).toMatchObject({ step: 2, steps: 2, done: [{ requestId: "req-1", input: calls.submits[0]!.input }] });
    expect(job.falInput).toEqual(calls.submits[1]!.input);
    expect(seen.posted).toEqual([{ requestId: "req-2", files: 2 }]);
    // The reporter saw the current row: step 1's progress, then step 2's.
    const steps = seen.progress.map((p) => p.step);
    expect(steps).toContain(1);
    expect(steps.indexOf(2)).toBeGreaterThan(steps.lastIndexOf(1));
  });

  it("when the process died after step 1 was recorded (pending at step 2), then the next process's resume submits only step 2, with the recorded input", async () => {
    const { store, calls, runner } = await setUp();
    await create(store);
    await store.setFalInput("duo", { prompt: "p", reference_image_urls: ["https://fal/mira.png"] }, { step: 1, steps: 2, done: [], second: { reference: "https://fal/vex.png" } });
    await store.transition("duo", { kind: "submitting" });
    await store.transition("duo", { kind: "queued", requestId: "req-earlier" });
    const recorded: FalInput = { prompt: "q", image_url: "https://fal/s.png", mask_url: "https://fal/m.png", reference_image_urls: ["https://fal/vex.png"], rendering_speed: "QUALITY", num_images: 1 };
    const pending = await store.advanceStep("duo", { requestId: "req-earlier", input: { prompt: "p", reference_image_urls: ["https://fal/mira.png"] }, result: { seed: 1, images: [{ url: "https://fal/s.png" }] } }, recorded);
    await runner.resume(pending);
    expect(calls.submits.map((s) => [s.endpoint, s.input])).toEqual([["fal-ai/ideogram/character/edit", recorded]]);
    expect(calls.uploads).toEqual([]); // the mask was made before: nothing drawn or uploaded again
    expect((await store.get("duo"))?.state).toMatchObject({ kind: "delivered", requestId: "req-1" });
  });

  it("when the process died with step 1 queued, then resume fetches step 1's result (no resubmit), draws the mask and submits step 2 once", async () => {
    const { store, calls, runner } = await setUp();
    await create(store);
    await store.setFalInput("duo", { prompt: "p", reference_image_urls: ["https://fal/mira.png"] }, { step: 1, steps: 2, done: [], second: { reference: "https://fal/vex.png" } });
    await store.transition("duo", { kind: "submitting" });
    const queued = await store.transition("duo", { kind: "queued", requestId: "req-earlier" });
    await runner.resume(queued);
    expect(calls.submits.map((s) => s.endpoint)).toEqual(["fal-ai/ideogram/character/edit"]);
    expect(calls.submits[0]!.input).toMatchObject({ image_url: "https://fal/req-earlier-a.png", mask_url: calls.uploads[0]!.url });
    expect((await store.get("duo"))?.pipeline?.done.map((step) => step.requestId)).toEqual(["req-earlier"]);
  });

  it("when step 2 cannot be prepared (the scene's download fails), then the job fails with a message linking the paid first image, and step 2 is never submitted", async () => {
    const { store, calls, gates, seen, runner } = await setUp();
    gates.downloadFails = true;
    await runner.start(await create(store), async () => files);
    expect(calls.submits.map((s) => s.endpoint)).toEqual(["fal-ai/ideogram/character"]);
    expect(seen.failures).toHaveLength(1);
    expect(seen.failures[0]).toMatch(/^The scene was made, but the second character could not be painted in: .+\nThe scene as it came out of the first step: https:\/\/fal\/req-1-a\.png$/);
    expect((await store.get("duo"))?.state).toMatchObject({ kind: "failed", requestId: "req-1" });
  });

  it("when the member cancels while step 2 is being prepared (fal already finished step 1), then the cancel is accepted, step 2 is not submitted and the cancel stands", async () => {
    const { store, calls, gates, seen, runner } = await setUp();
    let letDownloadFinish = () => {};
    gates.download = new Promise<void>((resolve) => (letDownloadFinish = resolve));
    const run = runner.start(await create(store), async () => files);
    while (calls.downloads.length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    // fal finished step 1 (its cancel answers "already completed"), but step 2 is not submitted yet: it can still stop.
    expect(await runner.cancel("duo")).toBe(true);
    letDownloadFinish();
    await run;
    expect(calls.submits.map((s) => s.endpoint)).toEqual(["fal-ai/ideogram/character"]);
    expect((await store.get("duo"))?.state.kind).toBe("cancelled");
    expect(seen.failures).toEqual(["Cancelled. Nothing more will be generated for this request."]);
  });

  it("when a duo's loader gives no second character, then the job fails before anything is submitted (nothing paid for a scene that could not be finished)", async () => {
    const { store, calls, seen, runner } = await setUp();
    await runner.start(await create(store), async () => ({ reference: { url: "https://fal/mira.png" } }));
    expect(calls.submits).toEqual([]);
    expect(seen.failures).toHaveLength(1);
    expect((await store.get("duo"))?.state.kind).toBe("failed");
  });
});
