import type { RepliableInteraction } from "discord.js";
import { describe, expect, it } from "vitest";
import { ACK_BUDGET_MS, readWithinAckBudget } from "../../src/discord/ack-within-budget.js";
import { createTestClock } from "../support/test-clock.js";

/** Just what the helper uses of an interaction: whether it is acknowledged, and deferReply. */
function fakeInteraction() {
  const state = { deferred: false, replied: false, defers: 0 };
  const interaction = {
    get deferred() {
      return state.deferred;
    },
    get replied() {
      return state.replied;
    },
    async deferReply() {
      state.defers += 1;
      state.deferred = true;
    },
  } as unknown as RepliableInteraction;
  return { interaction, state };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("store reads before the acknowledgement", () => {
  it("when the reads answer within the budget, then nothing is acknowledged early (bad input still gets its own reply)", async () => {
    const { interaction, state } = fakeInteraction();
    const clock = createTestClock();
    expect(await readWithinAckBudget(interaction, clock, async () => "settings")).toBe("settings");
    clock.advance(ACK_BUDGET_MS * 2);
    expect(state.defers).toBe(0);
  });

  it("when a busy database makes the reads wait past the budget, then the interaction is deferred meanwhile, once, and the read's answer still comes back", async () => {
    const { interaction, state } = fakeInteraction();
    const clock = createTestClock();
    let answer: (value: string) => void = () => undefined;
    const reading = readWithinAckBudget(interaction, clock, () => new Promise<string>((resolve) => (answer = resolve)));
    // Half the budget, not all of it but a millisecond: the test clock also runs on real time, and a
    // millisecond of it may pass between starting the read and moving the clock.
    clock.advance(ACK_BUDGET_MS / 2);
    await tick();
    expect(state.defers).toBe(0);
    clock.advance(ACK_BUDGET_MS / 2);
    await tick();
    expect(state.defers).toBe(1);
    answer("late settings");
    expect(await reading).toBe("late settings");
    // A second read past the budget does not acknowledge twice.
    const again = readWithinAckBudget(interaction, clock, () => new Promise<string>((resolve) => clock.schedule(() => resolve("x"), ACK_BUDGET_MS * 2)));
    clock.advance(ACK_BUDGET_MS * 2);
    expect(await again).toBe("x");
    expect(state.defers).toBe(1);
  });

  it("when the read fails, then the failure comes back (to be reported) and nothing is deferred", async () => {
    const { interaction, state } = fakeInteraction();
    await expect(readWithinAckBudget(interaction, createTestClock(), async () => Promise.reject(new Error("pool closed")))).rejects.toThrow("pool closed");
    expect(state.defers).toBe(0);
  });
});
