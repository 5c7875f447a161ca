import type { Clock } from "../../src/util/clock.js";

export interface TestClock extends Clock {
  /** Moves this clock forward: every sleep, timeout and scheduled task now due fires at once. */
  advance(ms: number): void;
  /** How far this clock is ahead of real time. */
  readonly offsetMs: number;
}

/**
 * Real time plus an offset that tests move forward. Timers also run on real time, so the
 * bot's short intervals keep working; `advance` makes hours pass in a moment (an outage,
 * a token's 15 minutes, a job's time limit) without a single real sleep.
 */
export function createTestClock(startOffsetMs = 0): TestClock {
  let offset = startOffsetMs;
  const timers = new Set<{ due: number; fire: () => void; real: NodeJS.Timeout }>();
  const now = () => Date.now() + offset;

  function schedule(task: () => void, ms: number): () => void {
    const timer = {
      due: now() + ms,
      fire: () => {
        if (!timers.delete(timer)) return;
        clearTimeout(timer.real);
        task();
      },
      real: setTimeout(() => timer.fire(), Math.max(0, ms)),
    };
    timer.real.unref();
    timers.add(timer);
    return () => {
      timers.delete(timer);
      clearTimeout(timer.real);
    };
  }

  return {
    now,
    schedule,
    sleep: (ms, signal) =>
      new Promise((resolve) => {
        if (signal?.aborted) return resolve();
        const done = () => {
          cancel();
          signal?.removeEventListener("abort", done);
          resolve();
        };
        const cancel = schedule(done, ms);
        signal?.addEventListener("abort", done, { once: true });
      }),
    timeout(ms) {
      const controller = new AbortController();
      schedule(() => controller.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError")), ms);
      return controller.signal;
    },
    advance(ms) {
      offset += ms;
      const at = now();
      for (const timer of [...timers].sort((a, b) => a.due - b.due)) if (timer.due <= at) timer.fire();
    },
    get offsetMs() {
      return offset;
    },
  };
}
