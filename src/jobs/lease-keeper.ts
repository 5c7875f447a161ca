import type { Job } from "../domain/job.js";
import type { Logger } from "../logger.js";
import type { JobStore } from "../store/job-store.js";
import type { Clock } from "../util/clock.js";

/** Orphans claimed per scan: a burst of takeovers is spread over a few scans instead of one stampede. */
const CLAIM_BATCH = 25;

export interface LeaseKeeperDeps {
  store: Pick<JobStore, "renewLeases" | "claimOrphans">;
  clock: Clock;
  logger: Logger;
  leaseMs: number;
  /** A job this process no longer holds (another process took it over): stop working on it, write nothing. */
  abandon(jobId: string): void;
  /** A job whose process died (its lease ran out): resume it here. */
  resume(job: Job): void;
}

/**
 * Keeps this process's job leases alive and takes over the jobs of processes that died.
 * Renews every third of a lease and scans every quarter, so a dead process's jobs are taken
 * over within about 1.25 leases (25 s with the default 20 s lease).
 */
export function startLeaseKeeper(deps: LeaseKeeperDeps): { stop(): void } {
  const { store, clock, logger, leaseMs } = deps;
  let stopped = false;
  let cancelTimer = () => {};

  async function renew(): Promise<void> {
    for (const jobId of await store.renewLeases()) {
      logger.warn({ jobId }, "another process took this job over (this process's lease ran out); leaving it to that process");
      deps.abandon(jobId);
    }
  }

  async function takeOver(): Promise<void> {
    for (const job of await store.claimOrphans(CLAIM_BATCH)) {
      logger.info({ jobId: job.id, state: job.state.kind }, "taking over a job whose process stopped renewing its lease");
      deps.resume(job);
    }
  }

  const renewEvery = Math.max(250, Math.floor(leaseMs / 3));
  const scanEvery = Math.max(250, Math.floor(leaseMs / 4));
  let nextRenew = clock.now() + renewEvery;
  let nextScan = clock.now() + scanEvery;

  function tick(): void {
    if (stopped) return;
    const now = clock.now();
    const work: Promise<void>[] = [];
    if (now >= nextRenew) {
      nextRenew = now + renewEvery;
      work.push(renew());
    }
    if (now >= nextScan) {
      nextScan = now + scanEvery;
      work.push(takeOver());
    }
    void Promise.all(work)
      .catch((error: unknown) => logger.error({ err: error }, "could not renew or claim job leases; will retry"))
      .finally(() => {
        if (!stopped) cancelTimer = clock.schedule(tick, Math.max(0, Math.min(nextRenew, nextScan) - clock.now()));
      });
  }
  cancelTimer = clock.schedule(tick, Math.min(renewEvery, scanEvery));

  return {
    stop() {
      stopped = true;
      cancelTimer();
    },
  };
}
