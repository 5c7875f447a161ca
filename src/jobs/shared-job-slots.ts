import type { JobStore } from "../store/job-store.js";
import type { Clock } from "../util/clock.js";
import type { FalSlots } from "./job-slots.js";

/** What the deployment-wide cap needs from the store (one locked transaction per call). */
export type FalLine = Pick<JobStore, "enterFal" | "leaveFalLine">;

/**
 * MAX_CONCURRENT_JOBS across every process sharing the database. A slot is a job row at fal
 * (submitting or queued, or granted and about to submit), so a process that dies holds no slot
 * beyond its jobs' real time at fal, and nothing needs releasing by hand. Waiting jobs ask
 * again when a local job leaves fal and at least every `pollMs` (another process's job may
 * have left), and hear their place in the deployment-wide line whenever it changes.
 */
export function createSharedJobSlots(deps: { line: FalLine; cap: number; clock: Clock; pollMs: number }): FalSlots {
  const { line, cap, clock, pollMs } = deps;
  let running = 0;
  let waiting = 0;
  /** This process's waiters, oldest first: a local release wakes only the oldest (the line is first come, first served). */
  const wakers: (() => void)[] = [];

  async function acquire(jobId: string, signal: AbortSignal, onPosition: (position: number) => void): Promise<boolean> {
    waiting += 1;
    let lastPosition = 0;
    try {
      while (!signal.aborted) {
        const answer = await line.enterFal(jobId, cap);
        if (answer.granted) {
          running += 1;
          return true;
        }
        if (answer.position !== lastPosition) onPosition((lastPosition = answer.position));
        // Far back in the line, ask less often: each question is a locked transaction, and the
        // place changes slowly there. Near the front, at least every poll interval (a job of
        // another process may have left fal).
        await waitForTurn(pollMs * Math.min(answer.position, 5), signal);
      }
      await line.leaveFalLine(jobId);
      return false;
    } finally {
      waiting -= 1;
    }
  }

  function waitForTurn(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const stopSleeping = new AbortController();
      const wake = () => {
        const index = wakers.indexOf(wake);
        if (index >= 0) wakers.splice(index, 1);
        stopSleeping.abort();
        resolve();
      };
      wakers.push(wake);
      void clock.sleep(ms, AbortSignal.any([signal, stopSleeping.signal])).then(wake);
    });
  }

  return {
    acquire,
    take() {
      // A resumed job already at fal holds its place by its state (queued): only the local count moves.
      running += 1;
    },
    release() {
      running = Math.max(0, running - 1);
      wakers[0]?.();
    },
    get running() {
      return running;
    },
    get waiting() {
      return waiting;
    },
  };
}
