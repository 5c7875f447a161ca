import type { IdeogramCharacterInput } from "@fal-ai/client/endpoints";
import type { GenerationSettings } from "./imagine-request.js";
import type { JobState } from "./job-state.js";

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
  /** fal's input, once the input images are hosted on fal storage. */
  falInput: IdeogramCharacterInput | null;
  state: JobState;
  /** The job this one rerolls, if any. */
  rerollOf: string | null;
  /** Discord messages holding the result (every part posted so far), for the delete button. */
  messageIds: string[];
  /** How the result is split into messages and which parts are already posted; null until delivery starts. */
  delivery: DeliveryPlan | null;
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
