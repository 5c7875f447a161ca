import type { FalInput } from "./fal-endpoints.js";
import type { GenerationSettings } from "./imagine-request.js";
import type { FalResult, JobState } from "./job-state.js";

/** Where a job was asked for and how to answer it. */
export interface JobOrigin {
  userId: string;
  guildId: string | null;
  channelId: string;
  /** The interaction whose reply shows the job; its token allows edits for 15 minutes. */
  applicationId: string;
  interactionToken: string;
  interactionAt: number;
  /** Per-file upload limit Discord gave with the interaction. */
  attachmentSizeLimit: number;
  private: boolean;
  /**
   * StoryCast may answer the interaction but not post in its channel (only a member's install
   * brought it there): results go as follow-ups, then by DM. Absent in origins of older jobs: false.
   */
  interactionOnly?: boolean;
  /**
   * Private because the server made it so, not the member: it has not let members' own apps
   * answer for everyone (Use External Apps), so Discord shows every answer only to them. The
   * result says why. Absent in origins of older jobs: false.
   */
  privateByServer?: boolean;
  /** The first line of the result message, when not the default "Scene for @user" (e.g. a story's scene number). */
  caption?: string;
}

/** One generation: a row in the store before anything is paid for. */
export interface Job {
  id: string;
  createdAt: number;
  updatedAt: number;
  origin: JobOrigin;
  settings: GenerationSettings;
  /** fal's input for the current step, once the input images are hosted on fal storage. */
  falInput: FalInput | null;
  /** A job of more than one fal step (a duo): which step it is at; null for one-step jobs. */
  pipeline: JobPipeline | null;
  state: JobState;
  /** What the job costs, every step at its endpoint's price when it was made (null: a first-release row, priced by speed). */
  costUsd: number | null;
  /** The job this one rerolls, if any. */
  rerollOf: string | null;
  /** Discord messages holding the result (every part posted so far), for the delete button. */
  messageIds: string[];
  /** How the result is split into messages and which parts are already posted; null until delivery starts. */
  delivery: DeliveryPlan | null;
  /** The server whose rules and budgets counted the job; null outside servers. Read from the store (absent in jobs made in code). */
  rulesServerId?: string | null;
}

/**
 * Where a job of several fal steps stands. Its state is the current step's: a step fal finished
 * is recorded here (in the same write that moves the job on to the next step, pending again),
 * so a restart between steps resumes at the next step and never submits a finished one again.
 */
export interface JobPipeline {
  /** The step under way, 1-based. */
  step: number;
  steps: number;
  /** duo: the second character's images on fal storage, hosted with the first step's inputs. */
  second?: { reference: string; mask?: string };
  /** What each step costs, as the member was told before it started (absent in rows from before they were kept). */
  stepCosts?: number[];
  /** Steps fal finished, in order: what each was given and made (its request id was charged). */
  done: FinishedStep[];
}

/** A step of a several-step job that fal finished. */
export interface FinishedStep {
  requestId: string;
  input: FalInput;
  result: FalResult;
}

/** One message of a result: the images it carries and, once posted, where it went. */
export interface DeliveryPart {
  images: number[];
  messageId?: string;
  channelId?: string;
  /** Set just before the part is sent: if no messageId follows, Discord may have it anyway (a crash mid-request). */
  sentAt?: number;
}

/**
 * A result's delivery, fixed before the first part is posted and stored after each part,
 * so a retry (or a restart) posts only the parts still missing: no part appears twice.
 */
export interface DeliveryPlan {
  parts: DeliveryPart[];
  /** Images not attached to any part (too large, or not downloadable): linked in the last part. */
  links: { index: number; reason: "too_large" | "download_failed" }[];
}

/** When fal accepted the job: the start of its time limit (rows from before acceptedAt was kept: their last update). */
export function acceptedAtOf(job: Job): number {
  return job.state.kind === "queued" && job.state.acceptedAt !== undefined ? job.state.acceptedAt : job.updatedAt;
}
