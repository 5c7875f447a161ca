import { ApiError, createFalClient, type QueueStatus, type StorageSettings } from "@fal-ai/client";
import { FAL_ENDPOINTS, type FalEndpointId, type FalInput } from "../domain/fal-endpoints.js";
import type { FalResult } from "../domain/job-state.js";
import { withRetry } from "../util/backoff.js";
import { readCapped } from "../util/read-capped.js";
import { systemClock, type Clock } from "../util/clock.js";
import { classifyFalError, isNetworkError, isRetryableFalError } from "./fal-errors.js";
import { createGuardedFetch } from "./guarded-fetch.js";

/**
 * Where status, result and cancel are asked. fal's client builds those URLs from the app's owner
 * and alias only (`fal-ai/ideogram/requests/{id}`), so this one id serves requests submitted to
 * any of StoryCast's endpoints (they are one fal app: see domain/fal-endpoints.ts).
 */
export const ENDPOINT = FAL_ENDPOINTS.character;
/** A file check must not hold up a job: a CDN that does not answer this fast counts as "unknown". */
export const FILE_CHECK_TIMEOUT_MS = 5_000;

export type FalStatus =
  | { kind: "queued"; position: number | undefined }
  | { kind: "running" }
  | { kind: "done" };

/**
 * How long fal keeps a file StoryCast uploads (README "File lifetimes"). Chosen per kind:
 * - saved-character: as long as the installed client can ask for. @fal-ai/client 1.10 turns
 *   `expiresIn: "never"` into no header at all (fal's default, at least 7 days), so "1y" is the
 *   longest lifetime it really sends; the database keeps a copy to re-host from after that.
 * - one-off-input: a day — fal's runner reads it within minutes, and a reroll of the result
 *   reuses it for that long.
 * - private-input: an hour — no longer than the job needs.
 */
export const UPLOAD_LIFETIMES = {
  "saved-character": "1y",
  "one-off-input": "1d",
  "private-input": "1h",
} as const satisfies Record<string, StorageSettings["expiresIn"]>;
export type UploadLifetime = keyof typeof UPLOAD_LIFETIMES;

/**
 * How long fal keeps a job's generated images (X-Fal-Object-Lifecycle-Preference on the submit).
 * StoryCast posts copies to Discord; fal's file is needed to deliver (again, after an outage),
 * and public scenes may be linked from a storybook. Private results: a day, enough to deliver.
 */
export const OUTPUT_LIFETIMES = {
  public: "1y",
  private: "1d",
} as const satisfies Record<string, StorageSettings["expiresIn"]>;
export type OutputLifetime = keyof typeof OUTPUT_LIFETIMES;

/** Whether a fal file URL still serves its file: "gone" when fal answers it is not there (expired). */
export type FileCheck = "live" | "gone" | "unknown";

/** The fal operations StoryCast uses, with its own retry policy on each. */
export interface FalService {
  /** Re-hosts an image on fal storage for the lifetime of its kind; returns its URL. */
  upload(bytes: Uint8Array, contentType: string, fileName: string, lifetime: UploadLifetime): Promise<string>;
  /** One cheap request (HEAD, short timeout): does this fal file URL still serve its file? */
  resolves(url: string): Promise<FileCheck>;
  /** Submits one job step to `endpoint` and returns fal's request id. Sent at most once: never retried. */
  submit(endpoint: FalEndpointId, input: FalInput, outputs: OutputLifetime): Promise<string>;
  status(requestId: string, signal?: AbortSignal): Promise<FalStatus>;
  /**
   * Follows a job over fal's status stream (one request for the whole wait instead of a
   * poll a second): `onStatus` gets each queue/progress change. Resolves true once fal
   * reports the job completed, false if the stream closed or `signal` aborted before that.
   */
  watch(requestId: string, onStatus: (status: FalStatus) => void, signal: AbortSignal): Promise<boolean>;
  result(requestId: string): Promise<FalResult>;
  /** Asks fal to cancel; "already_completed" means fal finished (and charged for) the job first. */
  cancel(requestId: string): Promise<"cancelled" | "already_completed">;
  /** Downloads a result image from fal's CDN, retrying transient failures. */
  download(url: string): Promise<Buffer>;
  /** Asks fal's queue about a request that does not exist: any clean answer means fal is reachable. */
  probe(timeoutMs: number): Promise<"ok" | "unauthorized" | "unreachable">;
}

export interface FalServiceOptions {
  credentials: string;
  proxyUrl?: string | undefined;
  requestTimeoutMs: number;
  /** How long one status stream may stay open before it is reopened. */
  streamMaxMs?: number;
  fetch?: typeof fetch;
  /** Times the file check (resolves); the system clock when not given. */
  clock?: Clock;
}

export function createFalService(options: FalServiceOptions): FalService {
  const guarded = createGuardedFetch(options.requestTimeoutMs, options.fetch, options.streamMaxMs ?? 5 * 60_000);
  const fal = createFalClient({
    credentials: options.credentials,
    fetch: guarded.fetch,
    // Every queue and storage request goes through the proxy when one is configured.
    ...(options.proxyUrl ? { proxyUrl: { url: options.proxyUrl, when: "always" as const } } : {}),
  });
  const baseFetch = options.fetch ?? fetch;
  const clock = options.clock ?? systemClock;
  const retryRead = { attempts: 4, baseMs: 500, maxMs: 8000, isRetryable: isRetryableFalError };

  return {
    async upload(bytes, contentType, fileName, lifetime) {
      const file = new File([bytes], fileName, { type: contentType });
      return withRetry(() => fal.storage.upload(file, { lifecycle: { expiresIn: UPLOAD_LIFETIMES[lifetime] } }), retryRead);
    },
    async resolves(url) {
      try {
        const response = await baseFetch(url, { method: "HEAD", signal: clock.timeout(Math.min(options.requestTimeoutMs, FILE_CHECK_TIMEOUT_MS)) });
        if (response.ok) return "live";
        // 404/410: deleted (fal's CDN answers 404 for an expired file); 403: no longer readable.
        return response.status === 404 || response.status === 410 || response.status === 403 ? "gone" : "unknown";
      } catch {
        return "unknown";
      }
    },
    async submit(endpoint, input, outputs) {
      let answer: { request_id?: unknown };
      try {
        // The endpoint and its input type go together (the caller built the input for that endpoint).
        answer = await fal.queue.submit(endpoint as typeof ENDPOINT, { input: input as Parameters<typeof fal.queue.submit<typeof ENDPOINT>>[1]["input"], abortSignal: guarded.singleShotSignal(), storageSettings: { expiresIn: OUTPUT_LIFETIMES[outputs] } });
      } catch (error) {
        // An HTTP error answer or a transport failure is for the caller to judge; anything else
        // (a 2xx whose body is not JSON) came after fal received the request.
        if (error instanceof ApiError || isNetworkError(error)) throw error;
        throw new SubmitOutcomeUnknownError("fal's answer to the submit could not be read", { cause: error });
      }
      if (typeof answer.request_id !== "string") throw new SubmitOutcomeUnknownError("fal's answer to the submit has no request_id");
      return answer.request_id;
    },
    async status(requestId, signal) {
      return toFalStatus(await fal.queue.status(ENDPOINT, { requestId, logs: false, ...(signal ? { abortSignal: signal } : {}) }));
    },
    async watch(requestId, onStatus, signal) {
      const stream = await fal.queue.streamStatus(ENDPOINT, { requestId, logs: false });
      let completed = false;
      stream.on("data", (data: unknown) => {
        const status = toFalStatus(data as QueueStatus);
        if (status.kind === "done") completed = true;
        else onStatus(status);
      });
      const stop = () => stream.abort();
      signal.addEventListener("abort", stop, { once: true });
      try {
        await stream.done();
        return completed;
      } finally {
        signal.removeEventListener("abort", stop);
      }
    },
    async result(requestId) {
      const { data } = await withRetry(() => fal.queue.result(ENDPOINT, { requestId }), retryRead);
      return {
        seed: typeof data.seed === "number" ? data.seed : undefined,
        images: data.images.map((image) => ({
          url: image.url,
          ...(image.content_type ? { contentType: image.content_type } : {}),
          ...(image.file_name ? { fileName: image.file_name } : {}),
        })),
      };
    },
    async cancel(requestId) {
      try {
        await fal.queue.cancel(ENDPOINT, { requestId });
        return "cancelled";
      } catch (error) {
        // fal queue docs, "Cancel a request": 400 with status ALREADY_COMPLETED when the job finished first.
        if (error instanceof ApiError && (error.body as { status?: unknown } | undefined)?.status === "ALREADY_COMPLETED") return "already_completed";
        throw error;
      }
    },
    async probe(timeoutMs) {
      try {
        await fal.queue.status(ENDPOINT, { requestId: "storycast-reachability-probe", abortSignal: AbortSignal.timeout(timeoutMs) });
        return "ok";
      } catch (error) {
        const failure = classifyFalError(error);
        if (failure.kind === "unauthorized") return "unauthorized";
        return failure.kind === "transient" || (failure.kind === "other" && failure.status === undefined) ? "unreachable" : "ok";
      }
    },
    async download(url) {
      return withRetry(
        async () => {
          const response = await baseFetch(url, { signal: AbortSignal.timeout(options.requestTimeoutMs) });
          if (!response.ok) throw new DownloadError(url, response.status);
          const bytes = await readCapped(response, MAX_RESULT_IMAGE_BYTES);
          if (!bytes) throw new DownloadTooLargeError(url, MAX_RESULT_IMAGE_BYTES);
          return bytes;
        },
        {
          attempts: 3,
          baseMs: 300,
          maxMs: 3000,
          isRetryable: (error) => !(error instanceof DownloadTooLargeError) && (!(error instanceof DownloadError) || error.status >= 500 || error.status === 429),
        },
      );
    },
  };
}

function toFalStatus(status: QueueStatus): FalStatus {
  switch (status.status) {
    case "IN_QUEUE":
      return { kind: "queued", position: status.queue_position };
    case "IN_PROGRESS":
      return { kind: "running" };
    default:
      return { kind: "done" };
  }
}

/** fal received the submit but its answer was unusable: the job may exist (and be charged), so it must not be sent again. */
export class SubmitOutcomeUnknownError extends Error {
  override readonly name = "SubmitOutcomeUnknownError";
}

/**
 * The most bytes read for one result image. Ideogram's images are a few MB; a file much
 * larger is not one Discord would take as an attachment anyway (25 MB without boosts),
 * and reading it whole into memory for several jobs at once could exhaust the process.
 * An image over the cap is linked in the result instead of attached.
 */
export const MAX_RESULT_IMAGE_BYTES = 50 * 1024 * 1024;

/** A result image larger than the cap: not retried, linked instead of attached. */
export class DownloadTooLargeError extends Error {
  constructor(
    readonly url: string,
    readonly maxBytes: number,
  ) {
    super(`download stopped: the image is larger than ${maxBytes} bytes`);
  }
}

export class DownloadError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
  ) {
    super(`download failed with HTTP ${status}`);
  }
}
