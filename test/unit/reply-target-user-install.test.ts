/**
 * createReplyTarget for origins where only a member's install brought StoryCast
 * (`interactionOnly`), against the fake Discord with a real discord.js client: follow-ups
 * while Discord's cap lasts (its 40094 is the truth when the local count was lost, e.g. after a
 * restart), then DMs that say why; never a channel post.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, Events, GatewayIntentBits, Routes } from "discord.js";
import { createFollowUpBudget } from "../../src/discord/follow-up-budget.js";
import { createReplyTarget } from "../../src/discord/reply-target.js";
import type { JobOrigin } from "../../src/domain/job.js";
import { MAX_USER_INSTALL_FOLLOWUPS, startFakeDiscord, type FakeDiscord, type InteractionHandle } from "../../fakes/discord/index.js";

let fake: FakeDiscord;
let client: Client;

beforeAll(async () => {
  fake = await startFakeDiscord();
  client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
  client.on(Events.InteractionCreate, (i) => {
    if (i.isChatInputCommand()) void i.deferReply().catch(() => undefined);
  });
  const ready = new Promise<void>((r) => client.once(Events.ClientReady, () => r()));
  await client.login(fake.token);
  await ready;
  await client.rest.put(Routes.applicationCommands(fake.applicationId), {
    body: [{ name: "imagine", description: "Imagine", type: 1, integration_types: [0, 1], contexts: [0, 1, 2] }],
  });
});

afterAll(async () => {
  await client?.destroy();
  await fake?.close();
});

/** The origin a job would store for this deferred interaction, made by Alice in `channelId`. */
function originOf(handle: InteractionHandle, where: { guildId: string | null; channelId: string; interactionOnly?: true }): JobOrigin {
  return {
    userId: fake.users.alice.id,
    applicationId: fake.applicationId,
    interactionToken: handle.token,
    interactionAt: fake.now(),
    attachmentSizeLimit: fake.attachmentSizeLimit,
    private: false,
    ...where,
  };
}

/** A deferred /imagine from a user install in a server StoryCast is not in, and the origin a job would store. */
async function userInstallInteraction(): Promise<{ handle: InteractionHandle; origin: JobOrigin; channelId: string }> {
  const foreign = fake.addForeignGuild();
  const handle = fake.command("imagine", {}, { guildId: foreign.id, install: "user" });
  await handle.callback();
  const origin = originOf(handle, { guildId: foreign.id, channelId: foreign.channelId, interactionOnly: true });
  return { handle, origin, channelId: foreign.channelId };
}

const dms = () => fake.messages(fake.dmChannel(fake.users.alice.id));

describe("reply target where StoryCast may only answer the interaction", () => {
  it("when a restarted bot lost its count, then Discord's 40094 sends the 6th message by DM and later ones skip the follow-up", async () => {
    const { handle, origin, channelId } = await userInstallInteraction();
    await createReplyTarget(client.rest, origin, fake.now).editProgress({ content: "working" });
    const before = createFollowUpBudget();
    for (let n = 1; n <= 3; n++) await createReplyTarget(client.rest, origin, fake.now, before).followUp({ content: `part ${n}` });
    // A new process: the same token, a budget that knows nothing.
    const after = createFollowUpBudget();
    const dmBefore = dms().length;
    for (let n = 4; n <= 7; n++) await createReplyTarget(client.rest, origin, fake.now, after).followUp({ content: `part ${n}` });
    expect(handle.followups().map((m) => m.content)).toEqual(["part 1", "part 2", "part 3", "part 4", "part 5"]);
    const sentByDm = dms().slice(dmBefore);
    expect(sentByDm.map((m) => m.content.split("\n")[0])).toEqual(["part 6", "part 7"]);
    expect(sentByDm[0]!.content).toMatch(/only 5 messages in answer where it was not added, so the rest came by DM/);
    // One refusal (part 6) taught the budget; part 7 went straight to the DM.
    expect(fake.requests.filter((r) => r.path.includes(handle.token) && r.status === 400)).toHaveLength(1);
    expect(fake.requests.filter((r) => r.path.startsWith(`/channels/${channelId}`))).toEqual([]);
  });

  it(`with the count kept, ${MAX_USER_INSTALL_FOLLOWUPS} follow-ups and no refused request`, async () => {
    const { handle, origin } = await userInstallInteraction();
    const budget = createFollowUpBudget();
    await createReplyTarget(client.rest, origin, fake.now, budget).editProgress({ content: "working" });
    for (let n = 1; n <= MAX_USER_INSTALL_FOLLOWUPS + 1; n++) await createReplyTarget(client.rest, origin, fake.now, budget).followUp({ content: `part ${n}` });
    expect(handle.followups()).toHaveLength(MAX_USER_INSTALL_FOLLOWUPS);
    expect(dms().at(-1)?.content).toMatch(/^part 6\n/);
    expect(fake.requests.filter((r) => r.path.includes(handle.token) && r.status === 400)).toEqual([]);
  });

  it("when the token expired, then a failure notice (editReply) comes by DM instead of a channel post", async () => {
    const { origin, channelId } = await userInstallInteraction();
    const later = () => fake.now() + 15 * 60_000;
    const sent = await createReplyTarget(client.rest, origin, later, createFollowUpBudget()).editReply({ content: "⚠️ fal failed" });
    expect(sent.channel_id).toBe(fake.dmChannel(fake.users.alice.id));
    expect(fake.message(sent.id)?.content).toMatch(/^⚠️ fal failed\n-# \(Discord lets StoryCast answer where it was not added only for 15 minutes/);
    expect(fake.requests.filter((r) => r.path.startsWith(`/channels/${channelId}`))).toEqual([]);
  });

  it("an ordinary origin (StoryCast in the server) is not capped: more than 5 follow-ups go through the webhook", async () => {
    const handle = fake.command("imagine", {});
    await handle.callback();
    const origin = originOf(handle, { guildId: fake.guildId, channelId: fake.channelId });
    const budget = createFollowUpBudget();
    for (let n = 1; n <= MAX_USER_INSTALL_FOLLOWUPS + 2; n++) await createReplyTarget(client.rest, origin, fake.now, budget).followUp({ content: `part ${n}` });
    expect(handle.followups().length + 1).toBe(MAX_USER_INSTALL_FOLLOWUPS + 2); // the first follow-up replaced the deferral
  });

  it("in StoryCast's own DM through a user install (Discord caps it too, but StoryCast may post there), the 6th message is posted in that DM", async () => {
    const dm = fake.dmChannel(fake.users.alice.id);
    const handle = fake.command("imagine", {}, { channelId: dm, install: "user" });
    await handle.callback();
    const origin = originOf(handle, { guildId: null, channelId: dm });
    const budget = createFollowUpBudget();
    await createReplyTarget(client.rest, origin, fake.now, budget).editProgress({ content: "working" });
    const sent = [];
    for (let n = 1; n <= MAX_USER_INSTALL_FOLLOWUPS + 1; n++) sent.push(await createReplyTarget(client.rest, origin, fake.now, budget).followUp({ content: `part ${n}` }));
    expect(handle.followups()).toHaveLength(MAX_USER_INSTALL_FOLLOWUPS);
    const last = fake.message(sent.at(-1)!.id)!;
    expect(last.channelId).toBe(dm);
    expect(last.interactionToken).toBeUndefined(); // a plain message in the DM, not a follow-up
    expect(last.content).toContain("part 6");
  });
});
