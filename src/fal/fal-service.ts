import { createFalClient, type QueueStatus } from "@fal-ai/client";
import type { IdeogramCharacterInput } from "@fal-ai/client/endpoints";
import type { FalResult } from "../domain/job-state.js";
import { withRetry } from "../util/backoff.js";
import { classifyFalError, isRetryableFalError } from "./fal-errors.js";
import { createGuardedFetch } from "./guarded-fetch.js";

export const ENDPOINT = "fal-ai/ideogram/character";

export type FalStatus =
  | { kind: "queued"; position: number | undefined }
  | { kind: "running" }
  | { kind: "done" };

/** The fal operations StoryCast uses, with its own retry policy on each. */
export interface FalService {
  /** Re-hosts an input image on fal storage; returns its URL. */
  upload(bytes: Uint8Array, contentType: string, fileName: string): Promise<string>;
  /** Submits one job and returns fal's request id. Sent at most once: never retried. */
  submit(input: IdeogramCharacterInput): Promise<string>;
  status(requestId: string, signal?: AbortSignal): Promise<FalStatus>;
  /**
   * Follows a job over fal's status stream (one request for the whole wait instead of a
   * poll a second): `onStatus` gets each queue/progress change. Resolves true once fal
   * reports the job completed, false if the stream closed or `signal` aborted before that.
   */
  watch(requestId: string, onStatus: (status: FalStatus) => void, signal: AbortSignal): Promise<boolean>;
  result(requestId: string): Promise<FalResult>;
  cancel(requestId: string): Promise<void>;
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
  const retryRead = { attempts: 4, baseMs: 500, maxMs: 8000, isRetryable: isRetryableFalError };

  return {
    async upload(bytes, contentType, fileName) {
      const file = new File([bytes], fileName, { type: contentType });
      return withRetry(() => fal.storage.upload(file), retryRead);
    },
    async submit(input) {
      const { request_id } = await fal.queue.submit(ENDPOINT, { input, abortSignal: guarded.singleShotSignal() });
      return request_id;
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
      await fal.queue.cancel(ENDPOINT, { requestId });
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
          return readCapped(url, response, MAX_RESULT_IMAGE_BYTES);
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

/**
 * The most bytes read for one result image. Ideogram's images are a few MB; a file much
 * larger is not one Discord would take as an attachment anyway (25 MB without boosts),
 * and reading it whole into memory for several jobs at once could exhaust the process.
 * An image over the cap is linked in the result instead of attached.
 */
export const MAX_RESULT_IMAGE_BYTES = 50 * 1024 * 1024;

/** Reads a response body, stopping (and closing the connection) as soon as it passes `maxBytes`. */
async function readCapped(url: string, response: Response, maxBytes: number): Promise<Buffer> {
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new DownloadTooLargeError(url, maxBytes);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body ?? []) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw new DownloadTooLargeError(url, maxBytes);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

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
