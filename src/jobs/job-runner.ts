import type { IdeogramCharacterInput } from "@fal-ai/client/endpoints";
import type { Job } from "../domain/job.js";
import { isFinal, requestIdOf, type FalResult } from "../domain/job-state.js";
import { toFalInput, type HostedImages } from "../domain/imagine-request.js";
import type { ImageMime } from "../domain/image-type.js";
import { classifyFalError, isNetworkError, wasRefusedConnection } from "../fal/fal-errors.js";
import type { FalService } from "../fal/fal-service.js";
import type { Logger } from "../logger.js";
import type { JobStore } from "../store/job-store.js";
import { sleep } from "../util/backoff.js";
import type { JobReporter, ResultImage } from "./job-reporter.js";

/** An input image already downloaded from Discord and checked. */
export interface InputFile {
  bytes: Uint8Array;
  contentType: ImageMime;
  fileName: string;
}

export interface InputFiles {
  reference: InputFile;
  mask?: InputFile;
  styleReference?: InputFile;
}

export interface JobRunnerDeps {
  store: JobStore;
  fal: FalService;
  reporter: JobReporter;
  logger: Logger;
  pollIntervalMs: number;
  jobTimeoutMs: number;
  now?: () => number;
}

/** Consecutive failed status reads after which a job is given up (each read is itself retried by fal's client). */
const MAX_STATUS_FAILURES = 3;

/**
 * Drives jobs through their states (see domain/job-state.ts): host inputs, submit once,
 * follow the queue, fetch and download the result, hand it to the reporter. Every
 * state is written before the action it guards.
 */
export function createJobRunner(deps: JobRunnerDeps) {
  const { store, fal, reporter, logger } = deps;
  const now = deps.now ?? Date.now;
  const running = new Map<string, AbortController>();

  async function hostInputs(job: Job, files: InputFiles): Promise<IdeogramCharacterInput> {
    const upload = (file: InputFile) => fal.upload(file.bytes, file.contentType, file.fileName);
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
      return requestId;
    } catch (error) {
      const failure = classifyFalError(error);
      // An HTTP answer or a refused connection means fal did not take the job. A timeout
      // or a dropped connection leaves it unknown; resubmitting could charge twice.
      if (isNetworkError(error) && !wasRefusedConnection(error)) {
        store.transition(job.id, { kind: "submit_unknown" });
        logger.error({ jobId: job.id, err: error }, "submit outcome unknown; not resubmitting");
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

  async function follow(job: Job, requestId: string, signal: AbortSignal): Promise<void> {
    const started = job.createdAt;
    let failures = 0;
    while (!signal.aborted) {
      if (now() - started > deps.jobTimeoutMs) {
        await fal.cancel(requestId).catch((error: unknown) => logger.warn({ jobId: job.id, requestId, err: error }, "cancel after timeout failed"));
        await failJob(job, `The job took longer than ${describeDuration(deps.jobTimeoutMs)}, so it was cancelled on fal. Please try again.`);
        return;
      }
      try {
        const status = await fal.status(requestId, signal);
        failures = 0;
        if (status.kind === "done") break;
        const elapsedMs = now() - started;
        void reporter.progress(
          job,
          status.kind === "queued" ? { phase: "queued", position: status.position, elapsedMs } : { phase: "generating", elapsedMs },
        );
      } catch (error) {
        if (signal.aborted) return;
        const failure = classifyFalError(error);
        failures += 1;
        if (failure.kind !== "transient" || failures >= MAX_STATUS_FAILURES) {
          await failJob(job, failure.userMessage, error);
          return;
        }
        logger.warn({ jobId: job.id, requestId, err: error, failures }, "status read failed; will retry");
      }
      await sleep(deps.pollIntervalMs, signal);
    }
    if (signal.aborted) return;

    let result: FalResult;
    try {
      result = await fal.result(requestId);
    } catch (error) {
      await failJob(job, classifyFalError(error).userMessage, error);
      return;
    }
    const completed = store.transition(job.id, { kind: "completed", requestId, result });
    await deliver(completed, result);
  }

  async function deliver(job: Job, result: FalResult): Promise<void> {
    void reporter.progress(job, { phase: "downloading", elapsedMs: now() - job.createdAt });
    const images: ResultImage[] = await Promise.all(
      result.images.map(async (image, index) => {
        const bytes = await fal.download(image.url).catch((error: unknown) => {
          logger.warn({ jobId: job.id, url: image.url, err: error }, "result image download failed");
          return undefined;
        });
        return { index, url: image.url, bytes, contentType: image.contentType ?? "image/png" };
      }),
    );
    const requestId = requestIdOf(job.state) ?? "";
    const messageIds = await reporter.deliver(job, result, images);
    store.addMessageIds(job.id, messageIds);
    store.transition(job.id, { kind: "delivered", requestId, result });
    logger.info({ jobId: job.id, requestId, images: images.length }, "job delivered");
  }

  async function failJob(job: Job, message: string, error?: unknown, level: "warn" | "error" = "warn"): Promise<void> {
    const current = store.get(job.id) ?? job;
    if (isFinal(current.state.kind)) return;
    const requestId = requestIdOf(current.state);
    store.transition(job.id, { kind: "failed", reason: message, ...(requestId ? { requestId } : {}) });
    logger[level]({ jobId: job.id, requestId, err: error }, `job failed: ${message}`);
    await reporter.fail(current, message);
  }

  return {
    /** Runs a new job (row already written in state pending) from its input files to delivery. */
    async start(job: Job, files: InputFiles): Promise<void> {
      const controller = new AbortController();
      running.set(job.id, controller);
      try {
        void reporter.progress(job, { phase: "uploading" });
        let input: IdeogramCharacterInput;
        try {
          input = await hostInputs(job, files);
        } catch (error) {
          await failJob(job, `Your images could not be uploaded to fal. ${classifyFalError(error).userMessage}`, error);
          return;
        }
        await this.startHosted(store.get(job.id) ?? job, input, controller);
      } finally {
        running.delete(job.id);
      }
    },

    /** Runs a job whose inputs are already on fal storage (a reroll). */
    async startHosted(job: Job, input: IdeogramCharacterInput, controller = new AbortController()): Promise<void> {
      running.set(job.id, controller);
      try {
        if (controller.signal.aborted) return;
        const requestId = await submit(job, input);
        if (requestId && !controller.signal.aborted) await follow(store.get(job.id) ?? job, requestId, controller.signal);
      } catch (error) {
        await failJob(job, "Something went wrong on StoryCast's side.", error, "error");
      } finally {
        running.delete(job.id);
      }
    },

    /**
     * Cancels a job: stops following it, cancels it on fal if submitted, and ends the
     * reply. Returns false if the job had already finished.
     */
    async cancel(jobId: string): Promise<boolean> {
      const job = store.get(jobId);
      if (!job || isFinal(job.state.kind) || job.state.kind === "completed") return false;
      const requestId = requestIdOf(job.state);
      if (job.state.kind === "submitting") return false; // the submit is in flight; cancel once it has an id
      store.transition(jobId, { kind: "cancelled", ...(requestId ? { requestId } : {}) });
      running.get(jobId)?.abort();
      if (requestId) {
        await fal.cancel(requestId).catch((error: unknown) => logger.warn({ jobId, requestId, err: error }, "fal cancel failed"));
      }
      await reporter.fail(job, "Cancelled. Nothing more will be generated for this request.");
      return true;
    },

    /**
     * Picks up a job left unfinished by a previous run, from what its row says. A job
     * that was mid-submit is never submitted again: fal may already have charged for it.
     */
    async resume(job: Job): Promise<void> {
      const controller = new AbortController();
      running.set(job.id, controller);
      try {
        switch (job.state.kind) {
          case "pending":
            await failJob(job, "StoryCast restarted before your job reached fal, so nothing was charged. Please run the command again.");
            return;
          case "submitting":
            store.transition(job.id, { kind: "submit_unknown" });
            logger.error({ jobId: job.id }, "restart found a job mid-submit; not resubmitting");
            await reporter.fail(job, "StoryCast restarted while sending your job to fal, so it can't tell whether fal took it. It was not sent again (that could charge twice). If no images appear, please try again.");
            return;
          case "queued":
            logger.info({ jobId: job.id, requestId: job.state.requestId }, "resuming job");
            await follow(job, job.state.requestId, controller.signal);
            return;
          case "completed":
            await deliver(job, job.state.result);
            return;
          default:
            return;
        }
      } catch (error) {
        await failJob(job, "Something went wrong on StoryCast's side.", error, "error");
      } finally {
        running.delete(job.id);
      }
    },

    /** Stops following jobs (they stay in the store, to be resumed on the next start). */
    stopAll(): void {
      for (const controller of running.values()) controller.abort();
    },

    isRunning: (jobId: string) => running.has(jobId),
  };
}

export type JobRunner = ReturnType<typeof createJobRunner>;

function describeDuration(ms: number): string {
  const minutes = ms / 60_000;
  return minutes >= 1 && Number.isInteger(minutes) ? `${minutes} minute${minutes === 1 ? "" : "s"}` : `${Math.round(ms / 1000)} seconds`;
}
