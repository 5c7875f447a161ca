/**
 * The fake Discord's Components V2 rules (fakes/discord/components-v2.ts), driven with the real
 * discord.js REST client: a valid card passes on every path a message is made by (channel post,
 * webhook follow-up, interaction callback, edit of a deferred reply), and each rule, broken,
 * answers 400 50035 with the field that broke it, so a bot that breaks one finds out in tests.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Client, DiscordAPIError, Events, GatewayIntentBits, MessageFlags, Routes, type Interaction, type RawFile } from "discord.js";
import { startFakeDiscord, type FakeDiscord } from "../../../fakes/discord/index.js";

// A real 1×1 PNG.
const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d4948445200000001000000010806000000" + "1f15c4890000000d49444154789c63f8cfc0f01f0005000201" + "bd0bb5f90000000049454e44ae426082",
  "hex",
);
const V2 = MessageFlags.IsComponentsV2;

let fake: FakeDiscord;
let client: Client;
let handler: ((i: Interaction) => Promise<void>) | undefined;

const files = (...names: string[]): RawFile[] => names.map((name) => ({ name, data: PNG, contentType: "image/png" }));
const attachments = (...names: string[]) => names.map((filename, id) => ({ id: String(id), filename }));
const gallery = (...names: string[]) => ({ type: 12, items: names.map((name) => ({ media: { url: `attachment://${name}` } })) });
const button = { type: 1, components: [{ type: 2, style: 1, label: "Reroll", custom_id: "reroll" }] };
/** A result card as StoryCast posts one: caption, gallery, buttons, in a container. */
const card = (...names: string[]) => [{ type: 17, components: [{ type: 10, content: "🎬 Scene for someone\n> a prompt" }, gallery(...names), button] }];

async function refused(p: Promise<unknown>): Promise<Record<string, unknown>> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DiscordAPIError);
  const de = error as DiscordAPIError;
  expect({ status: de.status, code: de.code }).toEqual({ status: 400, code: 50035 });
  return (de.rawError as { errors: Record<string, unknown> }).errors;
}
const post = (body: Record<string, unknown>, names: string[] = []) => client.rest.post(Routes.channelMessages(fake.channelId), { body, files: files(...names) });

beforeAll(async () => {
  fake = await startFakeDiscord();
  client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
  client.on(Events.InteractionCreate, (i) => void handler?.(i));
  const ready = new Promise<void>((r) => client.once(Events.ClientReady, () => r()));
  await client.login(fake.token);
  await ready;
  await fake.waitForReady();
  await client.application!.commands.set([{ name: "card", description: "Shows a card" }]);
});

afterEach(() => {
  handler = undefined;
  fake.validationFailures.length = 0;
});

afterAll(async () => {
  await client?.destroy();
  await fake?.close();
});

describe("Components V2 cards in the fake Discord", () => {
  it("accepts a card whose gallery references its 2 attachments, and answers with the media resolved", async () => {
    const sent = (await post({ flags: V2, components: card("a.png", "b.png"), attachments: attachments("a.png", "b.png") }, ["a.png", "b.png"])) as { id: string };
    const stored = fake.message(sent.id)!;
    expect(stored.flags & V2).toBe(V2);
    expect(stored.content).toBe("");
    expect(stored.text).toContain("🎬 Scene for someone");
    expect(stored.attachments.map((a) => a.filename)).toEqual(["a.png", "b.png"]);
    const items = (stored.components[0] as { components: { type: number; items?: { media: { url: string; attachment_id: string } }[] }[] }).components[1]!.items!;
    expect(items.map((item) => [item.media.url, item.media.attachment_id])).toEqual(stored.attachments.map((a) => [a.url, a.id]));
    expect(fake.validationFailures).toEqual([]);
  });

  it("refuses content, embeds, a poll or stickers beside the flag", async () => {
    const legacy = { _errors: [expect.objectContaining({ code: "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2" })] };
    const base = { flags: V2, components: card("a.png"), attachments: attachments("a.png") };
    expect(await refused(post({ ...base, content: "hello" }, ["a.png"]))).toEqual({ content: legacy });
    expect(await refused(post({ ...base, embeds: [{ title: "x" }] }, ["a.png"]))).toEqual({ embeds: legacy });
    expect(await refused(post({ ...base, poll: { question: { text: "q?" }, answers: [{ poll_media: { text: "a" } }] } }, ["a.png"]))).toEqual({ poll: legacy });
    expect(await refused(post({ ...base, sticker_ids: ["123"] }, ["a.png"]))).toEqual({ sticker_ids: legacy });
  });

  it("refuses an attachment no component shows, and a reference to no attachment", async () => {
    const errors = await refused(post({ flags: V2, components: card("a.png"), attachments: attachments("a.png", "b.png") }, ["a.png", "b.png"]));
    expect(errors).toEqual({ attachments: { "1": { _errors: [expect.objectContaining({ code: "ATTACHMENT_NOT_REFERENCED" })] } } });
    const missing = await refused(post({ flags: V2, components: card("a.png", "c.png"), attachments: attachments("a.png") }, ["a.png"]));
    expect(JSON.stringify(missing)).toContain("UNFURLED_MEDIA_ATTACHMENT_NOT_FOUND");
  });

  it("refuses more than 40 components in the tree (nested ones count), and more than 4000 characters of text", async () => {
    const text = (content: string) => ({ type: 10, content });
    // 1 container + 39 texts = 40: the limit itself passes.
    await post({ flags: V2, components: [{ type: 17, components: Array.from({ length: 39 }, () => text("x")) }] });
    const tooMany = await refused(post({ flags: V2, components: [{ type: 17, components: Array.from({ length: 40 }, () => text("x")) }] }));
    expect(tooMany).toEqual({ components: { _errors: [expect.objectContaining({ code: "BASE_TYPE_MAX_LENGTH" })] } });
    await post({ flags: V2, components: [text("y".repeat(2000)), text("y".repeat(2000))] });
    const tooLong = await refused(post({ flags: V2, components: [text("y".repeat(2000)), text("y".repeat(2001))] }));
    expect(tooLong).toEqual({ components: { _errors: [expect.objectContaining({ code: "MAX_TEXT_DISPLAY_LENGTH_EXCEEDED" })] } });
  });

  it("refuses malformed cards through the OpenAPI validator: an item without media, a gallery of 11 or of none", async () => {
    const names = Array.from({ length: 11 }, (_, i) => `${i}.png`);
    await refused(post({ flags: V2, components: [{ type: 12, items: [{ description: "no media" }] }] }));
    await refused(post({ flags: V2, components: [gallery(...names)], attachments: attachments(...names.slice(0, 10)) }, names.slice(0, 10)));
    await refused(post({ flags: V2, components: [{ type: 12, items: [] }] }));
    // A V2 component without the flag is refused too.
    await refused(post({ content: "x", components: [{ type: 10, content: "text" }] }));
    expect(fake.validationFailures.length).toBeGreaterThanOrEqual(4);
  });

  it("lets an edit turn a message into a card (legacy fields cleared), never back", async () => {
    const plain = (await post({ content: "⏳ working…" })) as { id: string };
    const route = Routes.channelMessage(fake.channelId, plain.id);
    // Upgrading needs content cleared: the old text cannot stay beside the flag.
    await refused(client.rest.patch(route, { body: { flags: V2, components: card("a.png"), attachments: attachments("a.png") }, files: files("a.png") }));
    await client.rest.patch(route, { body: { content: null, flags: V2, components: card("a.png"), attachments: attachments("a.png") }, files: files("a.png") });
    expect(fake.message(plain.id)!.flags & V2).toBe(V2);
    // Edits that leave flags out keep it; an edit that drops it is refused.
    await client.rest.patch(route, { body: { components: card("a.png") } });
    expect(await refused(client.rest.patch(route, { body: { flags: 0, content: "plain again", components: [] } }))).toEqual({
      flags: { _errors: [expect.objectContaining({ code: "MESSAGE_CANNOT_REMOVE_COMPONENTS_V2_FLAG" })] },
    });
    expect(fake.message(plain.id)!.flags & V2).toBe(V2);
  });

  it("accepts a card as an interaction callback, as an ephemeral follow-up (64 | 32768), and as the edit of a deferred reply", async () => {
    handler = async (i) => {
      if (i.isChatInputCommand()) await i.reply({ flags: V2, components: card("a.png"), files: [{ attachment: PNG, name: "a.png" }] } as never);
    };
    const replied = fake.command("card");
    expect((await replied.callback()).type).toBe(4);
    const original = replied.original()!;
    expect([original.flags & V2, original.content, original.attachments.length]).toEqual([V2, "", 1]);

    handler = async (i) => {
      if (i.isChatInputCommand()) await i.deferReply({ flags: MessageFlags.Ephemeral });
    };
    const deferred = fake.command("card");
    expect((await deferred.callback()).type).toBe(5);
    const twoImages = { components: card("a.png", "b.png"), attachments: attachments("a.png", "b.png") };
    await client.rest.patch(Routes.webhookMessage(fake.applicationId, deferred.token, "@original"), {
      auth: false,
      files: files("a.png", "b.png"),
      body: { ...twoImages, content: null, flags: V2 },
    });
    expect(deferred.original()!.flags & (V2 | MessageFlags.Ephemeral)).toBe(V2 | MessageFlags.Ephemeral);
    await client.rest.post(Routes.webhook(fake.applicationId, deferred.token), {
      auth: false,
      files: files("a.png", "b.png"),
      query: new URLSearchParams({ wait: "true" }),
      body: { ...twoImages, flags: V2 | MessageFlags.Ephemeral },
    });
    const followUp = deferred.followups()[0]!;
    expect([followUp.flags & V2, followUp.ephemeral, followUp.attachments.length]).toEqual([V2, true, 2]);
    // The first follow-up after a deferral nobody edited becomes the reply: it keeps the V2 flag
    // (ephemerality stays the deferral's).
    handler = async (i) => {
      if (i.isChatInputCommand()) await i.deferReply();
    };
    const untouched = fake.command("card");
    expect((await untouched.callback()).type).toBe(5);
    await client.rest.post(Routes.webhook(fake.applicationId, untouched.token), {
      auth: false,
      files: files("a.png"),
      body: { flags: V2 | MessageFlags.Ephemeral, components: card("a.png"), attachments: attachments("a.png") },
    });
    expect([untouched.original()!.flags & V2, untouched.original()!.ephemeral, untouched.followups()]).toEqual([V2, false, []]);

    // A follow-up card with an unreferenced upload is refused like a channel post.
    await refused(
      client.rest.post(Routes.webhook(fake.applicationId, deferred.token), {
        auth: false,
        files: files("a.png", "b.png"),
        body: { flags: V2, components: card("a.png"), attachments: attachments("a.png", "b.png") },
      }),
    );
  });

  it("finds a card's buttons for presses: button() walks into containers", async () => {
    const sent = (await post({ flags: V2, components: card("a.png"), attachments: attachments("a.png") }, ["a.png"])) as { id: string };
    let pressed: string | undefined;
    handler = async (i) => {
      if (i.isButton()) {
        pressed = i.customId;
        await i.deferUpdate();
      }
    };
    expect((await fake.button("reroll", fake.message(sent.id)!).callback()).type).toBe(6);
    expect(pressed).toBe("reroll");
  });

  it("only ever answered with documented response shapes (resolved media included)", () => {
    expect(fake.responseValidationFailures).toEqual([]);
  });
});
