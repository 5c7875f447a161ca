/**
 * The fake Discord where StoryCast is present only through a member's own install, driven by a
 * REAL discord.js Client: a guild the bot is not in, a group DM, the follow-up cap.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Client, DiscordAPIError, Events, GatewayIntentBits, Routes, type Interaction } from "discord.js";
import { MAX_USER_INSTALL_FOLLOWUPS, startFakeDiscord, type FakeDiscord } from "../../../fakes/discord/index.js";

let fake: FakeDiscord;
let client: Client;
let handler: ((i: Interaction) => Promise<void>) | undefined;
const handlerErrors: unknown[] = [];

const ATTACH_FILES = 1n << 15n;
const EMBED_LINKS = 1n << 14n;
const MENTION_EVERYONE = 1n << 17n;

async function discordError(p: Promise<unknown>): Promise<{ status: number; code: unknown }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DiscordAPIError);
  return { status: (err as DiscordAPIError).status, code: (err as DiscordAPIError).code };
}

beforeAll(async () => {
  fake = await startFakeDiscord();
  client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
  client.on(Events.InteractionCreate, (i) => {
    const h = handler;
    if (h) h(i).catch((e: unknown) => handlerErrors.push(e));
  });
  const ready = new Promise<void>((r) => client.once(Events.ClientReady, () => r()));
  await client.login(fake.token);
  await ready;
  await fake.waitForReady();
  // A global command offered everywhere, to both installation types (as StoryCast registers /imagine).
  await client.rest.put(Routes.applicationCommands(fake.applicationId), {
    body: [{ name: "ping", description: "Ping", type: 1, integration_types: [0, 1], contexts: [0, 1, 2] }],
  });
});

afterEach(() => {
  handler = undefined;
  expect(handlerErrors).toEqual([]);
});

afterAll(async () => {
  await client?.destroy();
  await fake?.close();
});

describe("a guild the bot is not in", () => {
  it("sends no GUILD_CREATE, and its channel answers the bot 403 50001 Missing Access (posts, reads, threads)", async () => {
    const foreign = fake.addForeignGuild();
    expect(fake.guilds().map((g) => g.id)).not.toContain(foreign.id);
    expect(client.guilds.cache.has(foreign.id)).toBe(false);
    const rest = client.rest;
    expect(await discordError(rest.post(Routes.channelMessages(foreign.channelId), { body: { content: "hi" } }))).toEqual({ status: 403, code: 50001 });
    expect(await discordError(rest.get(Routes.channelMessages(foreign.channelId)))).toEqual({ status: 403, code: 50001 });
    expect(await discordError(rest.post(Routes.threads(foreign.channelId), { body: { name: "story", type: 11 } }))).toEqual({ status: 403, code: 50001 });
    expect(fake.messages(foreign.channelId)).toEqual([]);
  });

  it("only a user install can bring an interaction from it: owners {1: user}, context 0, the limited app_permissions", async () => {
    const foreign = fake.addForeignGuild();
    expect(() => fake.command("ping", {}, { guildId: foreign.id })).toThrow(/install: "user"/);
    const seen: { owners: unknown; context: unknown; guildId: unknown; appPermissions: bigint }[] = [];
    handler = async (i) => {
      if (!i.isChatInputCommand()) return;
      seen.push({ owners: i.authorizingIntegrationOwners.toJSON(), context: i.context, guildId: i.guildId, appPermissions: i.appPermissions.bitfield });
      await i.reply({ content: "pong" });
    };
    const h = fake.command("ping", {}, { guildId: foreign.id, install: "user" });
    await h.callback();
    expect(seen).toEqual([{ owners: { "1": fake.users.alice.id }, context: 0, guildId: foreign.id, appPermissions: ATTACH_FILES | EMBED_LINKS | MENTION_EVERYONE }]);
    // The interaction's own reply is allowed: it goes through the webhook, not the channel route.
    expect(h.original()?.content).toBe("pong");
  });

  it(`allows ${MAX_USER_INSTALL_FOLLOWUPS} follow-ups, then 400 40094; edits of @original do not count`, async () => {
    const foreign = fake.addForeignGuild();
    const results: unknown[] = [];
    handler = async (i) => {
      if (!i.isChatInputCommand()) return;
      await i.deferReply();
      await i.editReply("working");
      for (let n = 1; n <= MAX_USER_INSTALL_FOLLOWUPS + 1; n++) {
        results.push(await i.followUp({ content: `part ${n}` }).then(
          () => "ok",
          (e: unknown) => ({ status: (e as DiscordAPIError).status, code: (e as DiscordAPIError).code, message: (e as DiscordAPIError).message }),
        ));
        await i.editReply(`after ${n}`);
      }
    };
    const h = fake.command("ping", {}, { guildId: foreign.id, install: "user" });
    await fake.waitFor(() => results.length === MAX_USER_INSTALL_FOLLOWUPS + 1 && h.original()?.content === `after ${MAX_USER_INSTALL_FOLLOWUPS + 1}`);
    expect(results.slice(0, MAX_USER_INSTALL_FOLLOWUPS)).toEqual(Array(MAX_USER_INSTALL_FOLLOWUPS).fill("ok"));
    expect(results[MAX_USER_INSTALL_FOLLOWUPS]).toEqual({ status: 400, code: 40094, message: "This interaction has hit the maximum number of follow up messages" });
    expect(h.followups().map((m) => m.content)).toEqual(["part 1", "part 2", "part 3", "part 4", "part 5"]);
  });

  it("counts the follow-up that turns an unedited deferral into the reply", async () => {
    const foreign = fake.addForeignGuild();
    const results: string[] = [];
    handler = async (i) => {
      if (!i.isChatInputCommand()) return;
      await i.deferReply();
      for (let n = 1; n <= MAX_USER_INSTALL_FOLLOWUPS + 1; n++) results.push(await i.followUp(`n${n}`).then(() => "ok", (e: unknown) => String((e as DiscordAPIError).code)));
    };
    const h = fake.command("ping", {}, { guildId: foreign.id, install: "user" });
    await fake.waitFor(() => results.length === MAX_USER_INSTALL_FOLLOWUPS + 1);
    expect(results).toEqual(["ok", "ok", "ok", "ok", "ok", "40094"]);
    expect(h.original()?.content).toBe("n1");
    expect(h.followups()).toHaveLength(MAX_USER_INSTALL_FOLLOWUPS - 1);
  });
});

describe("a guild that took Use External Apps from its members", () => {
  it("makes every answer of a user-install interaction there ephemeral, whatever its flags; where members keep the permission, answers stay public", async () => {
    const EPHEMERAL = 1 << 6;
    const closed = fake.addForeignGuild({ externalApps: false });
    const open = fake.addForeignGuild();
    const permissions: boolean[] = [];
    handler = async (i) => {
      if (!i.isChatInputCommand()) return;
      permissions.push(i.memberPermissions!.has(1n << 50n));
      await i.reply({ content: "public, I hope" });
      await i.followUp({ content: "a public follow-up" });
    };
    const inClosed = fake.command("ping", {}, { guildId: closed.id, install: "user" });
    await fake.waitFor(() => inClosed.followups().length === 1 || undefined);
    expect(inClosed.original()!.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(inClosed.followups()[0]!.flags & EPHEMERAL).toBe(EPHEMERAL);
    const inOpen = fake.command("ping", {}, { guildId: open.id, install: "user" });
    await fake.waitFor(() => inOpen.followups().length === 1 || undefined);
    expect(inOpen.original()!.flags & EPHEMERAL).toBe(0);
    expect(inOpen.followups()[0]!.flags & EPHEMERAL).toBe(0);
    // The member's permissions in the payload tell the app which it is.
    expect(permissions).toEqual([false, true]);
  });
});

describe("the follow-up cap applies only when the member's install alone authorized the interaction", () => {
  it("a server-installed interaction in the bot's own guild takes more than 5 follow-ups", async () => {
    let sent = 0;
    handler = async (i) => {
      if (!i.isChatInputCommand()) return;
      await i.reply("go");
      for (let n = 0; n < MAX_USER_INSTALL_FOLLOWUPS + 2; n++) {
        await i.followUp(`n${n}`);
        sent++;
      }
    };
    fake.command("ping", {});
    await fake.waitFor(() => sent === MAX_USER_INSTALL_FOLLOWUPS + 2);
  });
});

describe("where a command is offered", () => {
  it("notes a command dispatched through an install or in a context it is not registered for", async () => {
    await client.rest.post(Routes.applicationCommands(fake.applicationId), { body: { name: "admin", description: "Server only", type: 1, integration_types: [0], contexts: [0] } });
    handler = async (i) => {
      if (i.isChatInputCommand()) await i.reply("ok");
    };
    const foreign = fake.addForeignGuild();
    fake.clearRecords();
    await fake.command("admin", {}, { guildId: foreign.id, install: "user" }).callback();
    await fake.command("admin", {}, { channelId: fake.dmChannel(fake.users.alice.id) }).callback();
    await fake.command("ping", {}, { channelId: fake.addGroupDm([fake.users.alice, fake.users.bob]), install: "user" }).callback();
    expect(fake.warnings).toEqual([
      "/admin is not registered for user installs (integration_types [0])",
      "/admin is not offered in context 1 (contexts [0])",
    ]);
  });
});

describe("a group DM", () => {
  it("sends context 2 with the user and no member; the bot cannot post in it (403 50001)", async () => {
    const groupDm = fake.addGroupDm([fake.users.alice, fake.users.bob]);
    expect(() => fake.command("ping", {}, { channelId: groupDm })).toThrow(/install: "user"/);
    const seen: unknown[] = [];
    handler = async (i) => {
      if (!i.isChatInputCommand()) return;
      seen.push({ owners: i.authorizingIntegrationOwners.toJSON(), context: i.context, guildId: i.guildId, user: i.user.id, member: i.member, appPermissions: i.appPermissions.bitfield });
      await i.reply("pong");
    };
    const h = fake.command("ping", {}, { channelId: groupDm, install: "user", user: fake.users.bob });
    await h.callback();
    expect(seen).toEqual([{ owners: { "1": fake.users.bob.id }, context: 2, guildId: null, user: fake.users.bob.id, member: null, appPermissions: ATTACH_FILES | EMBED_LINKS | MENTION_EVERYONE }]);
    expect(h.payload.channel).toMatchObject({ id: groupDm, type: 3 });
    expect(await discordError(client.rest.post(Routes.channelMessages(groupDm), { body: { content: "hi" } }))).toEqual({ status: 403, code: 50001 });
  });
});
