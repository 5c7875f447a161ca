import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InteractionHandle, StoredMessage } from "../../fakes/discord/index.js";
import { makePng } from "../../fakes/fal/index.js";
import { actionRows, resultMessages, waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

function button(message: StoredMessage, label: string): string {
  const rows = actionRows(message) as { components: { label?: string; custom_id?: string }[] }[];
  const found = rows.flatMap((row) => row.components).find((component) => component.label === label);
  if (!found?.custom_id) throw new Error(`no ${label} button on message: ${JSON.stringify(message.components)}`);
  return found.custom_id;
}

async function delivered(options: Record<string, string | number | boolean> = {}): Promise<{ handle: InteractionHandle; result: StoredMessage }> {
  const { discord } = stack;
  const reference = discord.attachment(makePng({ width: 16, height: 16, seed: 7, targetBytes: 2000 }), "hero.png", { contentType: "image/png" });
  const handle = discord.command("imagine", { prompt: "the hero climbs a tower", reference, seed: 11, count: 2, ...options }, { user: discord.users.alice });
  await waitForReply(discord, handle, /posted in the channel|Scene for/);
  const result = resultMessages(handle).at(-1) ?? handle.original()!;
  return { handle, result };
}

describe("buttons on a result", () => {
  it("when the images a scene was made from expired on fal, then reroll is refused with a clear reason and nothing is submitted", async () => {
    const { discord, fal } = stack;
    const { result } = await delivered();
    const input = fal.submits.at(-1)!.input as { reference_image_urls: string[] };
    fal.expire(input.reference_image_urls[0]!);
    const submits = fal.submits.length;
    const reroll = discord.button(button(result, "Reroll"), result, { user: discord.users.bob });
    const reply = await waitForReply(discord, reroll, /can't be rerolled/);
    expect(reply.text).toMatch(/no longer keeps the images.*Nothing was charged/s);
    expect(fal.submits).toHaveLength(submits);
  });

  it("when another member presses reroll, then it is a new job for them with the same settings and a new seed", async () => {
    const { discord, fal } = stack;
    const { result } = await delivered();
    const first = fal.submits.at(-1)!.input as Record<string, unknown>;
    const reroll = discord.button(button(result, "Reroll"), result, { user: discord.users.bob });
    expect((await reroll.callback()).type).toBe(5);
    await waitForReply(discord, reroll, /posted in the channel/);
    const second = fal.submits.at(-1)!.input as Record<string, unknown>;
    expect(fal.submits.at(-1)!.requestId).not.toBe(fal.submits.at(-2)!.requestId);
    expect(second.seed).not.toBe(first.seed);
    const { seed: _a, ...sameA } = first;
    const { seed: _b, ...sameB } = second;
    expect(sameB).toEqual(sameA); // same prompt, settings and hosted reference: no re-upload
    const rerolled = resultMessages(reroll).at(-1)!;
    expect(rerolled.text).toContain(`<@${discord.users.bob.id}>`);
    expect(rerolled.text).toContain(`seed ${second.seed}`);
  });

  it("when someone else presses delete, then they are refused privately and the result stays", async () => {
    const { discord } = stack;
    const { result } = await delivered();
    const press = discord.button(button(result, "Delete"), result, { user: discord.users.bob });
    const callback = await press.callback();
    expect(callback.type).toBe(4);
    expect(callback.data.flags & 64).toBe(64);
    expect(callback.data.content).toMatch(/Only the member who asked .* Manage Messages/);
    expect(discord.messages().find((m) => m.id === result.id)?.deleted).toBe(false);
  });

  it("when the requester presses delete, then every message of the result is removed", async () => {
    const { discord } = stack;
    const { result } = await delivered();
    const press = discord.button(button(result, "Delete"), result, { user: discord.users.alice });
    expect((await press.callback()).type).toBe(6);
    await discord.waitFor(() => discord.messages().find((m) => m.id === result.id)?.deleted, 5000, "result deleted");
  });

  it("when a member with Manage Messages presses delete, then the result is removed", async () => {
    const { discord } = stack;
    const { result } = await delivered();
    const press = discord.button(button(result, "Delete"), result, { user: discord.users.mod });
    expect((await press.callback()).type).toBe(6);
    await discord.waitFor(() => discord.messages().find((m) => m.id === result.id)?.deleted, 5000, "result deleted by a moderator");
  });

  it("when the requester presses cancel while the job runs, then fal's request is cancelled and the reply says so; others may not", async () => {
    const { discord, fal } = stack;
    fal.script({ hold: true });
    const reference = discord.attachment(makePng({ width: 16, height: 16, seed: 8, targetBytes: 2000 }), "hero.png", { contentType: "image/png" });
    const handle = discord.command("imagine", { prompt: "a long scene", reference }, { user: discord.users.alice });
    const progress = await discord.waitFor(() => {
      const original = handle.original();
      return original && (original.components ?? []).length > 0 && /Generating|queue/.test(original.text) ? original : undefined;
    }, 10_000, "progress with a cancel button");
    const cancelId = button(progress, "Cancel");
    expect(cancelId).toMatch(/^imagine:cancel:/);

    const byBob = discord.button(cancelId, progress, { user: discord.users.bob });
    expect((await byBob.callback()).data.content).toMatch(/Only the member who started this job can cancel it/);

    const byAlice = discord.button(cancelId, progress, { user: discord.users.alice });
    expect((await byAlice.callback()).type).toBe(6);
    await waitForReply(discord, handle, /Cancelled/);
    expect(fal.cancels).toContain(fal.submits.at(-1)!.requestId);
    expect(resultMessages(handle)).toEqual([]);
  });
});
