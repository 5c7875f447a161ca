import type { Job } from "../domain/job.js";
import { canTransition, type JobState } from "../domain/job-state.js";
import type { JobStore } from "../store/job-store.js";

/**
 * Moves a job to `state` unless another writer moved it first to a state that forbids the
 * move (a cancel racing the follower, a second delivery): then resolves undefined, and the
 * caller steps aside. The store checks and writes atomically; an await between a caller's
 * read and its write means losing that race is normal, not an error. Any other failure
 * (the database itself) still rejects.
 */
export async function transitionIfAllowed(store: JobStore, id: string, state: JobState): Promise<Job | undefined> {
  try {
    return await store.transition(id, state);
  } catch (error) {
    const current = await store.get(id);
    if (current && !canTransition(current.state.kind, state.kind)) return undefined;
    throw error;
  }
}
