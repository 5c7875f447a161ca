/**
 * Runs tasks one at a time per key, in arrival order; different keys run side by side. Used in
 * front of a database lock: tasks of this process that would wait for the same lock wait here
 * instead, so each holds a pooled connection only once it is its turn, and a burst for one key
 * cannot take every connection of the pool while the other requests (other servers, reads)
 * need one.
 */
export function createKeyedQueue() {
  const tails = new Map<string, Promise<unknown>>();
  return function run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    tails.set(key, tail);
    // Forget the key once nothing more is queued behind this task.
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return result;
  };
}
