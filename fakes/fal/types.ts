// Public types of the fake fal (queue + storage + CDN). See index.ts for the overview.

export type FalRequestKind =
  | "submit"
  | "status"
  | "status-stream"
  | "result"
  | "cancel"
  | "upload-initiate"
  | "upload-put"
  | "cdn"
  | "unknown";

/** One entry per HTTP request that reached the fake, in arrival order. */
export interface FalRequestRecord {
  kind: FalRequestKind;
  method: string;
  /** The x-fal-target-url for proxied requests, else the full URL that was requested. */
  target: string;
  /** HTTP status answered; 0 while not answered yet, and for "hang"/"reset" failures. */
  status: number;
  /** Date.now() on arrival. */
  at: number;
  requestId?: string;
  /** For files (CDN): body bytes handed to the connection so far (a client that stops reading is sent no more). */
  bytesSent?: number;
}

/** Every submit the fake's queue handled (i.e. not swallowed by a failNext before handling), accepted or not. */
export interface SubmitRecord {
  /** Set when the queue accepted the request. */
  requestId?: string;
  /** Path of the target URL without the leading slash: the endpoint submitted to, e.g. "fal-ai/ideogram/character" or "fal-ai/ideogram/character/edit". */
  endpointId: string;
  /** Parsed JSON body (the raw text when it was not JSON). */
  input: unknown;
  /** What the queue answered (see FalRequestRecord.status for what went on the wire). */
  status: number;
  at: number;
  /** The X-Fal-Object-Lifecycle-Preference the submit carried for its outputs; absent when none (fal's default). */
  outputLifecycle?: UploadLifecycle;
}

export interface UploadRecord {
  fileUrl: string;
  contentType: string;
  bytes: Buffer;
  /** The lifetime the upload asked for (X-Fal-Object-Lifecycle on initiate); absent when it asked for none (fal's default). */
  lifecycle?: UploadLifecycle;
}

/** A parsed lifecycle header: X-Fal-Object-Lifecycle (uploads) or X-Fal-Object-Lifecycle-Preference (a submit's outputs). */
export interface UploadLifecycle {
  /** expiration_duration_seconds; null means "keep" where fal accepts it, undefined when the header did not say. */
  expirationSeconds: number | null | undefined;
  /** The header as sent. */
  raw: string;
}

export type FailNextFailure =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | "hang" // never answers; the socket is destroyed by close()
  | "reset" // destroys the socket without answering (client sees a network error)
  /**
   * Handles the request as usual (a submit creates the job), then answers with the real
   * status line and a Content-Length for the whole JSON body, writes only part of the body
   * and destroys the socket: "fal said 200 but the connection dropped while the body was read".
   * Always applied after handling, whatever `afterHandling` says.
   */
  | "reset-mid-body";

export interface FailNextOptions {
  /**
   * Run the normal handler first (side effects happen: a submit creates the job, a cancel
   * cancels) and only then replace the answer by the failure — "fal did it but the answer
   * was lost". Default false (the failure is applied before normal handling).
   * Ignored for "status-stream".
   */
  afterHandling?: boolean;
  /** Only requests whose target URL matches fail (e.g. one image on the CDN); others pass untouched. */
  target?: RegExp;
}

export type JobState = "IN_QUEUE" | "IN_PROGRESS" | "COMPLETED";

export interface JobScript {
  /** IN_QUEUE positions reported, one per status read / stream tick; then the job moves on. Default []. */
  queuePositions?: number[];
  /** Or time-based: stays IN_QUEUE this long after submit, queue_position = whole 100 ms slices left. Default 0. */
  queueMs?: number;
  /** IN_PROGRESS duration. Default 50. */
  runMs?: number;
  /** Approximate size of each generated PNG. Default 2048 (never below what the dimensions need, ≈ w*h/1000 + 1 KB). */
  imageBytes?: number;
  /** Seed reported in the output. Default: input.seed ?? a random int. */
  seed?: number;
  /** Result answer. Default "ok". */
  outcome?: "ok" | { status: number; body: unknown };
  /** The submit itself fails with this answer (applied after the key check, before input validation). */
  submitError?: { status: number; body?: unknown };
  /** Stay IN_PROGRESS until release(requestId) (and at least runMs). */
  hold?: boolean;
}

export interface FakeFalJob {
  state: JobState;
  cancelled: boolean;
  input: unknown;
  endpointId: string;
}

export interface StartFakeFalOptions {
  /** The only API key accepted. Default "test-fal-key". */
  key?: string;
  /**
   * When input validation errors are reported. "submit" (default): the submit answers 422.
   * "result": the submit is accepted and the job's result answers 422 — how fal's queue
   * behaves for apps that validate in the runner; the bot should cope with both.
   */
  validateAt?: "submit" | "result";
  /** Interval of the status stream's state checks. Default 20 ms. */
  streamTickMs?: number;
}

export interface FakeFal {
  /** Proxy base, e.g. "http://127.0.0.1:PORT/proxy" → the bot's FAL_PROXY_URL. */
  readonly url: string;
  /** "http://127.0.0.1:PORT" — the upload and CDN URLs live under it. */
  readonly origin: string;
  readonly key: string;
  readonly submits: SubmitRecord[];
  readonly requests: FalRequestRecord[];
  /** Request ids whose cancel the queue accepted (202). */
  readonly cancels: string[];
  /** Bytes the client PUT to an upload_url (host() and generated images are not listed). */
  readonly uploads: UploadRecord[];
  /** Behaviour for the next submits (FIFO, one entry per submit the queue handles); when empty, `defaults` applies. Entries are merged over `defaults`. */
  script(...jobs: JobScript[]): void;
  defaults: JobScript;
  /** Fail the next `count` requests of `kind` (queued after earlier failNext calls of that kind). */
  failNext(kind: FalRequestKind, count: number, failure: FailNextFailure, opts?: FailNextOptions): void;
  /** Forget failures queued with failNext that no request has used up. */
  clearFailures(): void;
  /** Put bytes on the CDN and get their URL. */
  host(bytes: Buffer, contentType: string, fileName?: string): string;
  /** Deletes a CDN file as if its lifetime ended: its URL answers 404 from then on. Throws for a URL the fake does not serve. */
  expire(url: string): void;
  job(requestId: string): FakeFalJob | undefined;
  /** The most jobs ever in flight at once (submitted, not yet completed or cancelled: queued or running). */
  peakInFlight(): number;
  /** Let a `hold: true` job complete (after its runMs). Throws for an unknown id. */
  release(requestId: string): void;
  /** Resolves when pred() holds (checked every 10 ms); rejects after timeoutMs (default 5000) with a summary of recent requests. */
  waitFor(pred: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  close(): Promise<void>;
}
