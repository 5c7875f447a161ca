/**
 * A job's life, written to the store BEFORE the action it guards, so that after a
 * crash the row says what may have happened:
 *
 *   pending ──► submitting ──► queued ──► completed ──► delivered
 *      │            │            │            │
 *      │            └──► submit_unknown       ├──► undeliverable (Discord will never take it)
 *      └──────────────┴──► failed / cancelled ┘      (crash mid-submit: never resubmitted)
 *
 * - pending: the row exists; input images are being re-hosted. Nothing paid yet.
 * - submitting: the submit is about to be sent. A crash here leaves it unknown whether
 *   fal accepted (and charged) it, so a restart marks it submit_unknown and tells the
 *   user instead of submitting again.
 * - queued: fal accepted it at `acceptedAt`; its request id is stored; status and result
 *   can be fetched by that id at any time, also after a restart. The job time limit
 *   counts from `acceptedAt`: time spent waiting in StoryCast's own queue is not fal's.
 * - completed: fal's result is stored; delivery to Discord is pending.
 * - undeliverable: fal's result is stored but Discord refused every way to post it for
 *   good (the channel is gone, the bot may not post there, the member does not take DMs).
 * - delivered / failed / cancelled / submit_unknown / undeliverable: final.
 */
export type JobState =
  | { kind: "pending" }
  | { kind: "submitting" }
  | { kind: "queued"; requestId: string; /** When fal accepted the submit (absent in rows written before it was kept). */ acceptedAt?: number }
  | { kind: "completed"; requestId: string; result: FalResult }
  | { kind: "delivered"; requestId: string; result: FalResult }
  | { kind: "failed"; reason: string; requestId?: string }
  | { kind: "cancelled"; requestId?: string }
  | { kind: "submit_unknown" }
  | { kind: "undeliverable"; requestId: string; result: FalResult; reason: string };

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
  completed: ["delivered", "failed", "undeliverable"],
  delivered: [],
  failed: [],
  cancelled: [],
  submit_unknown: [],
  undeliverable: [],
};

export const ALL_STATE_KINDS = Object.keys(NEXT) as JobStateKind[];

export function canTransition(from: JobStateKind, to: JobStateKind): boolean {
  return NEXT[from].includes(to);
}

export function isFinal(kind: JobStateKind): boolean {
  return NEXT[kind].length === 0;
}

export function requestIdOf(state: JobState): string | undefined {
  return "requestId" in state ? state.requestId : undefined;
}
