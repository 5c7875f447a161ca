import type { IdeogramCharacterInput } from "@fal-ai/client/endpoints";
import type { Job } from "../domain/job.js";
import { isFinal, requestIdOf, type FalResult } from "../domain/job-state.js";
import { toFalInput, type HostedImages } from "../domain/imagine-request.js";
import type { ImageMime } from "../domain/image-type.js";
import { classifyFalError, isNetworkError, wasRefusedConnection } from "../fal/fal-errors.js";
import type { FalService, FalStatus } from "../fal/fal-service.js";
import type { Logger } from "../logger.js";
import type { JobStore } from "../store/job-store.js";
import { backoffDelay, sleep } from "../util/backoff.js";
import type { JobReporter, ResultImage } from "./job-reporter.js";
import { createJobSlots, type JobSlots } from "./job-slots.js";

/** An input image already downloaded from Discord and checked. */
export interface InputFile {
  bytes: Uint8Array;
  contentType: ImageMime;
  fileName: string;
}

/** An input already on fal storage (a saved character's reference or mask). */
export interface HostedFile {
  url: string;
}

export interface InputFiles {
  reference: InputFile | HostedFile;
  mask?: InputFile | HostedFile;
  styleReference?: InputFile;
}

export interface JobRunnerDeps {
  store: JobStore;
  fal: FalService;
  reporter: JobReporter;
  slots: JobSlots;
  logger: Logger;
  pollIntervalMs: number;
  jobTimeoutMs: number;
  /** How many jobs may upload their inputs at once, and download-and-post their results at once. */
  concurrentUploads?: number;
  concurrentDeliveries?: number;
  /** Delivery attempts before a finished job is left for the next start to deliver. */
  deliveryAttempts?: number;
  now?: () => number;
}

/** Consecutive failures to follow a job after which it is given up (each request is itself retried by fal's client). */
const MAX_STATUS_FAILURES = 3;

/**
 * Drives jobs through their states (see domain/job-state.ts): host inputs, wait for a
 * slot, submit once, follow the queue, fetch and download the result, hand it to the
 * reporter. Every state is written before the action it guards.
 */
export function createJobRunner(deps: JobRunnerDeps) {
  const { store, fal, reporter, slots } = deps;
  const now = deps.now ?? Date.now;
  const running = new Map<string, AbortController>();
  const uploads = createJobSlots(deps.concurrentUploads ?? 4);
  const deliveries = createJobSlots(deps.concurrentDeliveries ?? 8);
  const logFor = (job: Job, requestId?: string) =>
    deps.logger.child({ jobId: job.id, guildId: job.origin.guildId, userId: job.origin.userId, ...(requestId ? { requestId } : {}) });

  async function hostInputs(job: Job, files: InputFiles): Promise<IdeogramCharacterInput> {
    const upload = async (file: InputFile | HostedFile) => ("url" in file ? file.url : fal.upload(file.bytes, file.contentType, file.fileName));
    const [reference, mask, styleReference] = await Promise.all([
      upload(files.reference),
      files.mask ? upload(files.mask) : undefined,
      files.styleReference ? upload(files.styleReference) : undefined,
    ]);
    const hosted: HostedImages = { reference };
    if (mask) hosted.mask = mask;
    if (styleReference) hosted.styleReference = styleReference;
    const input = toFalInput(job.settings, hosted);
    store.setFalInput(job.id, input);
    return input;
  }

  async function submit(job: Job, input: IdeogramCharacterInput): Promise<string | undefined> {
    store.transition(job.id, { kind: "submitting" });
    try {
      const requestId = await fal.submit(input);
      store.transition(job.id, { kind: "queued", requestId });
      logFor(job, requestId).info("submitted to fal");
      return requestId;
    } catch (error) {
      const failure = classifyFalError(error);
      // An HTTP answer or a refused connection means fal did not take the job. A timeout
      // or a dropped connection leaves it unknown; resubmitting could charge twice.
      if (isNetworkError(error) && !wasRefusedConnection(error)) {
        store.transition(job.id, { kind: "submit_unknown" });
        logFor(job).error({ err: error }, "submit outcome unknown; not resubmitting");
        await reporter.fail(
          store.get(job.id) ?? job,
          "fal did not confirm that it accepted this job, so StoryCast did not send it again (that could charge twice). " +
            "If images do not appear, try again.",
        );
        return undefined;
      }
      await failJob(job, failure.userMessage, error, failure.kind === "unauthorized" ? "error" : "warn");
      return undefined;
    }
  }

  /**
   * Follows a submitted job until fal finishes it, then fetches the result. Holds a slot
   * throughout. Updates come over fal's status stream (one request for the whole wait);
   * when a stream closes early it is confirmed with one status read and reopened.
   */
  async function follow(job: Job, requestId: string, signal: AbortSignal): Promise<FalResult | undefined> {
    const log = logFor(job, requestId);
    let failures = 0;
    const showStatus = (status: FalStatus) => {
      failures = 0;
      const elapsedMs = now() - job.createdAt;
      void reporter.progress(job, status.kind === "queued" ? { phase: "queued", position: status.position, elapsedMs } : { phase: "generating", elapsedMs });
    };
    while (!signal.aborted) {
      const remainingMs = job.createdAt + deps.jobTimeoutMs - now();
      if (remainingMs <= 0) {
        await fal.cancel(requestId).catch((error: unknown) => log.warn({ err: error }, "cancel after timeout failed"));
        await failJob(job, `The job took longer than ${describeDuration(deps.jobTimeoutMs)}, so it was cancelled on fal. Please try again.`);
        return undefined;
      }
      try {
        if (await fal.watch(requestId, showStatus, AbortSignal.any([signal, AbortSignal.timeout(remainingMs)]))) break;
        if (signal.aborted) return undefined;
        // The stream closed before the end (its time limit, a proxy, the job deadline): ask once, then reopen.
        const status = await fal.status(requestId, signal);
        if (status.kind === "done") break;
        showStatus(status);
        await sleep(deps.pollIntervalMs, signal);
      } catch (error) {
        if (signal.aborted) return undefined;
        const failure = classifyFalError(error);
        failures += 1;
        if (failure.kind !== "transient" || failures >= MAX_STATUS_FAILURES) {
          await failJob(job, failure.userMessage, error);
          return undefined;
        }
        log.warn({ err: error, failures }, "following the job failed; will retry");
        await sleep(backoffDelay(failures, deps.pollIntervalMs, 30_000), signal);
      }
    }
    if (signal.aborted) return undefined;
    try {
      const result = await fal.result(requestId);
      store.transition(job.id, { kind: "completed", requestId, result });
      return result;
    } catch (error) {
      await failJob(job, classifyFalError(error).userMessage, error);
      return undefined;
    }
  }

  async function downloadImages(job: Job, result: FalResult): Promise<ResultImage[]> {
    return Promise.all(
      result.images.map(async (image, index) => {
        const bytes = await fal.download(image.url).catch((error: unknown) => {
          logFor(job).warn({ err: error, url: image.url }, "result image download failed");
          return undefined;
        });
        return { index, url: image.url, bytes, contentType: image.contentType ?? "image/png" };
      }),
    );
  }

  /**
   * Posts a finished job. The job stays `completed` in the store until Discord took
   * the messages, so a Discord outage or a restart delays delivery but loses nothing.
   */
  async function deliver(job: Job, result: FalResult): Promise<void> {
    // Images are downloaded just before they are posted, a few jobs at a time: when many
    // jobs finish together, their bytes would otherwise all wait in memory for Discord.
    await deliveries.withSlot(() => downloadAndPost(job, result));
  }

  async function downloadAndPost(job: Job, result: FalResult): Promise<void> {
    const requestId = requestIdOf(job.state) ?? "";
    const log = logFor(job, requestId);
    void reporter.progress(job, { phase: "downloading", elapsedMs: now() - job.createdAt });
    const images = await downloadImages(job, result);
    const attempts = deps.deliveryAttempts ?? 5;
    for (let attempt = 0; attempt < attempts; attempt++) {
      try {
        const messageIds = await reporter.deliver(job, result, images);
        store.addMessageIds(job.id, messageIds);
        store.transition(job.id, { kind: "delivered", requestId, result });
        log.info({ images: images.length, missing: images.filter((i) => !i.bytes).length }, "job delivered");
        return;
      } catch (error) {
        log.warn({ err: error, attempt: attempt + 1 }, "delivery to Discord failed; will retry");
        if (attempt + 1 < attempts) await sleep(backoffDelay(attempt, 1000, 30_000));
      }
    }
    log.error("delivery kept failing; the job stays completed and is delivered on the next start");
  }

  async function failJob(job: Job, message: string, error?: unknown, level: "warn" | "error" = "warn"): Promise<void> {
    const current = store.get(job.id) ?? job;
    if (isFinal(current.state.kind)) return;
    const requestId = requestIdOf(current.state);
    store.transition(job.id, { kind: "failed", reason: message, ...(requestId ? { requestId } : {}) });
    logFor(job, requestId)[level]({ err: error }, `job failed: ${message}`);
    await reporter.fail(current, message);
  }

  /** Hosts a job's inputs, a few jobs at a time, so a burst of requests does not upload everything at once. */
  async function hostWithinLimit(job: Job, files: InputFiles): Promise<{ input: IdeogramCharacterInput } | { error: unknown }> {
    return uploads.withSlot(() => hostInputs(job, files).then((input) => ({ input }), (error: unknown) => ({ error })));
  }

  /** Waits for a slot, submits, follows and delivers; the slot is freed as soon as fal is done. */
  async function runHosted(job: Job, input: IdeogramCharacterInput, controller: AbortController): Promise<void> {
    const granted = await slots.acquire(job.id, controller.signal, (position) => void reporter.progress(job, { phase: "waiting", position }));
    if (!granted) return;
    let result: FalResult | undefined;
    try {
      if (controller.signal.aborted || store.get(job.id)?.state.kind !== "pending") return;
      const requestId = await submit(job, input);
      if (requestId) result = await follow(store.get(job.id) ?? job, requestId, controller.signal);
    } finally {
      slots.release();
    }
    if (result) await deliver(store.get(job.id) ?? job, result);
  }

  /** Runs `task` as the job's one tracked run; any unexpected error ends the job with an apology. */
  async function track(job: Job, task: (controller: AbortController) => Promise<void>): Promise<void> {
    const controller = new AbortController();
    running.set(job.id, controller);
    try {
      await task(controller);
    } catch (error) {
      await failJob(job, "Something went wrong on StoryCast's side.", error, "error").catch((failError: unknown) =>
        logFor(job).error({ err: failError }, "could not record a failed job"),
      );
    } finally {
      running.delete(job.id);
    }
  }

  return {
    /** Runs a new job (row already written in state pending) from its input files to delivery. */
    start(job: Job, files: InputFiles): Promise<void> {
      void reporter.progress(job, { phase: "uploading" });
      // The tracked run below only sees the hosting's outcome, never `files`: the input bytes
      // can be freed as soon as they are on fal storage instead of living as long as the job.
      const hosting = hostWithinLimit(job, files);
      return track(job, async (controller) => {
        const hosted = await hosting;
        if ("error" in hosted) {
          await failJob(job, `Your images could not be uploaded to fal. ${classifyFalError(hosted.error).userMessage}`, hosted.error);
          return;
        }
        await runHosted(store.get(job.id) ?? job, hosted.input, controller);
      });
    },

    /** Runs a job whose inputs are already on fal storage (a reroll). */
    startHosted(job: Job, input: IdeogramCharacterInput): Promise<void> {
      return track(job, (controller) => runHosted(job, input, controller));
    },

    /**
     * Picks up a job left unfinished by a previous run, from what its row says. A job
     * that was mid-submit is never submitted again: fal may already have charged for it.
     */
    resume(job: Job): Promise<void> {
      return track(job, async (controller) => {
        const log = logFor(job, requestIdOf(job.state));
        switch (job.state.kind) {
          case "pending":
            if (job.falInput) {
              log.info("resuming a job that had not reached fal yet");
              await runHosted(job, job.falInput, controller);
            } else {
              await failJob(job, "StoryCast restarted before your images reached fal, so nothing was charged. Please run the command again.");
            }
            return;
          case "submitting":
            store.transition(job.id, { kind: "submit_unknown" });
            log.error("restart found a job mid-submit; not resubmitting");
            await reporter.fail(
              job,
              "StoryCast restarted while sending your job to fal, so it can't tell whether fal took it. It was not sent again (that could charge twice). If no images appear, please try again.",
            );
            return;
          case "queued": {
            log.info("resuming job at fal");
            slots.take();
            let result: FalResult | undefined;
            try {
              result = await follow(job, job.state.requestId, controller.signal);
            } finally {
              slots.release();
            }
            if (result) await deliver(store.get(job.id) ?? job, result);
            return;
          }
          case "completed":
            log.info("delivering a job finished before the restart");
            await deliver(job, job.state.result);
            return;
          default:
            return;
        }
      });
    },

    /**
     * Cancels a job: stops following it, cancels it on fal if submitted, and ends the
     * reply. Returns false if the job had already finished or is mid-submit.
     */
    async cancel(jobId: string): Promise<boolean> {
      const job = store.get(jobId);
      if (!job || isFinal(job.state.kind) || job.state.kind === "completed" || job.state.kind === "submitting") return false;
      const requestId = requestIdOf(job.state);
      store.transition(jobId, { kind: "cancelled", ...(requestId ? { requestId } : {}) });
      running.get(jobId)?.abort();
      if (requestId) {
        await fal.cancel(requestId).catch((error: unknown) => logFor(job, requestId).warn({ err: error }, "fal cancel failed"));
      }
      logFor(job, requestId).info("job cancelled by its requester");
      await reporter.fail(job, "Cancelled. Nothing more will be generated for this request.");
      return true;
    },

    /**
     * Stops following jobs (they stay in the store, to be resumed on the next start) and
     * waits up to `timeoutMs` for deliveries already under way to finish.
     */
    async drain(timeoutMs: number): Promise<void> {
      for (const controller of running.values()) controller.abort();
      const deadline = now() + timeoutMs;
      while (running.size > 0 && now() < deadline) await sleep(50);
    },

    /** Jobs this process is working on (waiting for a slot, at fal, or being delivered). */
    get active(): number {
      return running.size;
    },
  };
}

export type JobRunner = ReturnType<typeof createJobRunner>;

function describeDuration(ms: number): string {
  const minutes = ms / 60_000;
  return minutes >= 1 && Number.isInteger(minutes) ? `${minutes} minute${minutes === 1 ? "" : "s"}` : `${Math.round(ms / 1000)} seconds`;
}
