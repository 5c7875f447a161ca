/**
 * The one source of time for the bot. Everything that measures or waits (job time limits,
 * token expiry, backoff, redelivery, shutdown deadlines) asks the clock, so tests can move
 * time instead of sleeping (see test/support/test-clock.ts).
 */
export interface Clock {
  now(): number;
  /** Resolves after `ms` of this clock's time, or as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** A signal that aborts (with a TimeoutError) after `ms` of this clock's time. */
  timeout(ms: number): AbortSignal;
  /** Runs `task` after `ms` of this clock's time; never keeps the process alive. Returns a cancel function. */
  schedule(task: () => void, ms: number): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      }
      signal?.addEventListener("abort", done, { once: true });
    }),
  timeout: (ms) => AbortSignal.timeout(ms),
  schedule(task, ms) {
    const timer = setTimeout(task, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};
