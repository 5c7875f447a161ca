import type { Logger } from "../logger.js";
import type { Clock } from "../util/clock.js";

export interface LeaseKeeperDeps<T extends { id: string }> {
  /** What the leases are on, for the logs: "job", "storybook". */
  what: string;
  /** Extends this process's leases; resolves with the ids another process has taken over since. */
  renew(): Promise<string[]>;
  /** Claims what no live process holds any more (its lease ran out). */
  claim(): Promise<T[]>;
  clock: Clock;
  logger: Logger;
  leaseMs: number;
  /** Something this process no longer holds (another process took it over): stop working on it, write nothing. */
  abandon(id: string): void;
  /** Something whose process died: finish it here. */
  resume(item: T): void;
}

/**
 * Keeps this process's leases (on jobs, on storybooks being built) alive and takes over those
 * of processes that died. Renews every third of a lease and scans every quarter, so the work of
 * a dead process is taken over within about 1.25 leases (25 s with the default 20 s lease).
 */
export function startLeaseKeeper<T extends { id: string }>(deps: LeaseKeeperDeps<T>): { stop(): void } {
  const { what, clock, logger, leaseMs } = deps;
  let stopped = false;
  let cancelTimer = () => {};

  async function renew(): Promise<void> {
    for (const id of await deps.renew()) {
      logger.warn({ id, what }, `another process took this ${what} over (this process's lease ran out); leaving it to that process`);
      deps.abandon(id);
    }
  }

  async function takeOver(): Promise<void> {
    for (const item of await deps.claim()) {
      logger.info({ id: item.id, what }, `taking over a ${what} whose process stopped renewing its lease`);
      deps.resume(item);
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
      .catch((error: unknown) => logger.error({ err: error, what }, `could not renew or claim ${what} leases; will retry`))
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
