import { systemClock, type Clock } from "./clock.js";

/** Exponential backoff with ±25% jitter, so retries from many jobs don't arrive together. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(baseMs * 2 ** attempt, maxMs);
  return Math.max(0, exponential + exponential * 0.25 * (random() * 2 - 1));
}

/**
 * Runs `operation` until it succeeds, `isRetryable` says no, or `attempts` are used up;
 * throws the last error. Only for operations that are safe to repeat (reads, downloads).
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  options: { attempts: number; baseMs: number; maxMs: number; isRetryable: (error: unknown) => boolean; signal?: AbortSignal; clock?: Clock },
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt + 1 >= options.attempts || !options.isRetryable(error) || options.signal?.aborted) throw error;
      await (options.clock ?? systemClock).sleep(backoffDelay(attempt, options.baseMs, options.maxMs), options.signal);
    }
  }
}
