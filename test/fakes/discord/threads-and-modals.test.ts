/**
 * Threads, modals, string selects and non-image uploads, driven by a REAL discord.js Client.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  ChannelType,
  Client,
  DiscordAPIError,
  Events,
  FileUploadBuilder,
  GatewayIntentBits,
  LabelBuilder,
  ModalBuilder,
  Routes,
  StringSelectMenuBuilder,
  TextInputBuilder,
  TextInputStyle,
  type Interaction,
  type TextChannel,
  type ThreadChannel,
} from "discord.js";
import { startFakeDiscord, type FakeDiscord } from "../../../fakes/discord/index.js";

let fake: FakeDiscord;
let client: Client;
let handler: ((i: Interaction) => Promise<void>) | undefined;
const handlerErrors: unknown[] = [];
/** Gateway dispatches as discord.js received them (its "raw" event). */
const raw: { t: string; d: any }[] = [];
const dispatched = (t: string, id: string) => raw.filter((p) => p.t === t && p.d?.id === id);

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

/** Resolves with what `fn` returns for the next interaction it handles (non-undefined). */
function nextInteraction<T>(fn: (i: Interaction) => Promise<T | undefined>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    handler = async (i) => {
      try {
        const v = await fn(i);
        if (v !== undefined) resolve(v);
      } catch (e) {
        reject(e);
        throw e;
      }
    };
  });
}

const mainChannel = () => client.channels.cache.get(fake.channelId) as TextChannel;

beforeAll(async () => {
  fake = await startFakeDiscord();
  client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
  client.on(Events.Raw, (p: { t?: string; d?: unknown }) => {
    if (p.t) raw.push({ t: p.t, d: p.d });
  });
  client.on(Events.InteractionCreate, (i) => {
    const h = handler;
    if (h) h(i).catch((e: unknown) => handlerErrors.push(e));
  });
  const ready = new Promise<void>((r) => client.once(Events.ClientReady, () => r()));
  await client.login(fake.token);
  await ready;
});

afterEach(() => {
  handler = undefined;
});

afterAll(async () => {
  await client?.destroy();
  await fake?.close();
});

describe("threads", () => {
  let thread: ThreadChannel;

  it("creates a thread with channel.threads.create, posts in it and archives it", async () => {
    thread = await mainChannel().threads.create({ name: "The moon story" });
    expect(thread.isThread()).toBe(true);
    expect(thread.type).toBe(ChannelType.PublicThread);
    expect(thread.parentId).toBe(fake.channelId);
    expect(thread.ownerId).toBe(fake.botUserId);
    expect(thread.autoArchiveDuration).toBe(1440); // documented default when omitted
    // THREAD_CREATE reached the client too (docs "Gateway Events" → Thread Create: newly_created).
    const [ev] = await fake.waitFor(() => dispatched("THREAD_CREATE", thread.id).length === 1 && dispatched("THREAD_CREATE", thread.id), 2000, "THREAD_CREATE");
    expect(ev!.d).toMatchObject({ newly_created: true, parent_id: fake.channelId, type: 11, member: { user_id: fake.botUserId } });

    const stored = fake.thread(thread.id)!;
    expect(stored).toMatchObject({
      id: thread.id,
      type: 11,
      parentId: fake.channelId,
      guildId: fake.guildId,
      name: "The moon story",
      archived: false,
      locked: false,
      ownerId: fake.botUserId,
      memberIds: [fake.botUserId],
      messageCount: 0,
    });
    expect(stored.createdAt).toBeLessThanOrEqual(fake.now());
    expect(stored.raw).toMatchObject({
      parent_id: fake.channelId,
      owner_id: fake.botUserId,
      guild_id: fake.guildId,
      thread_metadata: { archived: false, locked: false, auto_archive_duration: 1440 },
      member_count: 1,
      message_count: 0,
    });
    expect(fake.threads().map((t) => t.id)).toEqual([thread.id]);
    expect(fake.threads(fake.otherChannelId)).toEqual([]);

    const sent = await thread.send({ content: "Chapter 1", files: [{ attachment: Buffer.from("<p>hi</p>"), name: "chapter.html" }] });
    expect(sent.channelId).toBe(thread.id);
    const inThread = fake.messages(thread.id);
    expect(inThread.map((m) => [m.content, m.channelId])).toEqual([["Chapter 1", thread.id]]);
    expect(inThread[0]!.attachments[0]!.bytes.toString()).toBe("<p>hi</p>");
    expect(fake.messages(fake.channelId)).toEqual([]); // nothing leaked into the parent
    expect(fake.thread(thread.id)).toMatchObject({ messageCount: 1, totalMessageSent: 1 });

    const fetched = await client.channels.fetch(thread.id, { force: true });
    expect(fetched?.isThread()).toBe(true);

    await thread.setArchived(true);
    expect(fake.thread(thread.id)).toMatchObject({ archived: true, locked: false });
    expect(thread.archived).toBe(true);
    const [upd] = await fake.waitFor(() => dispatched("THREAD_UPDATE", thread.id).length === 1 && dispatched("THREAD_UPDATE", thread.id), 2000, "THREAD_UPDATE");
    expect(upd!.d.thread_metadata).toMatchObject({ archived: true, locked: false });
    const patch = fake.requests.find((r) => r.method === "PATCH" && r.path === `/channels/${thread.id}`)!;
    expect(patch.body).toEqual({ archived: true });
    expect(fake.validationFailures).toEqual([]);
  });

  it("follows the archive/lock rules: sending unarchives, locked threads refuse", async () => {
    // An archived thread only accepts a modification that unarchives it.
    await expectDiscordError(thread.setName("renamed"), 400, 50083);
    // "The API will helpfully automatically unarchive a thread when sending a message in that thread."
    await thread.send("Chapter 2");
    expect(fake.thread(thread.id)?.archived).toBe(false);
    await fake.waitFor(() => thread.archived === false, 2000, "THREAD_UPDATE (unarchived)");

    // Locking needs MANAGE_THREADS, which the bot does not have by default.
    await expectDiscordError(thread.setLocked(true), 403, 50013);
    // A moderator archives and locks it: the bot can neither post nor unarchive.
    fake.updateThread(thread.id, { archived: true, locked: true });
    await fake.waitFor(() => thread.locked === true, 2000, "THREAD_UPDATE (locked)");
    await expectDiscordError(thread.send("Chapter 3"), 400, 50083);
    await expectDiscordError(thread.setArchived(false), 403, 50013);
    fake.updateThread(thread.id, { archived: false });
    await expectDiscordError(thread.send("Chapter 3"), 403, 160005);
    fake.updateThread(thread.id, { locked: false });
    await thread.send("Chapter 3");
    expect(fake.messages(thread.id).map((m) => m.content)).toEqual(["Chapter 1", "Chapter 2", "Chapter 3"]);
    await thread.setName("The moon saga");
    expect(fake.thread(thread.id)?.name).toBe("The moon saga");
    expect(fake.validationFailures).toEqual([]);
  });

  it("starts a thread from a message (same id, once), and private threads", async () => {
    const msg = await mainChannel().send("Scene ready");
    const fromMsg = await msg.startThread({ name: "Comments", autoArchiveDuration: 60 });
    expect(fromMsg.id).toBe(msg.id);
    expect(fake.thread(msg.id)).toMatchObject({ fromMessageId: msg.id, type: 11, autoArchiveDuration: 60 });
    expect(fake.message(msg.id)!.flags & (1 << 5)).toBe(1 << 5); // HAS_THREAD
    expect(fake.message(msg.id)!.raw.thread).toMatchObject({ id: msg.id, parent_id: fake.channelId });
    await expectDiscordError(
      client.rest.post(Routes.threads(fake.channelId, msg.id), { body: { name: "again" } }),
      400,
      160004,
    );

    const priv = await mainChannel().threads.create({ name: "Secret", type: ChannelType.PrivateThread, invitable: false });
    expect(priv.type).toBe(ChannelType.PrivateThread);
    expect(fake.thread(priv.id)).toMatchObject({ type: 12, invitable: false });
    // Without `type`, Start Thread without Message makes a PRIVATE_THREAD (documented default).
    const raw = (await client.rest.post(Routes.threads(fake.channelId), { body: { name: "untyped" } })) as { type: number };
    expect(raw.type).toBe(12);
    await expectDiscordError(client.rest.post(Routes.threads(fake.channelId), { body: { name: "x", auto_archive_duration: 30 } }), 400, 50035);
    await expectDiscordError(client.rest.post(Routes.threads(priv.id), { body: { name: "nested" } }), 400, 50024);
    fake.validationFailures.length = 0;
  });

  it("tells the bot about a thread a user starts (THREAD_CREATE) and dispatches commands in it", async () => {
    const t = fake.createThread({ name: "Alice's story", user: fake.users.alice });
    const cached = await fake.waitFor(() => client.channels.cache.get(t.id), 2000, "THREAD_CREATE");
    expect(cached.isThread()).toBe(true);
    expect(t).toMatchObject({ ownerId: fake.users.alice.id, memberIds: [fake.users.alice.id] });

    const seen = nextInteraction(async (i) => {
      if (!i.isChatInputCommand()) return undefined;
      await i.reply("in the thread");
      return { channelId: i.channelId, isThread: i.channel?.isThread(), parentId: i.channel?.isThread() ? i.channel.parentId : null };
    });
    const h = fake.command("cast", { prompt: "a duel" }, { channelId: t.id });
    expect(await seen).toEqual({ channelId: t.id, isThread: true, parentId: fake.channelId });
    expect(h.payload).toMatchObject({
      channel_id: t.id,
      guild_id: fake.guildId,
      channel: { id: t.id, type: 11, parent_id: fake.channelId, thread_metadata: { archived: false } },
    });
    expect(h.payload.channel).not.toHaveProperty("member");
    expect(h.original()).toMatchObject({ channelId: t.id, content: "in the thread" });
    expect(fake.messages(t.id).map((m) => m.content)).toEqual(["in the thread"]);

    // Interaction replies do not join the bot; sending a message does (THREAD_MEMBERS_UPDATE).
    expect(fake.thread(t.id)?.memberIds).toEqual([fake.users.alice.id]);
    await (cached as ThreadChannel).send("the bot joins");
    expect(fake.thread(t.id)?.memberIds).toEqual([fake.users.alice.id, fake.botUserId]);
    await fake.waitFor(() => dispatched("THREAD_MEMBERS_UPDATE", t.id).length === 1, 2000, "THREAD_MEMBERS_UPDATE");
    await fake.waitFor(() => (cached as ThreadChannel).memberCount === 2, 2000, "member count");

    // A command in an archived thread is still delivered but noted (Discord's client would not send it).
    fake.updateThread(t.id, { archived: true });
    fake.warnings.length = 0;
    const again = nextInteraction(async (i) => (i.isChatInputCommand() ? (await i.reply("ok"), i.channelId) : undefined));
    fake.command("cast", { prompt: "late" }, { channelId: t.id });
    expect(await again).toBe(t.id);
    expect(fake.warnings).toEqual([expect.stringMatching(/archived thread/)]);
    fake.warnings.length = 0;
  });

  it("sends the thread in the interaction payload even when the client has not cached it", async () => {
    // A private thread the bot is not in: no THREAD_CREATE, but interactions still carry the channel.
    const t = fake.createThread({ name: "Hidden", type: 12, user: fake.users.bob });
    expect(client.channels.cache.has(t.id)).toBe(false);
    const seen = nextInteraction(async (i) => {
      if (!i.isChatInputCommand()) return undefined;
      await i.reply({ content: "hi" });
      return { channelId: i.channelId, cached: i.channel !== null, appCanView: i.appPermissions.has("ViewChannel") };
    });
    const h = fake.command("cast", { prompt: "x" }, { channelId: t.id, user: fake.users.bob });
    // discord.js only caches channels from interaction payloads with Partials.Channel: i.channel is null here.
    expect(await seen).toEqual({ channelId: t.id, cached: false, appCanView: false });
    expect(h.payload.channel).toMatchObject({ id: t.id, type: 12, parent_id: fake.channelId });
    expect(h.original()?.channelId).toBe(t.id);
    await expectDiscordError(client.channels.fetch(t.id, { force: true }), 403, 50001);
  });
});

describe("threads with MANAGE_THREADS", () => {
  it("lets a bot with MANAGE_THREADS (startFakeDiscord({ botPermissions })) lock and post in locked threads", async () => {
    const f2 = await startFakeDiscord({ botPermissions: 1n << 34n });
    const c2 = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: f2.apiUrl } });
    try {
      const ready = new Promise<void>((r) => c2.once(Events.ClientReady, () => r()));
      await c2.login(f2.token);
      await ready;
      const t = await (c2.channels.cache.get(f2.channelId) as TextChannel).threads.create({ name: "Moderated" });
      await t.setLocked(true);
      await t.setArchived(true);
      expect(f2.thread(t.id)).toMatchObject({ locked: true, archived: true });
      await t.send("still allowed");
      expect(f2.thread(t.id)).toMatchObject({ locked: true, archived: false });
      // A fresh login gets the active threads in GUILD_CREATE ("threads": active threads the user can view).
      const archived = await (c2.channels.cache.get(f2.channelId) as TextChannel).threads.create({ name: "Old" });
      await archived.setArchived(true);
      await c2.destroy();
      const c3 = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: f2.apiUrl } });
      const ready3 = new Promise<void>((r) => c3.once(Events.ClientReady, () => r()));
      await c3.login(f2.token);
      await ready3;
      expect(c3.channels.cache.get(t.id)?.isThread()).toBe(true);
      expect(c3.channels.cache.has(archived.id)).toBe(false);
      expect(c3.guilds.cache.get(f2.guildId)?.channels.cache.filter((c) => !c.isThread()).size).toBe(2);
      await c3.destroy();
      expect(f2.validationFailures).toEqual([]);
      expect(f2.responseValidationFailures).toEqual([]);
    } finally {
      await c2.destroy();
      await f2.close();
    }
  });
});

describe("modals", () => {
  it("button → showModal (action rows) → submitModal → update the message", async () => {
    const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder().setCustomId("rename").setLabel("Rename").setStyle(ButtonStyle.Primary),
    );
    const sent = await mainChannel().send({ content: "Character: Bob", components: [row] });
    handler = async (i) => {
      if (i.isButton()) {
        const modal = new ModalBuilder()
          .setCustomId("rename-modal")
          .setTitle("Rename the character")
          .addComponents(
            new ActionRowBuilder<TextInputBuilder>().addComponents(
              new TextInputBuilder().setCustomId("name").setLabel("Name").setStyle(TextInputStyle.Short).setValue("Bob"),
            ),
            new ActionRowBuilder<TextInputBuilder>().addComponents(
              new TextInputBuilder().setCustomId("bio").setLabel("Bio").setStyle(TextInputStyle.Paragraph).setRequired(false),
            ),
          );
        await i.showModal(modal);
      }
    };
    const press = fake.button("rename", fake.message(sent.id)!);
    const cb = await press.callback();
    expect(cb.type).toBe(9);
    expect(cb.data).toMatchObject({
      custom_id: "rename-modal",
      title: "Rename the character",
      components: [
        { type: 1, components: [{ type: 4, custom_id: "name", style: 1, value: "Bob" }] },
        { type: 1, components: [{ type: 4, custom_id: "bio", style: 2, required: false }] },
      ],
    });
    expect(press.original()).toBeUndefined(); // a modal is not a message

    const submitted = nextInteraction(async (i) => {
      if (!i.isModalSubmit()) return undefined;
      const out = {
        customId: i.customId,
        name: i.fields.getTextInputValue("name"),
        bio: i.fields.getTextInputValue("bio"),
        fromMessage: i.isFromMessage(),
        messageId: i.message?.id,
        user: i.user.id,
      };
      if (i.isFromMessage()) await i.update({ content: `Character: ${out.name}`, components: [] });
      return out;
    });
    const submit = fake.submitModal(press, { name: "Ada" });
    expect(await submitted).toEqual({
      customId: "rename-modal",
      name: "Ada",
      bio: "",
      fromMessage: true,
      messageId: sent.id,
      user: fake.users.alice.id,
    });
    expect((await submit.callback()).type).toBe(7);
    await fake.waitFor(() => fake.message(sent.id)?.content === "Character: Ada", 2000, "update from modal submit");
    expect(fake.message(sent.id)!.components).toEqual([]);

    // The pre-filled value is what Discord sends for an untouched input.
    const untouched = nextInteraction(async (i) => (i.isModalSubmit() ? (await i.deferUpdate(), i.fields.getTextInputValue("name")) : undefined));
    const h2 = fake.submitModal("rename-modal", {});
    expect(await untouched).toBe("Bob");
    expect((await h2.callback()).type).toBe(6);
    expect(() => fake.submitModal("rename-modal", { nmae: "typo" })).toThrow(/no input "nmae"/);
    expect(fake.validationFailures).toEqual([]);
  });

  it("command → showModal (labels) → submitModal by custom_id → reply with triggering metadata", async () => {
    handler = async (i) => {
      if (i.isChatInputCommand()) {
        await i.showModal(
          new ModalBuilder()
            .setCustomId("story-modal")
            .setTitle("New story")
            .addLabelComponents(
              new LabelBuilder()
                .setLabel("Title")
                .setTextInputComponent(new TextInputBuilder().setCustomId("title").setStyle(TextInputStyle.Short).setMaxLength(40)),
              new LabelBuilder()
                .setLabel("Genre")
                .setStringSelectMenuComponent(
                  new StringSelectMenuBuilder()
                    .setCustomId("genre")
                    .addOptions({ label: "Noir", value: "noir" }, { label: "Fairy tale", value: "fairy" }),
                ),
            ),
        );
      }
    };
    const h = fake.command("cast", { prompt: "modal please" });
    const cb = await h.callback();
    expect(cb.type).toBe(9);
    expect(cb.data.components[0]).toMatchObject({ type: 18, label: "Title", component: { type: 4, custom_id: "title" } });

    const submitted = nextInteraction(async (i) => {
      if (!i.isModalSubmit()) return undefined;
      await i.reply({ content: `Story: ${i.fields.getTextInputValue("title")} (${i.fields.getStringSelectValues("genre").join(",")})` });
      return { fromMessage: i.isFromMessage(), channelId: i.channelId };
    });
    const submit = fake.submitModal("story-modal", { title: "Moonfall", genre: ["noir"] });
    expect(await submitted).toEqual({ fromMessage: false, channelId: fake.channelId });
    expect((await submit.callback()).type).toBe(4);
    const reply = submit.original()!;
    expect(reply.content).toBe("Story: Moonfall (noir)");
    expect(reply.raw.interaction_metadata).toMatchObject({
      id: submit.id,
      type: 5,
      triggering_interaction_metadata: { id: h.id, type: 2 },
    });
    expect(() => fake.submitModal("story-modal", { genre: ["jazz"] })).toThrow(/no option "jazz"/);
    expect(() => fake.submitModal(submit, {})).toThrow(/not answered with a modal/);
  });

  it("button → showModal (labels: optional select, file upload) → submitModal with a file → the bot reads and downloads it", async () => {
    const row = new ActionRowBuilder<ButtonBuilder>().addComponents(new ButtonBuilder().setCustomId("retouch").setLabel("Retouch").setStyle(ButtonStyle.Primary));
    const sent = await mainChannel().send({ content: "A scene", components: [row] });
    handler = async (i) => {
      if (i.isButton()) {
        await i.showModal(
          new ModalBuilder()
            .setCustomId("retouch-modal")
            .setTitle("Retouch")
            .addLabelComponents(
              new LabelBuilder()
                .setLabel("Region")
                .setStringSelectMenuComponent(
                  new StringSelectMenuBuilder().setCustomId("region").setRequired(false).setMinValues(0).addOptions({ label: "Left", value: "left" }, { label: "Right", value: "right" }),
                ),
              new LabelBuilder()
                .setLabel("Mask")
                .setDescription("Optional")
                .setFileUploadComponent(new FileUploadBuilder().setCustomId("mask").setRequired(false).setMinValues(0).setMaxValues(1)),
            ),
        );
      }
    };
    const press = fake.button("retouch", fake.message(sent.id)!);
    const cb = await press.callback();
    expect(cb.type).toBe(9);
    expect(cb.data.components[1]).toMatchObject({ type: 18, label: "Mask", component: { type: 19, custom_id: "mask", required: false } });

    const bytes = Buffer.from("not really a png, just bytes to round-trip");
    const file = fake.attachment(bytes, "mask.png", { contentType: "image/png" });
    const submitted = nextInteraction(async (i) => {
      if (!i.isModalSubmit()) return undefined;
      await i.deferReply({ flags: 64 });
      const files = i.fields.getUploadedFiles("mask");
      const first = files?.first();
      const downloaded = first ? Buffer.from(await (await fetch(first.url)).arrayBuffer()) : undefined;
      return { region: i.fields.getStringSelectValues("region"), ids: [...(files?.keys() ?? [])], name: first?.name, size: first?.size, same: downloaded?.equals(bytes) };
    });
    const submit = fake.submitModal(press, { region: ["left"], mask: [file] });
    expect(await submitted).toEqual({ region: ["left"], ids: [file.id], name: "mask.png", size: bytes.length, same: true });
    expect(submit.payload.data.components[1]).toEqual({ type: 18, id: expect.any(Number), component: { type: 19, id: expect.any(Number), custom_id: "mask", values: [file.id] } });
    expect(submit.payload.data.resolved.attachments[file.id]).toMatchObject({ id: file.id, filename: "mask.png", url: file.url });

    // Nothing chosen: the select and the upload send empty values, and nothing is resolved.
    const empty = nextInteraction(async (i) => {
      if (!i.isModalSubmit()) return undefined;
      await i.deferReply({ flags: 64 });
      return { region: i.fields.getStringSelectValues("region"), files: i.fields.getUploadedFiles("mask")?.size ?? 0 };
    });
    const blank = fake.submitModal("retouch-modal", {});
    expect(await empty).toEqual({ region: [], files: 0 });
    expect(blank.payload.data.components[1].component.values).toEqual([]);
    expect(blank.payload.data.resolved).toBeUndefined();
    expect(() => fake.submitModal("retouch-modal", { mask: "mask.png" })).toThrow(/takes an array of fake.attachment/);
    expect(() => fake.submitModal("retouch-modal", { region: [file] as never })).toThrow(/takes an array of option values/);
    expect(fake.warnings.filter((w) => w.includes("retouch-modal"))).toEqual([]);
    expect(fake.validationFailures).toEqual([]);
  });

  it("notes an empty required file upload in warnings, as Discord's client would not send it", async () => {
    handler = async (i) => {
      if (i.isChatInputCommand()) {
        await i.showModal(
          new ModalBuilder()
            .setCustomId("needs-file")
            .setTitle("A file")
            .addLabelComponents(new LabelBuilder().setLabel("File").setFileUploadComponent(new FileUploadBuilder().setCustomId("file"))),
        );
      }
    };
    expect((await fake.command("cast", { prompt: "file please" }).callback()).type).toBe(9);
    handler = async (i) => {
      if (i.isModalSubmit()) await i.reply({ content: "ok", flags: 64 });
    };
    await fake.submitModal("needs-file", {}).callback();
    expect(fake.warnings).toContainEqual(expect.stringMatching(/required file upload "file" submitted empty/));
  });

  it("rejects what Discord rejects: bad modals, update answers without a message, modal answering a modal", async () => {
    handler = async () => undefined; // answer by hand below
    const h = fake.command("cast", { prompt: "raw" });
    const input = (id: string) => ({ type: 1, components: [{ type: 4, custom_id: id, label: "L", style: 1 }] });
    const cbRoute = Routes.interactionCallback(h.id, h.token);
    await expectDiscordError(
      client.rest.post(cbRoute, { body: { type: 9, data: { custom_id: "m", title: "t", components: ["a", "b", "c", "d", "e", "f"].map(input) } }, auth: false }),
      400,
      50035,
    );
    await expectDiscordError(
      client.rest.post(cbRoute, { body: { type: 9, data: { custom_id: "m", title: "t", components: [input("same"), input("same")] } }, auth: false }),
      400,
      50035,
    );
    await expectDiscordError(
      client.rest.post(cbRoute, {
        body: { type: 9, data: { custom_id: "m", title: "t", components: [{ type: 1, components: [{ type: 4, custom_id: "a", style: 1 }] }] } },
        auth: false,
      }),
      400,
      50035,
    );
    expect(fake.validationFailures).toHaveLength(3);
    await client.rest.post(cbRoute, { body: { type: 9, data: { custom_id: "m", title: "t", components: [input("a")] } }, auth: false });
    fake.validationFailures.length = 0;

    const s = fake.submitModal(h, { a: "x" });
    const sRoute = Routes.interactionCallback(s.id, s.token);
    await expectDiscordError(client.rest.post(sRoute, { body: { type: 6 }, auth: false }), 400, 50035); // no message to update
    await expectDiscordError(
      client.rest.post(sRoute, { body: { type: 9, data: { custom_id: "m2", title: "t", components: [input("b")] } }, auth: false }),
      400,
      50035,
    );
    await client.rest.post(sRoute, { body: { type: 4, data: { content: "thanks" } }, auth: false });
    expect(s.original()?.content).toBe("thanks");
    fake.validationFailures.length = 0;
  });
});

describe("string selects and files", () => {
  it("dispatches a string select with the chosen values", async () => {
    const menu = new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(
      new StringSelectMenuBuilder()
        .setCustomId("style")
        .setMaxValues(2)
        .addOptions({ label: "Anime", value: "anime" }, { label: "Noir", value: "noir" }, { label: "Oil", value: "oil" }),
    );
    const sent = await mainChannel().send({ content: "Pick a style", components: [menu] });
    const picked = nextInteraction(async (i) => (i.isStringSelectMenu() ? (await i.deferUpdate(), i.values) : undefined));
    const h = fake.select("style", fake.message(sent.id)!, ["noir", "oil"]);
    expect(await picked).toEqual(["noir", "oil"]);
    expect((await h.callback()).type).toBe(6);
    expect(() => fake.select("style", fake.message(sent.id)!, ["jazz"])).toThrow(/no option/);
  });

  it("stores an uploaded .html file with its bytes and text/html content type", async () => {
    const html = Buffer.from("<!doctype html><html><body><h1>The moon</h1></body></html>", "utf8");
    const m = await mainChannel().send({ content: "Your story", files: [{ attachment: html, name: "story.html" }] });
    const stored = fake.message(m.id)!;
    expect(stored.attachments).toHaveLength(1);
    const a = stored.attachments[0]!;
    expect(a.filename).toBe("story.html");
    expect(a.bytes.equals(html)).toBe(true);
    expect(a.size).toBe(html.length);
    expect(a.contentType).toMatch(/^text\/html/);
    expect(a.width).toBeUndefined();
    expect(m.attachments.first()?.contentType).toMatch(/^text\/html/);
    const res = await fetch(a.url);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(Buffer.from(await res.arrayBuffer()).equals(html)).toBe(true);
  });

  it("only ever answered with documented response shapes and without validation failures", () => {
    for (const f of fake.responseValidationFailures) console.log(f.method, f.route, f.status, JSON.stringify(f.errors.slice(0, 6)));
    expect(fake.responseValidationFailures).toEqual([]);
    expect(fake.validationFailures).toEqual([]);
    expect(handlerErrors).toEqual([]);
  });
});
