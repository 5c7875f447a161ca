import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeUser } from "../../fakes/discord/index.js";
import { makePng } from "../../fakes/fal/index.js";
import { replyText, waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

// One job at fal at a time, and one more may wait in StoryCast's queue: the third is turned away.
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { MAX_CONCURRENT_JOBS: "1", MAX_QUEUED_JOBS: "1" } });
});
afterAll(async () => {
  await stack?.stop();
});

function imagine(user: FakeUser, prompt: string) {
  const { discord } = stack;
  const reference = discord.attachment(makePng({ width: 16, height: 16, seed: 71, targetBytes: 1500 }), "hero.png", { contentType: "image/png" });
  return discord.command("imagine", { prompt, reference }, { user });
}

describe("MAX_QUEUED_JOBS: a full queue turns newcomers away", () => {
  it("when the queue is full, then a newcomer is told StoryCast is busy, nothing reaches fal and /usage does not count it", async () => {
    const { discord, fal } = stack;
    fal.script({ hold: true }, { hold: true });
    const first = imagine(discord.users.alice, "first, at fal");
    await fal.waitFor(() => fal.submits.length === 1, 5000, "first submit");
    const second = imagine(discord.users.bob, "second, waiting");
    await waitForReply(discord, second, /number 1 in StoryCast's queue/);
    const uploadsBefore = fal.uploads.length;
    const falRequestsBefore = fal.requests.length;

    const third = imagine(discord.users.carol, "third, turned away");
    const text = await replyText(discord, third);
    expect(text).toMatch(/StoryCast is busy — try again in about 1 minute\./);
    const callback = await third.callback();
    expect(callback.data?.flags & 64).toBe(64); // only the newcomer sees it
    await new Promise((resolve) => setTimeout(resolve, 200)); // let a stray job show itself
    expect(fal.uploads.length).toBe(uploadsBefore);
    expect(fal.requests.slice(falRequestsBefore).filter((r) => r.kind === "submit" || r.kind.startsWith("upload"))).toEqual([]);
    expect(fal.submits).toHaveLength(1);
    expect(await replyText(discord, discord.command("usage", {}, { user: discord.users.carol }))).toMatch(/Today \(UTC\): \*\*0\*\* images/);

    // Once the queue has room again, the next request is taken as usual.
    fal.release(fal.submits[0]!.requestId!);
    await waitForReply(discord, first, /posted in the channel/);
    await fal.waitFor(() => fal.submits.length === 2, 5000, "second submit once a slot is free");
    fal.script({ hold: false });
    const fourth = imagine(discord.users.carol, "fourth, room again");
    await fal.waitFor(() => fal.uploads.length > uploadsBefore, 5000, "the fourth job's upload");
    fal.release(fal.submits[1]!.requestId!);
    await waitForReply(discord, second, /posted in the channel/);
    await waitForReply(discord, fourth, /posted in the channel/);
  });
});
