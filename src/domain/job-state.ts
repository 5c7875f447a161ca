/**
 * A job's life, written to the store BEFORE the action it guards, so that after a
 * crash the row says what may have happened:
 *
 *   pending ──► submitting ──► queued ──► completed ──► delivered
 *      │            │            │            │
 *      │            └──► submit_unknown       │      (crash mid-submit: never resubmitted)
 *      └──────────────┴──► failed / cancelled ┘
 *
 * - pending: the row exists; input images are being re-hosted. Nothing paid yet.
 * - submitting: the submit is about to be sent. A crash here leaves it unknown whether
 *   fal accepted (and charged) it, so a restart marks it submit_unknown and tells the
 *   user instead of submitting again.
 * - queued: fal accepted it; its request id is stored; status and result can be
 *   fetched by that id at any time, also after a restart.
 * - completed: fal's result is stored; delivery to Discord is pending.
 * - delivered / failed / cancelled / submit_unknown: final.
 */
export type JobState =
  | { kind: "pending" }
  | { kind: "submitting" }
  | { kind: "queued"; requestId: string }
  | { kind: "completed"; requestId: string; result: FalResult }
  | { kind: "delivered"; requestId: string; result: FalResult }
  | { kind: "failed"; reason: string; requestId?: string }
  | { kind: "cancelled"; requestId?: string }
  | { kind: "submit_unknown" };

export type JobStateKind = JobState["kind"];

/** What fal returned for a finished job: image URLs on fal's CDN and the seed used. */
export interface FalResult {
  seed: number | undefined;
  images: { url: string; contentType?: string; fileName?: string }[];
}

const NEXT: Record<JobStateKind, readonly JobStateKind[]> = {
  pending: ["submitting", "failed", "cancelled"],
  submitting: ["queued", "failed", "submit_unknown"],
  queued: ["completed", "failed", "cancelled"],
  completed: ["delivered", "failed"],
  delivered: [],
  failed: [],
  cancelled: [],
  submit_unknown: [],
};

export function canTransition(from: JobStateKind, to: JobStateKind): boolean {
  return NEXT[from].includes(to);
}

export function isFinal(kind: JobStateKind): boolean {
  return NEXT[kind].length === 0;
}

export function requestIdOf(state: JobState): string | undefined {
  return "requestId" in state ? state.requestId : undefined;
}
