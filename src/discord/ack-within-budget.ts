import { MessageFlags, type RepliableInteraction } from "discord.js";
import type { Clock } from "../util/clock.js";

/**
 * How long store reads may hold up an acknowledgement. Discord wants one within 3 s. The reads
 * before it (settings, a saved character, the story) take milliseconds, but on a busy shared
 * database they can wait for a pooled connection; past this budget the interaction is deferred
 * (ephemeral) meanwhile, and whatever follows edits that reply instead of making a new one.
 */
export const ACK_BUDGET_MS = 400;

/** Runs `read`; if it is still running after ACK_BUDGET_MS, acknowledges the interaction meanwhile. */
export async function readWithinAckBudget<T>(interaction: RepliableInteraction, clock: Clock, read: () => Promise<T>): Promise<T> {
  const reading = read();
  const first = await settlesWithinBudget(clock, reading);
  if (first === "slow") await deferEphemeralOnce(interaction);
  return reading;
}

/** The ephemeral "thinking…" acknowledgement, unless the interaction already has one. */
export async function deferEphemeralOnce(interaction: RepliableInteraction): Promise<void> {
  if (!interaction.deferred && !interaction.replied) await interaction.deferReply({ flags: MessageFlags.Ephemeral });
}

/**
 * A read before a modal, which must be the interaction's first answer (no defer can come before
 * it) within Discord's 3 s: its value when it answers within ACK_BUDGET_MS, else undefined, and
 * the modal is shown without it (its submit must check again). A failure within the budget is thrown.
 */
export async function readBeforeModal<T>(clock: Clock, read: () => Promise<T>): Promise<T | undefined> {
  const reading = read();
  const first = await settlesWithinBudget(clock, reading);
  if (first === "slow") {
    reading.catch(() => undefined); // too late to matter; the submit reads again
    return undefined;
  }
  return reading;
}

/** Whether `reading` settles (either way) within ACK_BUDGET_MS on the clock. */
async function settlesWithinBudget(clock: Clock, reading: Promise<unknown>): Promise<"done" | "slow"> {
  let cancel = () => {};
  const slow = new Promise<"slow">((resolve) => {
    cancel = clock.schedule(() => resolve("slow"), ACK_BUDGET_MS);
  });
  const first = await Promise.race([reading.then(() => "done" as const, () => "done" as const), slow]);
  cancel();
  return first;
}
