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

/**
 * How a job talks back to its requester. The Discord implementation edits the
 * interaction reply; it needs only what the job row holds, so it works after a restart.
 */
export interface JobReporter {
  progress(job: Job, progress: Progress): Promise<void>;
  /** Posts the images. Returns the ids of the messages that hold them. */
  deliver(job: Job, result: FalResult, images: ResultImage[]): Promise<string[]>;
  /** Ends the reply with a message for the user. */
  fail(job: Job, message: string): Promise<void>;
}
