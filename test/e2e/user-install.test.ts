import { afterEach, describe, expect, it } from "vitest";
import { TOKEN_LIFETIME_MS } from "../../src/discord/reply-target.js";
import { MAX_USER_INSTALL_FOLLOWUPS, type FakeUser, type StoredMessage } from "../../fakes/discord/index.js";
import { makePng } from "../../fakes/fal/index.js";
import { startStack, type Stack } from "../support/stack.js";

/**
 * StoryCast where only a member's own install brought it (USER_INSTALL=everyone, commands
 * registered globally): a server it is not in, a group DM, its own DM. It may answer the
 * interaction but never post in the channel; Discord allows 5 follow-ups on such an
 * interaction and 15 minutes for its token; the rest comes by DM, saying why.
 */
const LIMIT = 100_000; // a small per-message upload limit: 60 KB images go one per message

let stack: Stack | undefined;
afterEach(async () => {
  // Every command these tests use is registered for where they use it (the fake notes any other).
  const unoffered = stack?.discord.warnings.filter((w) => /not registered for|not offered in/.test(w)) ?? [];
  await stack?.stop();
  stack = undefined;
  expect(unoffered).toEqual([]);
});

async function start(env: Record<string, string> = {}): Promise<Stack> {
  stack = await startStack({ attachmentSizeLimit: LIMIT, globalCommands: true, env: { USER_INSTALL: "everyone", CONFIRM_COST_ABOVE_USD: "off", ...env } });
  await stack.discord.waitFor(() => stack!.discord.commands.global.length > 0, 10_000, "global commands registered");
  return stack;
}

let seed = 0;
const reference = (s: Stack) => s.discord.attachment(makePng({ width: 16, height: 16, seed: ++seed, targetBytes: 1500 }), "hero.png", { contentType: "image/png" });

/** Requests by which the bot posted or read through a channel route (not the interaction's webhook). */
const channelRoutes = (s: Stack, channelId: string) => s.discord.requests.filter((r) => r.path.startsWith(`/channels/${channelId}`));
const results = (messages: StoredMessage[]) => messages.filter((m) => m.text.includes(" · job "));
const dmMessages = (s: Stack, user: FakeUser) => s.discord.messages(s.discord.dmChannel(user.id));
const attachmentNames = (messages: StoredMessage[]) => messages.flatMap((m) => m.attachments.map((a) => a.filename));

async function jobOf(s: Stack, prompt: string) {
  const find = async () => (await s.app.context.store.unfinished()).find((j) => j.falInput?.prompt === prompt);
  const found = await s.discord.waitFor(find, 10_000, `the job of "${prompt}"`);
  return async () => (await s.app.context.store.get(found.id))!;
}

describe("user install: registration", () => {
  it("registers globally with integration_types and contexts per command, which the fake's OpenAPI check accepts, and a restart finds them up to date", async () => {
    const s = await start();
    const registered = s.discord.commands.global as { name: string; integration_types: number[]; contexts: number[] | null }[];
    const where = Object.fromEntries(registered.map((c) => [c.name, { integration_types: c.integration_types, contexts: c.contexts }]));
    for (const name of ["imagine", "edit", "remix", "upscale", "character", "help", "status"]) expect(where[name], name).toEqual({ integration_types: [0, 1], contexts: [0, 1, 2] });
    for (const name of ["story", "settings", "usage"]) expect(where[name], name).toEqual({ integration_types: [0], contexts: [0] });
    expect(s.discord.validationFailures).toEqual([]);
    // Discord's client would not offer /story through a member's install: the fake notes the forged dispatch.
    await s.discord.command("story end", {}, { guildId: s.discord.addForeignGuild().id, install: "user" }).callback().catch(() => undefined);
    expect(s.discord.warnings.filter((w) => /not registered for/.test(w))).toEqual(["/story is not registered for user installs (integration_types [0])"]);
    s.discord.warnings.length = 0;
    const puts = s.discord.commands.puts;
    expect(puts).toBe(1);
    await s.restart();
    await s.discord.waitFor(() => s.logs.filter((line) => line.includes("commands up to date")).length === 1, 10_000, "the restarted bot comparing its commands");
    expect(s.discord.commands.puts).toBe(puts);
  });
});

describe("user install: a server StoryCast is not in", () => {
  it("delivers the result as follow-ups of the interaction, posts nothing in the channel, opens no thread, shows progress in the reply", async () => {
    const s = await start();
    const foreign = s.discord.addForeignGuild();
    s.fal.script({ imageBytes: 5_000, runMs: 400 });
    const handle = s.discord.command("imagine", { prompt: "a lighthouse", reference: reference(s), count: 2 }, { guildId: foreign.id, install: "user" });
    await s.discord.waitFor(() => results(handle.followups()).length === 1, 15_000, "the result follow-up");
    const [result] = results(handle.followups());
    expect(result!.attachments).toHaveLength(2);
    expect(result!.channelId).toBe(foreign.channelId);
    const job = await s.app.context.store.get(result!.text.match(/job (\S+)/)![1]!.replace(/\\/g, ""));
    expect(job?.origin.interactionOnly).toBe(true);
    expect(channelRoutes(s, foreign.channelId)).toEqual([]);
    expect(s.discord.threads()).toEqual([]);
    expect(dmMessages(s, s.discord.users.alice)).toEqual([]);
    const edits = s.discord.requests.filter((r) => r.method === "PATCH" && r.path.includes(handle.token) && r.path.endsWith("/@original"));
    expect(edits.length).toBeGreaterThan(0);
    // The reply ends by saying the images were delivered, not that they were posted in the channel.
    await s.discord.waitFor(() => (handle.original()?.text === "✅ Done: 2 images delivered." ? true : undefined), 10_000, "the closing reply");
    expect(s.discord.validationFailures).toEqual([]);
  });

  it(`when the result needs more than ${MAX_USER_INSTALL_FOLLOWUPS} messages, then ${MAX_USER_INSTALL_FOLLOWUPS} are follow-ups and the rest come by DM, every image once`, async () => {
    const s = await start();
    const foreign = s.discord.addForeignGuild();
    s.fal.script({ imageBytes: 60_000 });
    const handle = s.discord.command("imagine", { prompt: "eight panels", reference: reference(s), count: 8 }, { guildId: foreign.id, install: "user" });
    const job = await jobOf(s, "eight panels");
    await s.discord.waitFor(async () => (await job()).state.kind === "delivered", 20_000, "delivery");
    const followUps = results(handle.followups());
    const dms = results(dmMessages(s, s.discord.users.alice));
    expect(followUps).toHaveLength(MAX_USER_INSTALL_FOLLOWUPS);
    expect(dms).toHaveLength(8 - MAX_USER_INSTALL_FOLLOWUPS);
    for (const dm of dms) expect(dm.text).toMatch(/only 5 messages in answer .* so the rest came by DM/);
    const names = attachmentNames([...followUps, ...dms]);
    expect(names).toHaveLength(8);
    expect(new Set(names).size).toBe(8);
    expect(channelRoutes(s, foreign.channelId)).toEqual([]);
    // The bot knew the budget: it never asked Discord for a 6th follow-up.
    expect(s.discord.requests.filter((r) => r.status === 400 && (r.path.includes(handle.token)))).toEqual([]);
  });

  it("when fal takes longer than the interaction's token lives, then the result comes by DM, saying why, and nothing is posted in the channel", async () => {
    // A time limit longer than the token's life, so the job outlives its interaction.
    const s = await start({ JOB_TIMEOUT_SECONDS: "1800" });
    const foreign = s.discord.addForeignGuild();
    s.fal.script({ hold: true, imageBytes: 5_000 });
    const handle = s.discord.command("imagine", { prompt: "a slow scene", reference: reference(s) }, { guildId: foreign.id, install: "user" });
    const job = await jobOf(s, "a slow scene");
    await s.discord.waitFor(async () => (await job()).state.kind === "queued", 10_000, "the job queued at fal");
    const requestId = s.fal.submits.find((x) => (x.input as { prompt?: string }).prompt === "a slow scene")!.requestId!;
    s.advance(TOKEN_LIFETIME_MS + 60_000);
    s.fal.release(requestId);
    await s.discord.waitFor(async () => (await job()).state.kind === "delivered", 20_000, "delivery by DM");
    const dms = results(dmMessages(s, s.discord.users.alice));
    expect(dms).toHaveLength(1);
    expect(dms[0]!.attachments).toHaveLength(1);
    expect(dms[0]!.text).toMatch(/only for 15 minutes, so this came by DM/);
    expect(results(handle.followups())).toEqual([]);
    expect(channelRoutes(s, foreign.channelId)).toEqual([]);
  });

  it("when the member does not accept DMs and the follow-ups are used up, then the job ends undeliverable with the reason", async () => {
    const s = await start();
    const foreign = s.discord.addForeignGuild();
    s.discord.denyDm(s.discord.users.bob.id);
    s.fal.script({ imageBytes: 60_000 });
    const handle = s.discord.command("imagine", { prompt: "too many for bob", reference: reference(s), count: 8 }, { guildId: foreign.id, install: "user", user: s.discord.users.bob });
    const job = await jobOf(s, "too many for bob");
    await s.discord.waitFor(async () => (await job()).state.kind === "undeliverable", 20_000, "undeliverable");
    const state = (await job()).state;
    expect(state.kind === "undeliverable" && state.reason).toMatch(/does not accept direct messages/);
    expect(results(handle.followups())).toHaveLength(MAX_USER_INSTALL_FOLLOWUPS);
    expect(channelRoutes(s, foreign.channelId).filter((r) => r.method === "POST")).toEqual([]);
  });

  it("when StoryCast restarts mid-delivery, then it still posts nothing in the channel and never exceeds the follow-up cap", async () => {
    const s = await start();
    const foreign = s.discord.addForeignGuild();
    s.fal.script({ imageBytes: 60_000, hold: true });
    const handle = s.discord.command("imagine", { prompt: "across a restart", reference: reference(s), count: 8 }, { guildId: foreign.id, install: "user" });
    const job = await jobOf(s, "across a restart");
    await s.discord.waitFor(async () => (await job()).state.kind === "queued", 10_000, "the job queued at fal");
    const requestId = s.fal.submits.find((x) => (x.input as { prompt?: string }).prompt === "across a restart")!.requestId!;
    // Three parts go out, then the bot stops (its in-memory follow-up count is lost) and starts again.
    s.fal.release(requestId);
    await s.discord.waitFor(() => results(handle.followups()).length >= 3, 20_000, "three parts posted");
    await s.restart();
    await s.discord.waitFor(async () => (await job()).state.kind === "delivered", 30_000, "delivery after the restart");
    const followUps = results(handle.followups());
    const dms = results(dmMessages(s, s.discord.users.alice));
    expect(followUps.length).toBeLessThanOrEqual(MAX_USER_INSTALL_FOLLOWUPS);
    const names = attachmentNames([...followUps, ...dms]);
    expect(names).toHaveLength(8);
    expect(new Set(names).size).toBe(8);
    expect(channelRoutes(s, foreign.channelId).filter((r) => r.method === "POST")).toEqual([]);
  });
});

describe("user install: group DMs and the bot's own DM", () => {
  it("in a group DM (context 2), the result comes as a follow-up and nothing is posted in the channel", async () => {
    const s = await start();
    const groupDm = s.discord.addGroupDm([s.discord.users.alice, s.discord.users.bob]);
    s.fal.script({ imageBytes: 5_000 });
    const handle = s.discord.command("imagine", { prompt: "with friends", reference: reference(s) }, { channelId: groupDm, install: "user" });
    await s.discord.waitFor(() => results(handle.followups()).length === 1, 15_000, "the result follow-up");
    expect(results(handle.followups())[0]!.channelId).toBe(groupDm);
    expect(channelRoutes(s, groupDm)).toEqual([]);
    expect(dmMessages(s, s.discord.users.alice)).toEqual([]);
  });

  it("in StoryCast's own DM through a user install (context 1), it works as today: the result in the DM", async () => {
    const s = await start();
    const dm = s.discord.dmChannel(s.discord.users.alice.id);
    s.fal.script({ imageBytes: 5_000 });
    const handle = s.discord.command("imagine", { prompt: "just us", reference: reference(s) }, { channelId: dm, install: "user" });
    await s.discord.waitFor(() => results(handle.followups()).length === 1, 15_000, "the result follow-up");
    expect(results(handle.followups())[0]!.channelId).toBe(dm);
    const job = await s.app.context.store.get(results(handle.followups())[0]!.text.match(/job (\S+)/)![1]!.replace(/\\/g, ""));
    expect(job?.origin.interactionOnly).toBeUndefined();
  });
});

/** The custom_id of the button with this label, wherever the message's layout puts it. */
function buttonId(message: StoredMessage, label: string): string {
  const walk = (components: unknown[]): string | undefined => {
    for (const c of components as { label?: string; custom_id?: string; components?: unknown[]; accessory?: unknown }[]) {
      if (c.label === label && c.custom_id) return c.custom_id;
      const inner = walk([...(c.components ?? []), ...(c.accessory ? [c.accessory] : [])]);
      if (inner) return inner;
    }
    return undefined;
  };
  const found = walk(message.components);
  if (!found) throw new Error(`no ${label} button on message: ${JSON.stringify(message.components)}`);
  return found;
}

describe("user install: buttons, private requests and characters", () => {
  it("when a member presses Reroll on a result in a server StoryCast is not in, then the new job also answers only through its interaction", async () => {
    const s = await start();
    const foreign = s.discord.addForeignGuild();
    s.fal.script({ imageBytes: 5_000 }, { imageBytes: 5_000 });
    const handle = s.discord.command("imagine", { prompt: "a tower", reference: reference(s) }, { guildId: foreign.id, install: "user" });
    const result = await s.discord.waitFor(() => results(handle.followups())[0], 15_000, "the result");
    const reroll = s.discord.button(buttonId(result, "Reroll"), result, { user: s.discord.users.bob, install: "user" });
    const rerolled = await s.discord.waitFor(() => results(reroll.followups())[0], 15_000, "the rerolled result");
    expect(rerolled.channelId).toBe(foreign.channelId);
    const job = await s.app.context.store.get(rerolled.text.match(/job (\S+)/)![1]!.replace(/\\/g, ""));
    expect(job?.origin).toMatchObject({ userId: s.discord.users.bob.id, interactionOnly: true });
    expect(channelRoutes(s, foreign.channelId).filter((r) => r.method === "POST")).toEqual([]);
  });

  it("when the requester presses Delete on a split result in a server StoryCast is not in, then every part goes, through the webhooks, with no channel request", async () => {
    const s = await start();
    const foreign = s.discord.addForeignGuild();
    s.fal.script({ imageBytes: 60_000 });
    const handle = s.discord.command("imagine", { prompt: "two to delete", reference: reference(s), count: 2 }, { guildId: foreign.id, install: "user" });
    await s.discord.waitFor(() => results(handle.followups()).length === 2, 15_000, "both parts");
    const last = results(handle.followups()).at(-1)!;
    const press = s.discord.button(buttonId(last, "Delete"), last, { install: "user" });
    await s.discord.waitFor(() => results(handle.followups()).every((m) => s.discord.message(m.id)?.deleted), 10_000, "both parts deleted");
    expect(press.followups()).toEqual([]); // no "could not be deleted" notice
    expect(channelRoutes(s, foreign.channelId)).toEqual([]);
  });

  it("when the request is private, then the result replaces the ephemeral reply and nothing is visible to others", async () => {
    const s = await start();
    const foreign = s.discord.addForeignGuild();
    s.fal.script({ imageBytes: 5_000 });
    const handle = s.discord.command("imagine", { prompt: "a secret", reference: reference(s), private: true }, { guildId: foreign.id, install: "user" });
    const reply = await s.discord.waitFor(() => (handle.original()?.text.includes(" · job ") ? handle.original() : undefined), 15_000, "the private result");
    expect(reply.ephemeral).toBe(true);
    expect(reply.attachments).toHaveLength(1);
    expect(s.discord.messages(foreign.channelId).filter((m) => !m.ephemeral)).toEqual([]);
    expect(channelRoutes(s, foreign.channelId)).toEqual([]);
  });

  it("when the server has taken Use External Apps from its members, then the result is private, stored as such, and says why", async () => {
    const s = await start();
    const closed = s.discord.addForeignGuild({ externalApps: false });
    s.fal.script({ imageBytes: 5_000 });
    const handle = s.discord.command("imagine", { prompt: "a lantern only I see", reference: reference(s) }, { guildId: closed.id, install: "user" });
    const reply = await s.discord.waitFor(() => (handle.original()?.text.includes(" · job ") ? handle.original() : undefined), 15_000, "the result");
    expect(reply.ephemeral).toBe(true);
    expect(reply.attachments).toHaveLength(1);
    expect(reply.text).toContain("🔒 Only you can see this: this server lets members' own apps answer only privately.");
    // Private in the store too, so nothing that shows results to others (a story, a character's scenes) ever shows it.
    const job = await s.app.context.store.get(reply.text.match(/job (\S+)/)![1]!.replace(/\\/g, ""));
    expect(job?.origin).toMatchObject({ private: true, privateByServer: true, interactionOnly: true });
    expect(s.discord.messages(closed.channelId).filter((m) => !m.ephemeral)).toEqual([]);
    expect(channelRoutes(s, closed.channelId)).toEqual([]);

    // A member who asked for privacy there is not told the server decided it.
    s.fal.script({ imageBytes: 5_000 });
    const chosen = s.discord.command("imagine", { prompt: "my own secret", reference: reference(s), private: true }, { guildId: closed.id, install: "user" });
    const mine = await s.discord.waitFor(() => (chosen.original()?.text.includes(" · job ") ? chosen.original() : undefined), 15_000, "the chosen-private result");
    expect(mine.text).not.toContain("🔒");
  });

  it("/character outside servers with StoryCast keeps the member's own characters: saved in one, listed in a group DM, used by /imagine, not shown in a server's list", async () => {
    const s = await start();
    const foreign = s.discord.addForeignGuild();
    const save = s.discord.command("character save", { name: "Nova", reference: reference(s) } as never, { guildId: foreign.id, install: "user" });
    await s.discord.waitFor(() => /Nova/.test(save.original()?.text ?? ""), 10_000, "saved");
    const groupDm = s.discord.addGroupDm([s.discord.users.alice, s.discord.users.bob]);
    const list = s.discord.command("character list", {}, { channelId: groupDm, install: "user" });
    await s.discord.waitFor(() => JSON.stringify(list.original()?.raw ?? "").includes("Nova"), 10_000, "listed in the group DM");
    const inServer = s.discord.command("character list", {});
    await s.discord.waitFor(() => inServer.original() && !inServer.original()!.loading, 10_000, "the server's list");
    expect(JSON.stringify(inServer.original()!.raw)).not.toContain("Nova");
    s.fal.script({ imageBytes: 5_000 });
    const imagine = s.discord.command("imagine", { prompt: "Nova on a boat", character: "Nova" }, { channelId: groupDm, install: "user" });
    await s.discord.waitFor(() => results(imagine.followups())[0], 15_000, "the result with the character");
    // The character suggestions and /remix there read the member's own characters too.
    const suggest = s.discord.autocomplete("imagine", { prompt: "x", character: "No" }, "character", { channelId: groupDm, install: "user" });
    expect((await suggest.callback()).data.choices.map((c: { value: string }) => c.value)).toEqual(["Nova"]);
    const remix = s.discord.command("remix", { prompt: "Nova in the rain", image: reference(s), character: "Nova" }, { guildId: foreign.id, install: "user" });
    await s.discord.waitFor(() => results(remix.followups())[0], 15_000, "the remix with the character");
  });
});
