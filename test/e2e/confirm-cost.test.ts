import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONFIRM_TIMEOUT_MS } from "../../src/discord/confirm-cost.js";
import { discordErrors, type FakeUser, type InteractionHandle, type StoredMessage } from "../../fakes/discord/index.js";
import { makePng } from "../../fakes/fal/index.js";
import { actionRows, replyEdits, replyText, resultMessages, waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

// The default threshold (CONFIRM_COST_ABOVE_USD unset: $0.50) and prices (Balanced $0.15, Quality $0.20).
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

function imagine(options: Record<string, string | number | boolean>, user: FakeUser = stack.discord.users.alice): InteractionHandle {
  const { discord } = stack;
  const reference = discord.attachment(makePng({ width: 16, height: 16, seed: 21, targetBytes: 1500 }), "hero.png", { contentType: "image/png" });
  return discord.command("imagine", { prompt: "the hero at sea", reference, ...options }, { user });
}

/** The price offer, once the reply shows it. */
function offer(handle: InteractionHandle): Promise<StoredMessage> {
  return waitForReply(stack.discord, handle, /This will cost/);
}

function button(message: StoredMessage, label: RegExp): string {
  const rows = actionRows(message) as { components: { label?: string; custom_id?: string }[] }[];
  const found = rows.flatMap((row) => row.components).find((component) => component.label !== undefined && label.test(component.label));
  if (!found?.custom_id) throw new Error(`no ${label} button on message: ${JSON.stringify(message.components)}`);
  return found.custom_id;
}

/** Presses a button on a price offer as `user` and waits for its acknowledgement. */
async function discordPress(message: StoredMessage, label: RegExp, user: FakeUser = stack.discord.users.alice): Promise<void> {
  const press = stack.discord.button(button(message, label), message, { user });
  expect((await press.callback()).type).toBe(6);
}

/** Nothing was written or paid for: no job counts for anyone, none is unfinished, and fal saw no request since `falRequests`. */
async function nothingCharged(falRequests: number): Promise<void> {
  const { app, discord, fal } = stack;
  expect(await app.context.store.unfinished()).toEqual([]);
  for (const user of [discord.users.alice, discord.users.bob]) expect(await app.context.servers.memberImagesSince(discord.guildId, user.id, 0)).toBe(0);
  expect(fal.requests.length).toBe(falRequests);
}

describe("confirming the price of a costly request", () => {
  it("when a request costs no more than the threshold, then it runs without asking", async () => {
    const { discord, fal } = stack;
    const handle = imagine({ count: 3 }, discord.users.carol); // 3 × $0.15 = $0.45
    await waitForReply(discord, handle, /posted in the channel/);
    expect(replyEdits(discord, handle).some((text) => /This will cost/.test(text))).toBe(false);
    expect(fal.submits.at(-1)!.input).toMatchObject({ num_images: 3, rendering_speed: "BALANCED" });
  });

  it("when a request costs more, then the reply shows the price and its breakdown, and nothing is written or submitted until Generate", async () => {
    const { discord, fal } = stack;
    const falRequests = fal.requests.length;
    const handle = imagine({ count: 4 }); // 4 × $0.15 = $0.60
    const shown = await offer(handle);
    expect(shown.ephemeral).toBe(true);
    expect(shown.text).toContain("This will cost **$0.60** (4 images × $0.15 Balanced)");
    expect(shown.text).toMatch(/Nothing is charged unless you press \*\*Generate\*\*\. This offer ends <t:\d+:R>/);
    const generate = button(shown, /^Generate for \$0\.60$/);
    button(shown, /^Cancel$/);
    await nothingCharged(falRequests);

    // Another member cannot answer it.
    const byBob = discord.button(generate, shown, { user: discord.users.bob });
    const refused = await byBob.callback();
    expect(refused.type).toBe(4);
    expect(refused.data.flags & 64).toBe(64);
    expect(refused.data.content).toMatch(/Only the member who made this request can confirm or cancel it/);
    await nothingCharged(falRequests);

    // Pressed twice in a row (a double click): one job, and the second press is told so.
    const presses = [discord.button(generate, shown, { user: discord.users.alice }), discord.button(generate, shown, { user: discord.users.alice })];
    const answers = await Promise.all(presses.map((press) => press.callback()));
    const accepted = answers.findIndex((answer) => answer.type === 6); // deferUpdate, well within Discord's 3 s
    expect(answers[accepted]!.at - presses[accepted]!.dispatchedAt).toBeLessThan(3000);
    const told = answers[1 - accepted]!;
    expect(told.type).toBe(4);
    expect(told.data.content).toMatch(/Already confirmed: your request is under way/);
    await waitForReply(discord, handle, /posted in the channel/);
    expect(fal.submits.at(-1)!.input).toMatchObject({ num_images: 4, rendering_speed: "BALANCED" });
    expect(fal.submits.filter((s) => (s.input as { num_images?: number }).num_images === 4)).toHaveLength(1);
    expect(await stack.app.context.servers.memberImagesSince(discord.guildId, discord.users.alice.id, 0)).toBe(4);
    expect(replyEdits(discord, handle)).toContain("✅ Confirmed: $0.60. Starting…");
    // The offer's buttons are gone: the reply is the job's now.
    expect(JSON.stringify(handle.original()!.components ?? [])).not.toContain("confirm:");
  });
});

describe("a price offer that is not accepted", () => {
  // A fresh bot and store: the checks below count every job, and the describe above made some.
  beforeAll(async () => {
    await stack.stop();
    stack = await startStack();
  });

  it("when the requester presses Cancel, then nothing is written or submitted and the reply says nothing was charged", async () => {
    const { discord, fal } = stack;
    const falRequests = fal.requests.length;
    const handle = imagine({ count: 3, speed: "QUALITY" }); // 3 × $0.20 = $0.60
    const shown = await offer(handle);
    expect(shown.text).toContain("This will cost **$0.60** (3 images × $0.20 Quality)");
    const cancel = discord.button(button(shown, /^Cancel$/), shown, { user: discord.users.alice });
    expect((await cancel.callback()).type).toBe(6);
    const reply = await waitForReply(discord, handle, /Cancelled/);
    expect(reply.text).toBe("Cancelled: nothing was generated and nothing was charged.");
    expect(reply.components ?? []).toEqual([]);
    await nothingCharged(falRequests);
  });

  it("when nobody answers within the timeout, then it ends the same way, and a late press starts nothing", async () => {
    const { discord, fal } = stack;
    const falRequests = fal.requests.length;
    const handle = imagine({ count: 5 });
    const shown = await offer(handle);
    const generate = button(shown, /^Generate for \$0\.75$/);
    stack.advance(CONFIRM_TIMEOUT_MS - 1000);
    expect(handle.original()!.text).toMatch(/This will cost/); // still waiting just before the end
    stack.advance(1000);
    // A press already on its way as the offer ends (sent before its message lost the buttons).
    const late = discord.button(generate, shown, { user: discord.users.alice });
    const reply = await waitForReply(discord, handle, /No answer within 5 minutes/);
    expect(reply.text).toMatch(/nothing was generated and nothing was charged\. Run the command again/);
    expect(reply.components ?? []).toEqual([]);
    expect((await late.callback()).data.content).toMatch(/No answer within 5 minutes/);
    await nothingCharged(falRequests);
  });

  it("when the bot stops while an offer waits, then the reply says nothing was charged; a button left from before a restart answers that it expired", async () => {
    const { discord, fal } = stack;
    const falRequests = fal.requests.length;
    const stopped = imagine({ count: 6 });
    await offer(stopped);
    // This one's closing edit fails (as if Discord were unreachable while the bot stopped): its buttons stay.
    const crashed = imagine({ count: 7 }, discord.users.bob);
    const stale = await offer(crashed);
    discord.failNext({ method: "PATCH", path: new RegExp(`/webhooks/\\d+/${crashed.token}/messages/@original$`), error: discordErrors.unknownWebhook() });

    await stack.restart();
    expect(stopped.original()!.text).toMatch(/StoryCast is restarting.*nothing was charged/s);
    expect(stopped.original()!.components ?? []).toEqual([]);
    expect(crashed.original()!.text).toMatch(/This will cost/);

    const press = discord.button(button(stale, /^Generate/), stale, { user: discord.users.bob });
    const answer = await press.callback();
    expect(answer.type).toBe(7); // the offer's own message changes, and loses its buttons
    expect(answer.data.content).toMatch(/expired.*nothing was charged\. Run the command again/s);
    expect(crashed.original()!.components ?? []).toEqual([]);
    await nothingCharged(falRequests);
  });

  it("when a /story scene costs more than the threshold, then it waits for Generate too, and a cancelled scene is never numbered", async () => {
    const { discord, fal } = stack;
    const bytes = makePng({ width: 20, height: 20, seed: 9, targetBytes: 2000 });
    expect(await replyText(discord, discord.command("character save", { name: "Mira", reference: discord.attachment(bytes, "mira.png", { contentType: "image/png" }) } as never))).toMatch(/Saved/);
    await replyText(discord, discord.command("story start", { title: "Costly Tale", character: "Mira", speed: "QUALITY" } as never));
    const threadId = discord.threads(discord.channelId).at(-1)!.id;
    await replyText(discord, discord.command("settings defaults", { count: 3 } as never, { user: discord.users.admin }));
    const story = (await stack.app.context.stories.byThread(threadId))!;

    const submits = fal.submits.length;
    const cancelled = discord.command("story scene", { prompt: "Mira sets sail" } as never, { channelId: threadId });
    const shown = await offer(cancelled);
    expect(shown.text).toContain("This will cost **$0.60** (3 images × $0.20 Quality)");
    await discord.button(button(shown, /^Cancel$/), shown).callback();
    await waitForReply(discord, cancelled, /nothing was charged/);
    expect(await stack.app.context.stories.scenes(story.id)).toEqual([]);
    expect(fal.submits.length).toBe(submits);

    const accepted = discord.command("story scene", { prompt: "Mira reaches the island" } as never, { channelId: threadId });
    const again = await offer(accepted);
    expect((await discord.button(button(again, /^Generate for \$0\.60$/), again).callback()).type).toBe(6);
    await waitForReply(discord, accepted, /posted in the channel/);
    expect((await stack.app.context.stories.scenes(story.id)).map((scene) => [scene.number, scene.prompt])).toEqual([[1, "Mira reaches the island"]]);
    expect(fal.submits.at(-1)!.input).toMatchObject({ num_images: 3, rendering_speed: "QUALITY" });
  });
  it("when a costly result is rerolled, then the reroll asks for its price too, and nothing is submitted until Generate", async () => {
    const { discord, fal } = stack;
    const handle = imagine({ count: 4 }); // 4 × $0.15 = $0.60
    await discordPress(await offer(handle), /^Generate for \$0\.60$/);
    await waitForReply(discord, handle, /posted in the channel/);
    const result = resultMessages(handle).at(-1)!;
    const submits = fal.submits.length;
    const reroll = discord.button(button(result, /^Reroll$/), result, { user: discord.users.bob });
    const shown = await offer(reroll);
    expect(shown.text).toContain("This will cost **$0.60** (4 images × $0.15 Balanced)");
    expect(fal.submits.length).toBe(submits);
    await discordPress(shown, /^Generate for \$0\.60$/, discord.users.bob);
    await waitForReply(discord, reroll, /posted in the channel/);
    expect(fal.submits.length).toBe(submits + 1);
    expect(fal.submits.at(-1)!.input).toMatchObject({ num_images: 4, rendering_speed: "BALANCED" });
  });

  it("when a limit would refuse the request anyway, then the member is told at once and never asked to accept its price", async () => {
    const { discord, fal } = stack;
    const limits = (options: Record<string, number>) => replyText(discord, discord.command("settings limits", options as never, { user: discord.users.admin }));
    await limits({ daily_images: 3 });
    try {
      const submits = fal.submits.length;
      const refused = imagine({ count: 4 }, discord.users.mod); // $0.60, above the threshold, and 4 images > 3
      const text = await replyText(discord, refused);
      expect(text).toMatch(/Daily limit reached: members may make 3 images a day here/);
      expect(replyEdits(discord, refused).some((edit) => /This will cost/.test(edit))).toBe(false);
      expect(fal.submits.length).toBe(submits);
      // A request within the limit is still offered its price.
      const within = imagine({ count: 3, speed: "QUALITY" }, discord.users.mod); // $0.60, 3 images
      await discordPress(await offer(within), /^Cancel$/, discord.users.mod);
    } finally {
      await limits({ daily_images: 0 });
    }
  });
});
