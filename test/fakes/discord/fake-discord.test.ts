/**
 * Drives the fake Discord with a REAL discord.js Client over HTTP and WebSocket.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  MessageFlags,
  PermissionFlagsBits,
  Routes,
  SlashCommandBuilder,
  type Interaction,
  type TextChannel,
} from "discord.js";
import WebSocket from "ws";
import { discordErrors as errors, startFakeDiscord, type FakeDiscord } from "../../../fakes/discord/index.js";

// A real 1×1 PNG.
const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d4948445200000001000000010806000000" + "1f15c4890000000d49444154789c63f8cfc0f01f0005000201" + "bd0bb5f90000000049454e44ae426082",
  "hex",
);

let fake: FakeDiscord;
let client: Client;
let handler: ((i: Interaction) => Promise<void>) | undefined;
const handlerErrors: unknown[] = [];

async function expectDiscordError(p: Promise<unknown>, status: number, code: number): Promise<DiscordAPIError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DiscordAPIError);
  const de = err as DiscordAPIError;
  expect({ status: de.status, code: de.code }).toEqual({ status, code });
  return de;
}

beforeAll(async () => {
  fake = await startFakeDiscord({ attachmentSizeLimit: 1024 * 1024 });
  client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
  client.on(Events.InteractionCreate, (i) => {
    const h = handler;
    if (h) h(i).catch((e: unknown) => handlerErrors.push(e));
  });
  const ready = new Promise<void>((r) => client.once(Events.ClientReady, () => r()));
  await client.login(fake.token);
  await ready;
  await fake.waitForReady();
});

afterEach(() => {
  handler = undefined;
});

afterAll(async () => {
  await client?.destroy();
  await fake?.close();
});

describe("fake discord with a real discord.js client", () => {
  it("identifies, sends READY + GUILD_CREATE, and discord.js caches the guild", () => {
    expect(fake.gateway.identifies).toBe(1);
    expect(fake.gateway.connected).toBe(true);
    expect(client.user?.id).toBe(fake.botUserId);
    expect(client.application?.id).toBe(fake.applicationId);
    const guild = client.guilds.cache.get(fake.guildId);
    expect(guild?.available).toBe(true);
    expect(guild?.channels.cache.get(fake.channelId)?.isTextBased()).toBe(true);
    expect(guild?.roles.everyone.id).toBe(fake.guildId);
    expect(guild?.members.me?.id).toBe(fake.botUserId);
    expect(fake.requests.find((r) => r.path === "/gateway/bot")?.status).toBe(200);
  });

  it("records bulk command registration with ids and versions", async () => {
    const cmd = new SlashCommandBuilder()
      .setName("cast")
      .setDescription("Put the character into a new scene")
      .addStringOption((o) => o.setName("prompt").setDescription("Scene description").setRequired(true).setMaxLength(1000))
      .addAttachmentOption((o) => o.setName("reference").setDescription("Reference image"))
      .addStringOption((o) => o.setName("style").setDescription("Style").setAutocomplete(true))
      .setDefaultMemberPermissions(PermissionFlagsBits.SendMessages);
    const set = await client.application!.commands.set([cmd.toJSON()]);
    expect(fake.commands.puts).toBe(1);
    expect(fake.commands.global).toHaveLength(1);
    const stored = fake.commands.global[0] as { id: string; name: string; version: string; default_member_permissions: string };
    expect(stored.name).toBe("cast");
    expect(set.first()?.id).toBe(stored.id);
    expect(stored.default_member_permissions).toBe(PermissionFlagsBits.SendMessages.toString());

    // Re-registering keeps the id (Discord matches by name) — and guild commands are separate.
    await client.application!.commands.set([cmd.toJSON()]);
    expect((fake.commands.global[0] as { id: string }).id).toBe(stored.id);
    await client.application!.commands.set([{ name: "ping", description: "Ping" }], fake.guildId);
    expect(fake.commands.guild.get(fake.guildId)).toHaveLength(1);
    expect(fake.commands.puts).toBe(3);
    expect(fake.validationFailures).toEqual([]);
  });

  it("rejects command names Discord rejects", async () => {
    await expectDiscordError(client.application!.commands.set([{ name: "Cast", description: "x" }], fake.guildId), 400, 50035);
    fake.validationFailures.length = 0;
  });

  it("accepts a message command with an empty description and refuses one with a description, options or a name over 32 characters", async () => {
    const route = Routes.applicationGuildCommands(client.application!.id, fake.guildId);
    await client.rest.put(route, { body: [{ type: 3, name: "Use as reference", description: "" }] });
    for (const [body, field, code] of [
      [{ type: 3, name: "Remix", description: "Remix an image" }, "description", "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION_INVALID"],
      [{ type: 3, name: "Remix", options: [{ type: 3, name: "prompt", description: "x" }] }, "options", "APPLICATION_COMMAND_OPTIONS_INVALID"],
      [{ type: 3, name: "R".repeat(33) }, "name", "BASE_TYPE_MAX_LENGTH"],
    ] as const) {
      const error = await expectDiscordError(client.rest.put(route, { body: [body] }), 400, 50035);
      expect(JSON.stringify((error.rawError as { errors?: unknown }).errors)).toContain(`"${field}":{"_errors":[{"code":"${code}"`);
    }
    fake.validationFailures.length = 0;
  });

  it("runs defer → editReply(file + button) → followUp → button update, all schema-valid", async () => {
    const ref = fake.attachment(PNG, "ref.png");
    let sizeLimit: number | undefined;
    let refUrl: string | undefined;
    handler = async (i) => {
      if (i.isChatInputCommand()) {
        sizeLimit = i.attachmentSizeLimit;
        refUrl = i.options.getAttachment("reference")?.url;
        await i.deferReply();
        const res = await fetch(refUrl!);
        const bytes = Buffer.from(await res.arrayBuffer());
        const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
          new ButtonBuilder().setCustomId("again").setLabel("Again").setStyle(ButtonStyle.Primary),
        );
        await i.editReply({ content: `Scene: ${i.options.getString("prompt", true)}`, files: [{ attachment: bytes, name: "a.png" }], components: [row] });
        await i.followUp({ content: "Done!" });
      } else if (i.isButton()) {
        await i.update({ content: "Regenerating…", components: [] });
      }
    };
    const h = fake.command("cast", { prompt: "on the moon", reference: ref });
    const cb = await h.callback();
    expect(cb.type).toBe(5);
    expect(cb.at - h.dispatchedAt).toBeLessThan(3000);

    const followups = await fake.waitFor(() => h.followups().length === 1 && h.followups(), 5000, "follow-up");
    const original = h.original()!;
    expect(original.content).toBe("Scene: on the moon");
    expect(original.loading).toBe(false);
    expect(original.ephemeral).toBe(false);
    expect(original.attachments).toHaveLength(1);
    expect(original.attachments[0]!.filename).toBe("a.png");
    expect(original.attachments[0]!.bytes.equals(PNG)).toBe(true);
    expect(original.attachments[0]!.width).toBe(1);
    expect(original.components).toMatchObject([{ type: 1, components: [{ type: 2, custom_id: "again" }] }]);
    expect(followups[0]!.content).toBe("Done!");
    expect(sizeLimit).toBe(1024 * 1024);
    expect(fake.downloads(refUrl!)).toBe(1);

    // The uploaded file is downloadable from the fake CDN.
    const cdnBytes = Buffer.from(await (await fetch(original.attachments[0]!.url)).arrayBuffer());
    expect(cdnBytes.equals(PNG)).toBe(true);

    // The multipart PATCH carried payload_json + files[0].
    const patch = fake.requests.find((r) => r.method === "PATCH" && r.path.endsWith("/messages/@original"))!;
    expect(patch.files[0]?.name).toBe("files[0]");
    expect((patch.body as { attachments: { id: string }[] }).attachments[0]?.id).toBe("0");

    const press = fake.button("again", original, { user: fake.users.bob });
    expect((await press.callback()).type).toBe(7);
    await fake.waitFor(() => fake.message(original.id)?.content === "Regenerating…", 2000, "button update");
    expect(fake.message(original.id)!.components).toEqual([]);
    expect(fake.validationFailures).toEqual([]);
    expect(handlerErrors).toEqual([]);
  });

  it("answers 400 50035 for a body that violates the OpenAPI schema, and records it", async () => {
    const err = await expectDiscordError(
      client.rest.post(Routes.channelMessages(fake.channelId), { body: { embeds: [{ title: "x".repeat(300) }] } }),
      400,
      50035,
    );
    expect((err.rawError as { errors: unknown }).errors).toEqual({
      embeds: { "0": { title: { _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message: "Must be 256 or fewer in length." }] } } },
    });
    expect(fake.validationFailures).toHaveLength(1);
    expect(fake.validationFailures[0]).toMatchObject({ method: "POST", path: `/channels/${fake.channelId}/messages` });

    // Limits the schema does not express: content > 2000 (spec says 4000), too many rows, duplicate ids.
    const channel = client.channels.cache.get(fake.channelId) as TextChannel;
    await expectDiscordError(channel.send("y".repeat(2001)), 400, 50035);
    const row = () =>
      new ActionRowBuilder<ButtonBuilder>().addComponents(new ButtonBuilder().setCustomId("same").setLabel("x").setStyle(ButtonStyle.Secondary));
    await expectDiscordError(channel.send({ content: "dup", components: [row(), row()] }), 400, 50035);
    await expectDiscordError(channel.send({ content: "", embeds: [] }), 400, 50006);
    expect(fake.validationFailures).toHaveLength(3);
    fake.validationFailures.length = 0;
  });

  it("answers 10062 to a callback later than 3 s, and 40060 to a second callback", async () => {
    const late = new Promise<unknown>((resolve) => {
      handler = async (i) => {
        if (i.isChatInputCommand()) await i.deferReply().then(resolve, resolve);
      };
    });
    fake.command("cast", { prompt: "late" });
    fake.advanceClock(3_500);
    const err = (await late) as DiscordAPIError;
    expect(err).toBeInstanceOf(DiscordAPIError);
    expect(err.code).toBe(10062);

    const replied = new Promise<void>((resolve) => {
      handler = async (i) => {
        if (i.isChatInputCommand()) {
          await i.reply({ content: "first" });
          resolve();
        }
      };
    });
    const h = fake.command("cast", { prompt: "twice" });
    await replied;
    await expectDiscordError(
      client.rest.post(Routes.interactionCallback(h.id, h.token), { body: { type: 4, data: { content: "second" } }, auth: false }),
      400,
      40060,
    );
    expect(h.original()?.content).toBe("first");
  });

  it("expires the interaction webhook after 15 minutes (401 50027)", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const deferred = new Promise<void>((resolveDeferred) => {
      handler = async (i) => {
        if (!i.isChatInputCommand()) return;
        await i.deferReply({ flags: MessageFlags.Ephemeral });
        resolveDeferred();
        await gate;
        editOutcome.push(await i.editReply("too late").then(() => "ok", (e: unknown) => e));
      };
    });
    const editOutcome: unknown[] = [];
    const h = fake.command("cast", { prompt: "slow" });
    await deferred;
    expect(h.original()?.ephemeral).toBe(true);
    expect(h.original()?.loading).toBe(true);
    fake.advanceClock(15 * 60 * 1000 + 1);
    release();
    const [err] = await fake.waitFor(() => editOutcome.length > 0 && editOutcome, 2000, "edit attempt");
    expect(err).toBeInstanceOf(DiscordAPIError);
    expect([(err as DiscordAPIError).status, (err as DiscordAPIError).code]).toEqual([401, 50027]);
    expect(h.original()?.loading).toBe(true);
  });

  it("retries after an injected 429 on PATCH @original", async () => {
    fake.failNext({ method: "PATCH", path: /\/messages\/@original$/, status: 429, retryAfter: 0.2 });
    const done = new Promise<void>((resolve, reject) => {
      handler = async (i) => {
        if (!i.isChatInputCommand()) return;
        await i.deferReply();
        await i.editReply("after rate limit").then(() => resolve(), reject);
      };
    });
    const h = fake.command("cast", { prompt: "busy" });
    await done;
    const patches = fake.requests.filter((r) => r.method === "PATCH" && r.path === `/webhooks/${fake.applicationId}/${h.token}/messages/@original`);
    expect(patches.map((r) => r.status)).toEqual([429, 200]);
    expect(patches[1]!.at - patches[0]!.at).toBeGreaterThanOrEqual(190);
    expect(h.original()?.content).toBe("after rate limit");
    const ok = fake.requests.find((r) => r.status === 200 && r.path.startsWith("/webhooks/"));
    expect(ok).toBeDefined();
  });

  it("retries injected 5xx answers on follow-ups", async () => {
    fake.failNext({ method: "POST", path: /^\/webhooks\//, status: 502, count: 2 });
    const done = new Promise<void>((resolve, reject) => {
      handler = async (i) => {
        if (!i.isChatInputCommand()) return;
        await i.reply({ content: "working", flags: MessageFlags.Ephemeral });
        await i.followUp({ content: "secret", flags: MessageFlags.Ephemeral }).then(() => resolve(), reject);
      };
    });
    const h = fake.command("cast", { prompt: "flaky" });
    await done;
    expect(h.original()?.ephemeral).toBe(true);
    expect(h.followups().map((m) => [m.content, m.ephemeral])).toEqual([["secret", true]]);
    expect(fake.requests.filter((r) => r.method === "POST" && r.path === `/webhooks/${fake.applicationId}/${h.token}`).map((r) => r.status)).toEqual([502, 502, 200]);
  });

  it("answers an injected Discord JSON error (404 Unknown Webhook) as Discord would, once, and lists the tokens it issued", async () => {
    fake.failNext({ method: "PATCH", path: /\/messages\/@original$/, error: errors.unknownWebhook() });
    const outcome = new Promise<unknown[]>((resolve) => {
      handler = async (i) => {
        if (!i.isChatInputCommand()) return;
        await i.deferReply();
        const first = await i.editReply("gone?").then(() => "ok", (e: unknown) => e);
        const second = await i.editReply("back").then(() => "ok", (e: unknown) => e);
        resolve([first, second]);
      };
    });
    const h = fake.command("cast", { prompt: "webhook gone" });
    const [first, second] = await outcome;
    expect(first).toBeInstanceOf(DiscordAPIError);
    expect([(first as DiscordAPIError).status, (first as DiscordAPIError).code, (first as DiscordAPIError).message]).toEqual([404, 10015, "Unknown Webhook"]);
    expect(second).toBe("ok");
    expect(h.original()?.content).toBe("back");
    expect(fake.interactionTokens()).toContain(h.token);
    expect(() => fake.failNext({ path: /x/ })).toThrow(/either status or error/);
  });

  it("resumes after dropGateway and replays an interaction dispatched while disconnected", async () => {
    const received = new Promise<string>((resolve) => {
      handler = async (i) => {
        if (!i.isChatInputCommand()) return;
        await i.reply("still here");
        resolve(i.id);
      };
    });
    const before = { identifies: fake.gateway.identifies, resumes: fake.gateway.resumes };
    fake.dropGateway();
    const h = fake.command("cast", { prompt: "while reconnecting" });
    expect(await received).toBe(h.id);
    expect(fake.gateway.resumes).toBe(before.resumes + 1);
    expect(fake.gateway.identifies).toBe(before.identifies);
    expect((await h.callback()).type).toBe(4);

    // An abrupt cut (no close frame) also ends in a resume.
    fake.dropGateway({ abrupt: true });
    await fake.waitFor(() => fake.gateway.resumes === before.resumes + 2, 5000, "second resume");
    const again = new Promise<void>((resolve) => {
      handler = async (i) => {
        if (i.isChatInputCommand()) await i.reply("ok").then(() => resolve());
      };
    });
    fake.command("cast", { prompt: "after abrupt drop" });
    await again;
  });

  it("answers 413 40005 for an upload over the attachment size limit", async () => {
    const result = new Promise<unknown>((resolve) => {
      handler = async (i) => {
        if (!i.isChatInputCommand()) return;
        await i.deferReply();
        await i.editReply({ files: [{ attachment: Buffer.alloc(fake.attachmentSizeLimit + 1, 1), name: "big.png" }] }).then(resolve, resolve);
      };
    });
    fake.command("cast", { prompt: "huge" });
    const err = (await result) as DiscordAPIError;
    expect(err).toBeInstanceOf(DiscordAPIError);
    expect([err.status, err.code]).toEqual([413, 40005]);
  });

  it("answers 403 50013 when the bot cannot post in a channel, and tells discord.js via CHANNEL_UPDATE", async () => {
    const channel = client.channels.cache.get(fake.otherChannelId) as TextChannel;
    await channel.send("allowed");
    fake.denyPost(fake.otherChannelId);
    await fake.waitFor(() => channel.permissionsFor(client.user!)?.has(PermissionFlagsBits.SendMessages) === false, 2000, "CHANNEL_UPDATE");
    await expectDiscordError(channel.send("denied"), 403, 50013);
    expect(fake.messages(fake.otherChannelId).map((m) => m.content)).toEqual(["allowed"]);
  });

  it("resolves autocomplete with the bot's choices", async () => {
    handler = async (i) => {
      if (i.isAutocomplete()) {
        const typed = i.options.getFocused();
        await i.respond(["anime", "noir", "watercolor"].filter((s) => s.startsWith(typed)).map((s) => ({ name: s, value: s })));
      }
    };
    const h = fake.autocomplete("cast", { prompt: "x", style: "n" }, "style");
    const cb = await h.callback();
    expect(cb.type).toBe(8);
    expect(cb.data.choices).toEqual([{ name: "noir", value: "noir" }]);
  });

  it("says which installation authorized an interaction: the server's own, or only the member's", async () => {
    const seen: { owners: unknown; context: unknown }[] = [];
    handler = async (i) => {
      if (i.isAutocomplete()) {
        seen.push({ owners: i.authorizingIntegrationOwners.toJSON(), context: i.context });
        await i.respond([]);
      }
    };
    await fake.autocomplete("cast", { prompt: "x", style: "n" }, "style").callback();
    await fake.autocomplete("cast", { prompt: "x", style: "n" }, "style", { install: "user" }).callback();
    expect(seen).toEqual([
      { owners: { "0": fake.guildId }, context: 0 },
      { owners: { "1": fake.users.alice.id }, context: 0 },
    ]);
  });

  it("enforces REST auth and records unknown routes", async () => {
    const bad = await fetch(`${fake.apiUrl}/v10/users/@me`, { headers: { authorization: "Bot wrong" } });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ message: "401: Unauthorized", code: 0 });
    const good = await fetch(`${fake.apiUrl}/v10/users/@me`, { headers: { authorization: `Bot ${fake.token}` } });
    expect(good.status).toBe(200);
    expect(good.headers.get("x-ratelimit-bucket")).toBeTruthy();
    expect(good.headers.get("x-ratelimit-remaining")).toMatch(/^\d+$/);
    const missing = await fetch(`${fake.apiUrl}/v10/guilds/${fake.guildId}/bans`, { headers: { authorization: `Bot ${fake.token}` } });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ message: "404: Not Found", code: 0 });
    expect(fake.unknownRoutes.map((r) => r.path)).toContain(`/guilds/${fake.guildId}/bans`);
  });

  it("closes the gateway with 4004 on a wrong token", async () => {
    const ws = new WebSocket(`${fake.wsUrl}?v=10&encoding=json`);
    const code = await new Promise<number>((resolve) => {
      ws.on("message", (data) => {
        const p = JSON.parse(String(data)) as { op: number };
        if (p.op === 10) ws.send(JSON.stringify({ op: 2, d: { token: "nope", intents: 1, properties: {} } }));
      });
      ws.on("close", (c) => resolve(c));
    });
    expect(code).toBe(4004);
  });

  it("supports withResponse, fetchReply, deleteReply, deferUpdate and member permissions", async () => {
    const seen: { withResponse?: string; fetched?: string; modPerms?: boolean; alicePerms?: boolean } = {};
    const done = new Promise<void>((resolve) => {
      handler = async (i) => {
        if (i.isChatInputCommand()) {
          const res = await i.reply({ content: "hello", withResponse: true });
          seen.withResponse = res.resource?.message?.content;
          seen.fetched = (await i.fetchReply()).content;
          if (i.user.id === fake.users.mod.id) seen.modPerms = i.memberPermissions?.has(PermissionFlagsBits.ManageMessages);
          else seen.alicePerms = i.memberPermissions?.has(PermissionFlagsBits.ManageMessages);
          await i.deleteReply();
          resolve();
        }
      };
    }).catch(() => undefined);
    const h = fake.command("cast", { prompt: "r" }, { user: fake.users.mod });
    await done;
    expect(seen).toEqual({ withResponse: "hello", fetched: "hello", modPerms: true });
    expect(h.original()?.deleted).toBe(true);
    expect(fake.users.mod.permissions).toBe((BigInt(fake.users.alice.permissions) | PermissionFlagsBits.ManageMessages).toString());

    // A button acknowledged with deferUpdate, then edited through @original.
    const channel = client.channels.cache.get(fake.channelId) as TextChannel;
    const row = new ActionRowBuilder<ButtonBuilder>().addComponents(new ButtonBuilder().setCustomId("vote").setLabel("Vote").setStyle(ButtonStyle.Success));
    const sent = await channel.send({ content: "Pick one", components: [row] });
    const stored = fake.message(sent.id)!;
    const updated = new Promise<void>((resolve) => {
      handler = async (i) => {
        if (!i.isButton()) return;
        await i.deferUpdate();
        await i.editReply({ content: `Voted by ${i.user.username}` });
        resolve();
      };
    });
    const press = fake.button("vote", stored, { user: fake.users.bob });
    await updated;
    expect((await press.callback()).type).toBe(6);
    expect(press.original()?.id).toBe(sent.id);
    expect(fake.message(sent.id)?.content).toBe("Voted by bob");
    expect(() => fake.button("nope", stored)).toThrow(/no button/);
  });

  it("supports channel message fetch/edit/delete, DMs and denied DMs", async () => {
    const channel = client.channels.cache.get(fake.channelId) as TextChannel;
    const m = await channel.send({ content: "draft", files: [{ attachment: PNG, name: "my image.png" }] });
    expect(m.attachments.first()?.name).toBe("my_image.png");
    const fetched = await channel.messages.fetch({ message: m.id, force: true });
    expect(fetched.content).toBe("draft");
    await m.edit({ content: "final", attachments: [] });
    expect(fake.message(m.id)).toMatchObject({ content: "final", editCount: 1, attachments: [] });
    const reply = await m.reply("a reply");
    expect(fake.message(reply.id)?.message_reference).toMatchObject({ message_id: m.id });
    await m.delete();
    expect(fake.message(m.id)?.deleted).toBe(true);
    await expectDiscordError(channel.messages.fetch({ message: m.id, force: true }), 404, 10008);

    const app = await client.application!.fetch();
    expect(app.id).toBe(fake.applicationId);

    const alice = await client.users.fetch(fake.users.alice.id, { force: true }).catch(() => undefined);
    expect(alice).toBeUndefined(); // GET /users/{id} is not implemented → 404, recorded
    expect(fake.unknownRoutes.some((r) => r.path === `/users/${fake.users.alice.id}`)).toBe(true);

    const dm = await client.rest.post(Routes.userChannels(), { body: { recipient_id: fake.users.alice.id } }) as { id: string; type: number };
    expect(dm.type).toBe(1);
    expect(dm.id).toBe(fake.dmChannel(fake.users.alice.id));
    await client.rest.post(Routes.channelMessages(dm.id), { body: { content: "psst" } });
    expect(fake.messages(dm.id).map((x) => x.content)).toEqual(["psst"]);
    fake.denyDm(fake.users.alice.id);
    await expectDiscordError(client.rest.post(Routes.channelMessages(dm.id), { body: { content: "again" } }), 403, 50007);
    expect(fake.validationFailures).toEqual([]);
  });

  it("accepts a file in the initial callback (multipart) and guards command() against unregistered options", async () => {
    const done = new Promise<void>((resolve, reject) => {
      handler = async (i) => {
        if (i.isChatInputCommand()) await i.reply({ content: "here", files: [{ attachment: PNG, name: "scene.png", description: "A scene" }] }).then(() => resolve(), reject);
      };
    });
    const h = fake.command("cast", { prompt: "file" });
    await done;
    const original = h.original()!;
    expect(original.attachments.map((a) => [a.filename, a.description, a.bytes.equals(PNG)])).toEqual([["scene.png", "A scene", true]]);
    expect(original.raw.interaction_metadata).toMatchObject({ id: h.id, type: 2 });
    expect(() => fake.command("cast", { prompt: "x", nope: 1 })).toThrow(/no option "nope"/);
    fake.warnings.length = 0;
    fake.command("cast", {}); // a stale/forged request: dispatched, but noted
    expect(fake.warnings).toEqual(['/cast dispatched without required option "prompt"']);
    expect(() => fake.command("cast", { prompt: 5 })).toThrow(/must be a string/);
  });

  it("only ever answered with documented response shapes", () => {
    for (const f of fake.responseValidationFailures) console.log(f.method, f.route, f.status, JSON.stringify(f.errors.slice(0, 6)));
    expect(fake.responseValidationFailures).toEqual([]);
    expect(handlerErrors).toEqual([]);
  });
});
