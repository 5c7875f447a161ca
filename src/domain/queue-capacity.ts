import { UserFacingError } from "./errors.js";

/**
 * A rough time one job holds a fal slot (upload, queue at fal, generation, delivery).
 * Ideogram character jobs take tens of seconds; a minute keeps the estimate on the
 * safe side, so members come back once there is room rather than into a full queue.
 */
const MINUTES_PER_JOB_PER_SLOT = 1;

/**
 * Refuses a new job when `waiting` jobs (not yet at fal) already fill the queue. Each
 * waiting job holds memory (its interaction, timers, and in its upload slot the image
 * bytes), so the cap is what keeps a burst from growing the process without bound.
 * Throws before anything is written or sent to fal, so nothing is charged.
 */
export function checkQueueCapacity(queue: { waiting: number; maxQueued: number; concurrency: number }): void {
  if (queue.waiting < queue.maxQueued) return;
  const minutes = busyMinutes(queue.waiting, queue.concurrency);
  throw new UserFacingError(`StoryCast is busy — try again in about ${minutes} minute${minutes === 1 ? "" : "s"}. Nothing was charged.`);
}

/** Minutes until the jobs waiting now have had their turn: they pass through `concurrency` slots at once. At least 1. */
export function busyMinutes(waiting: number, concurrency: number): number {
  return Math.max(1, Math.ceil((waiting / Math.max(1, concurrency)) * MINUTES_PER_JOB_PER_SLOT));
}
