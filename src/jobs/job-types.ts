import type { ImageMime } from "../domain/image-type.js";
import type { FalService } from "../fal/fal-service.js";
import type { Logger } from "../logger.js";
import type { JobStore } from "../store/job-store.js";
import type { Clock } from "../util/clock.js";
import type { JobReporter } from "./job-reporter.js";
import type { FalSlots } from "./job-slots.js";

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

/** A job's input images by role (see HostedInputs in domain/fal-input.ts for what each is). */
export interface InputFiles {
  /** The character (absent only for an upscale). */
  reference?: InputFile | HostedFile;
  mask?: InputFile | HostedFile;
  styleReference?: InputFile;
  /** The image edit, remix and upscale start from. */
  image?: InputFile | HostedFile;
  /** edit: the image's mask, attached or drawn (black repaints, white keeps). */
  imageMask?: InputFile | HostedFile;
  /** duo: the second character, painted in by the second step. */
  second?: { reference: InputFile | HostedFile; mask?: InputFile | HostedFile };
}

/**
 * Fetches (and checks) a job's input files. The runner calls it only once the job holds
 * an upload slot, so a job waiting its turn holds no image bytes. A UserFacingError it
 * throws ends the job with that message.
 */
export type InputLoader = () => Promise<InputFiles>;

export interface JobRunnerDeps {
  store: JobStore;
  fal: FalService;
  reporter: JobReporter;
  slots: FalSlots;
  logger: Logger;
  pollIntervalMs: number;
  jobTimeoutMs: number;
  /** How many jobs may upload their inputs at once, and download-and-post their results at once. */
  concurrentUploads?: number;
  concurrentDeliveries?: number;
  /** Delivery attempts (backing off from deliveryBackoffMs) before waiting redeliveryDelayMs to try again. */
  deliveryAttempts?: number;
  deliveryBackoffMs?: number;
  redeliveryDelayMs?: number;
  /** The bot's clock (time limits, backoff, redelivery); the system clock by default. */
  clock?: Clock;
}

