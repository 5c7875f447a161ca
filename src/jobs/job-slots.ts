/**
 * Caps how many jobs run at fal at once. Jobs beyond the cap wait here, in arrival
 * order, and are told their place whenever it changes. A waiting job has paid nothing yet.
 */
export interface JobSlots {
  /** Waits for a free slot; resolves false if the signal aborts first (the job was cancelled). */
  acquire(jobId: string, signal: AbortSignal, onPosition: (position: number) => void): Promise<boolean>;
  /** Runs `task` in a slot (waiting for one first, without position updates). */
  withSlot<T>(task: () => Promise<T>): Promise<T>;
  /** Takes a slot without waiting: for jobs already at fal (resumed after a restart). */
  take(): void;
  release(): void;
  readonly running: number;
  readonly waiting: number;
}

/** What the runner needs of the slots at fal (the deployment-wide ones: shared-job-slots.ts). */
export type FalSlots = Omit<JobSlots, "withSlot">;

export function createJobSlots(max: number): JobSlots {
  let running = 0;
  const queue: { jobId: string; grant: () => void; onPosition: (position: number) => void }[] = [];

  const announce = () => queue.forEach((waiter, index) => waiter.onPosition(index + 1));

  const pump = () => {
    while (running < max && queue.length > 0) {
      const next = queue.shift()!;
      running += 1;
      next.grant();
    }
    announce();
  };

  return {
    acquire(jobId, signal, onPosition) {
      if (signal.aborted) return Promise.resolve(false);
      if (running < max && queue.length === 0) {
        running += 1;
        return Promise.resolve(true);
      }
      return new Promise<boolean>((resolve) => {
        const waiter = {
          jobId,
          onPosition,
          grant: () => {
            signal.removeEventListener("abort", onAbort);
            resolve(true);
          },
        };
        const onAbort = () => {
          const index = queue.indexOf(waiter);
          if (index >= 0) queue.splice(index, 1);
          announce();
          resolve(false);
        };
        signal.addEventListener("abort", onAbort, { once: true });
        queue.push(waiter);
        onPosition(queue.length);
      });
    },
    async withSlot(task) {
      await this.acquire("", new AbortController().signal, () => undefined);
      try {
        return await task();
      } finally {
        this.release();
      }
    },
    take() {
      running += 1;
    },
    release() {
      running = Math.max(0, running - 1);
      pump();
    },
    get running() {
      return running;
    },
    get waiting() {
      return queue.length;
    },
  };
}
