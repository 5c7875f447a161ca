import type { Job } from "../domain/job.js";
import type { FalResult } from "../domain/job-state.js";

/** Where a job stands, for the progress line the requester sees. */
export type Progress =
  | { phase: "uploading" }
  | { phase: "waiting"; position: number }
  | { phase: "queued"; position: number | undefined; elapsedMs: number }
  | { phase: "generating"; elapsedMs: number }
  | { phase: "downloading"; elapsedMs: number };

export interface ResultImage {
  index: number;
  url: string;
  /** Undefined when the download failed after retries: the image is linked instead. */
  bytes: Buffer | undefined;
  contentType: string;
}

/** One message of a result, as the runner planned it (see DeliveryPlan). */
export interface ResultPart {
  index: number;
  total: number;
  /** The images attached to this message (all downloaded). */
  files: (ResultImage & { bytes: Buffer })[];
  /** Images linked instead of attached, with why. */
  links: { image: ResultImage; reason: "too_large" | "download_failed" }[];
}

/** Where a posted part went (for Delete, and so a retry skips it). */
export interface PostedPart {
  messageId: string;
  channelId: string;
}

/**
 * Discord refused a delivery in a way that retrying cannot fix (the channel is gone, the
 * bot may not post there and the member does not accept DMs). Ends the fallback chain.
 */
export class UndeliverableError extends Error {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
    this.name = "UndeliverableError";
  }
}

/**
 * How a job talks back to its requester. The Discord implementation edits the
 * interaction reply; it needs only what the job row holds, so it works after a restart.
 */
export interface JobReporter {
  progress(job: Job, progress: Progress): Promise<void>;
  /**
   * Posts one part of a result. Throws UndeliverableError when Discord will never take it;
   * any other error is worth a retry.
   */
  postPart(job: Job, result: FalResult, part: ResultPart): Promise<PostedPart>;
  /**
   * Looks for a part that was sent but whose answer never came back (the process died or the
   * connection dropped mid-request): Discord may have posted it. Undefined when not found.
   */
  findPostedPart(job: Job, part: { index: number; total: number }): Promise<PostedPart | undefined>;
  /** Every part is posted: closes the reply (e.g. "Done: 4 images posted"). Best effort. */
  finishDelivery(job: Job, imageCount: number): Promise<void>;
  /** Ends the reply with a message for the user. */
  fail(job: Job, message: string): Promise<void>;
}
