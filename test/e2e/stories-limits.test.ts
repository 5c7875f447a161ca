import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makePng } from "../../fakes/fal/index.js";
import { replyText, waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

// Scenes are paid generations: the server's budgets hold for them as for /imagine, checked in
// the transaction that writes the scene's job (the scene's number is written just before it).
let stack: Stack;
let threadId: string;
beforeAll(async () => {
  stack = await startStack();
  // Noon UTC on the test clock, so no midnight can fall between two scenes and reset the day's count.
  const now = new Date(stack.clock.now());
  const noon = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 12);
  stack.advance((noon > now.getTime() ? noon : noon + 86_400_000) - now.getTime());
});
afterAll(async () => {
  await stack?.stop();
});

const scene = (prompt: string) => stack.discord.command("story scene", { prompt } as never, { user: stack.discord.users.bob, channelId: threadId });

describe("story scenes under the server's budgets", () => {
  it("when scenes pass the member's daily limit, one at a time or at once, then the extra ones are refused and the recap lists only those made", async () => {
    const { discord, fal } = stack;
    const bytes = makePng({ width: 20, height: 20, seed: 5, targetBytes: 2000 });
    const save = discord.command("character save", { name: "Mira", reference: discord.attachment(bytes, "mira.png", { contentType: "image/png" }) } as never, { user: discord.users.alice });
    expect(await replyText(discord, save)).toMatch(/Saved/);
    await replyText(discord, discord.command("story start", { title: "Budget Road", character: "Mira" } as never, { user: discord.users.alice }));
    threadId = discord.threads(discord.channelId).at(-1)!.id;
    expect(await replyText(discord, discord.command("settings limits", { daily_images: 2 } as never, { user: discord.users.admin }))).toMatch(/Images per member per day: 2/);

    await waitForReply(discord, scene("the first scene"), /posted in the channel/);
    const submitsBefore = fal.submits.length;
    // One image left today, two scenes asked for at once: exactly one is made.
    const [a, b] = [scene("a racing scene"), scene("another racing scene")];
    const replies = await Promise.all([a, b].map((handle) => waitForReply(discord, handle, /posted in the channel|Daily limit reached/)));
    expect(replies.filter((m) => /Daily limit reached/.test(m.text))).toHaveLength(1);
    await discord.waitFor(() => fal.submits.length === submitsBefore + 1 || undefined, 5000, "the admitted scene's submit");
    expect(await replyText(discord, scene("one scene too many"))).toMatch(/Daily limit reached: members may make 2 images a day here; you have made 2 today/);
    expect(fal.submits).toHaveLength(submitsBefore + 1);

    const recap = await replyText(discord, discord.command("story recap", {}, { user: discord.users.bob, channelId: threadId }));
    const lines = recap.split("\n").filter((line) => /^\*\*\d+\.\*\*/.test(line));
    expect(lines).toHaveLength(2); // the first scene and the one admitted; no line for a refused one
    expect(recap).toContain("the first scene");
    expect(recap).not.toContain("one scene too many");
  });
});
