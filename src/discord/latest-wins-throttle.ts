/**
 * Sends at most one update per key every `intervalMs`, and never more than one at a
 * time; updates pushed meanwhile replace each other, and the latest is sent when the
 * interval has passed. So a burst of progress changes costs one edit, and the last
 * state (e.g. "you are number 1 in the queue") is never dropped.
 */
export function createLatestWinsThrottle<T>(intervalMs: number, send: (key: string, value: T) => Promise<void>, now: () => number = Date.now) {
  interface Slot {
    pending: T | undefined;
    lastSentAt: number;
    sending: boolean;
    timer: NodeJS.Timeout | undefined;
  }
  const slots = new Map<string, Slot>();

  function schedule(key: string, slot: Slot) {
    if (slot.timer || slot.sending || slot.pending === undefined) return;
    slot.timer = setTimeout(() => void flush(key, slot), Math.max(0, slot.lastSentAt + intervalMs - now()));
  }

  async function flush(key: string, slot: Slot) {
    slot.timer = undefined;
    if (slots.get(key) !== slot || slot.pending === undefined) return;
    const value = slot.pending;
    slot.pending = undefined;
    slot.sending = true;
    slot.lastSentAt = now();
    try {
      await send(key, value);
    } finally {
      slot.sending = false;
      schedule(key, slot);
    }
  }

  return {
    push(key: string, value: T): void {
      const slot = slots.get(key) ?? { pending: undefined, lastSentAt: 0, sending: false, timer: undefined };
      slots.set(key, slot);
      slot.pending = value;
      schedule(key, slot);
    },
    /** Drops what is pending for a key and forgets it (its final message is on the way). */
    cancel(key: string): void {
      const slot = slots.get(key);
      if (slot?.timer) clearTimeout(slot.timer);
      slots.delete(key);
    },
  };
}
