/**
 * A result that came by DM keeps its server's rules: a control pressed on it in the DM (outside
 * any server) is counted and limited by the server the result was made under, not by the
 * outside-server allowance, so a server's daily limit cannot be bypassed from a DM.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makePng } from "../../fakes/fal/index.js";
import type { StoredMessage } from "../../fakes/discord/index.js";
import { actionRows, replyText } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  // USER_DAILY_IMAGES is generous, so only the server's limit can refuse.
  stack = await startStack({ env: { CONFIRM_COST_ABOVE_USD: "off", USER_DAILY_IMAGES: "50" } });
  // Daily limits reset at 00:00 UTC: run at noon UTC so the counts cannot straddle midnight.
  const now = new Date(stack.clock.now());
  const noon = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 12);
  stack.advance((noon > now.getTime() ? noon : noon + 86_400_000) - now.getTime());
});
afterAll(async () => {
  await stack?.stop();
});

const rerollId = (message: StoredMessage) => {
  const buttons = actionRows(message).flatMap((row) => row.components as { label?: string; custom_id?: string }[]);
  return buttons.find((b) => b.label === "Reroll")!.custom_id!;
};

describe("a result delivered by DM", () => {
  it("when its Reroll is pressed in the DM, then the server's daily limit counts it and refuses past it", async () => {
    const { discord, fal } = stack;
    await replyText(discord, discord.command("settings limits", { daily_images: 2 } as never, { user: discord.users.admin }));
    const dm = discord.dmChannel(discord.users.alice.id);

    // The result comes by DM: the token ran out while fal worked, and StoryCast may not post in the channel.
    fal.script({ hold: true });
    const reference = discord.attachment(makePng({ width: 16, height: 16, seed: 5, targetBytes: 1500 }), "hero.png", { contentType: "image/png" });
    discord.command("imagine", { prompt: "a lighthouse keeper", reference }, { user: discord.users.alice });
    await fal.waitFor(() => fal.submits.some((s) => s.requestId), 5000, "the submit");
    const requestId = fal.submits.find((s) => s.requestId)!.requestId!;
    discord.advanceClock(16 * 60 * 1000);
    discord.denyPost(discord.channelId);
    fal.release(requestId);
    const delivered = await discord.waitFor(() => discord.messages(dm).find((m) => m.text.includes(" · job ")), 10_000, "the result by DM");

    // One image made today; the reroll in the DM makes two, which the server allows.
    const first = discord.button(rerollId(delivered), delivered, { user: discord.users.alice });
    const rerolled = await discord.waitFor(() => discord.messages(dm).filter((m) => m.text.includes(" · job ")).at(1), 10_000, "the reroll's result");
    const rerollJob = await stack.app.context.store.get(/job (\S+)/.exec(rerolled.text)![1]!.replace(/\\/g, ""));
    expect(rerollJob?.origin.guildId).toBeNull();
    expect(rerollJob?.rulesServerId).toBe(discord.guildId);
    expect(await stack.app.context.servers.memberImagesSince(discord.guildId, discord.users.alice.id, 0)).toBe(2);
    expect((await first.callback()).type).toBe(5);

    // A third image would pass the server's limit of 2: refused, nothing submitted.
    const submits = fal.submits.length;
    const refused = discord.button(rerollId(delivered), delivered, { user: discord.users.alice });
    expect(await replyText(discord, refused)).toMatch(/Daily limit reached: members may make 2 images a day here; you have made 2 today/);
    expect(fal.submits.length).toBe(submits);
    discord.allowPost(discord.channelId);
  });
});
