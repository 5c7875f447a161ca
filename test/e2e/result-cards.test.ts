/**
 * Results arrive as Components V2 cards (issue 12): one container per message with the caption
 * as a text display, the message's own images in a media gallery, and the buttons. The fake
 * Discord refuses a card that breaks a V2 rule (components-v2.test.ts), so every card here was
 * also accepted by those rules and the OpenAPI schema.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredMessage } from "../../fakes/discord/index.js";
import { makePng } from "../../fakes/fal/index.js";
import { actionRows, resultMessages, waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

const IS_COMPONENTS_V2 = 1 << 15;
const EPHEMERAL = 1 << 6;
const LIMIT = 100_000; // a small per-message upload limit, so large results are split

type Card = { type: number; components: { type: number; content?: string; items?: { media: { url: string; attachment_id?: string }; description?: string | null }[] }[] };

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ attachmentSizeLimit: LIMIT, env: { CONFIRM_COST_ABOVE_USD: "off" } });
});
afterAll(async () => {
  await stack?.stop();
});

const reference = () => stack.discord.attachment(makePng({ width: 16, height: 16, seed: 12, targetBytes: 1500 }), "hero.png", { contentType: "image/png" });

/** The card's one container, and in it the text display and the gallery. */
function cardOf(message: StoredMessage) {
  expect(message.flags & IS_COMPONENTS_V2).toBe(IS_COMPONENTS_V2);
  expect(message.content).toBe("");
  expect(message.embeds).toEqual([]);
  const [container, ...rest] = message.components as Card[];
  expect(rest).toEqual([]);
  expect(container!.type).toBe(17);
  const text = container!.components.find((c) => c.type === 10)!;
  const gallery = container!.components.find((c) => c.type === 12);
  return { text: text.content!, gallery };
}

/** Each of the message's attachments is in its gallery, and nothing else is. */
function expectGalleryOfItsOwnFiles(message: StoredMessage) {
  const { gallery } = cardOf(message);
  expect(gallery!.items!.map((item) => item.media.attachment_id)).toEqual(message.attachments.map((a) => a.id));
  expect(gallery!.items!.map((item) => item.media.url)).toEqual(message.attachments.map((a) => a.url));
}

describe("result cards", () => {
  it("when /imagine makes 2 images, then they arrive as one card: caption, a gallery of both, the buttons", async () => {
    const { discord, fal } = stack;
    fal.script({ imageBytes: 5_000 });
    const handle = discord.command("imagine", { prompt: "a lighthouse in a storm", reference: reference(), count: 2 }, { user: discord.users.alice });
    await waitForReply(discord, handle, /2 images posted in the channel/);
    const [result, ...others] = resultMessages(handle);
    expect(others).toEqual([]);
    const { text, gallery } = cardOf(result!);
    expect(text).toMatch(new RegExp(`^🎬 Scene for <@${discord.users.alice.id}>`));
    // Alt text for screen readers: which image, and the prompt.
    expect(gallery!.items!.map((item) => item.description)).toEqual(["Image 1 of 2: a lighthouse in a storm", "Image 2 of 2: a lighthouse in a storm"]);
    expect(text).toContain("> a lighthouse in a storm");
    expect(text).toMatch(/-# seed \d+ · .*2 images.* · job \S+/);
    expect(result!.text).toBe(text);
    expect(result!.attachments).toHaveLength(2);
    expectGalleryOfItsOwnFiles(result!);
    // The bot referenced the uploads by name; Discord answers with them resolved.
    const sent = discord.requests.find((r) => r.method === "POST" && r.path.includes(handle.token) && r.status === 200)!;
    expect(JSON.stringify(sent.body)).toContain(`"url":"attachment://${result!.attachments[0]!.filename}"`);
    const rows = actionRows(result!).map((row) => (row.components as { type: number; label?: string }[]).map((c) => c.label ?? c.type));
    expect(rows).toEqual([["Reroll", "Save as character", "Delete"], [3]]);
    // The progress reply stays a plain message.
    expect(handle.original()!.flags & IS_COMPONENTS_V2).toBe(0);
    expect(discord.validationFailures).toEqual([]);
  });

  it("when a result is split over several messages, then each is a card of its own files", async () => {
    const { discord, fal } = stack;
    fal.script({ imageBytes: 30_000 });
    const handle = discord.command("imagine", { prompt: "eight panels", reference: reference(), count: 8 }, { user: discord.users.alice });
    await waitForReply(discord, handle, /8 images posted in the channel/);
    const parts = resultMessages(handle);
    expect(parts.length).toBeGreaterThan(1);
    parts.forEach((part, i) => {
      expect(cardOf(part).text).toContain(`(part ${i + 1} of ${parts.length})`);
      expectGalleryOfItsOwnFiles(part);
    });
    expect(parts.flatMap((part) => part.attachments)).toHaveLength(8);
    // The result's own buttons are on the last part only.
    expect(parts.map((part) => JSON.stringify(actionRows(part)).includes('"Reroll"'))).toEqual(parts.map((_, i) => i === parts.length - 1));
    expect(discord.validationFailures).toEqual([]);
  });

  it("when the result is private, then it is a card only the requester sees", async () => {
    const { discord, fal } = stack;
    fal.script({ imageBytes: 5_000 });
    const before = discord.messages().filter((m) => !m.ephemeral).length;
    const handle = discord.command("imagine", { prompt: "a secret garden", reference: reference(), count: 2, private: true }, { user: discord.users.alice });
    const reply = await waitForReply(discord, handle, /Scene for/);
    expect(reply.flags & (IS_COMPONENTS_V2 | EPHEMERAL)).toBe(IS_COMPONENTS_V2 | EPHEMERAL);
    expect(cardOf(reply).text).toContain("> a secret garden");
    expectGalleryOfItsOwnFiles(reply);
    // No Delete on a private result: it can be dismissed.
    expect(JSON.stringify(actionRows(reply))).not.toContain('"Delete"');
    expect(discord.messages().filter((m) => !m.ephemeral).length).toBe(before);
    expect(discord.validationFailures).toEqual([]);
  });

  it("when someone presses Reroll on a card, then their new result is a card too", async () => {
    const { discord, fal } = stack;
    fal.script({ imageBytes: 5_000 }, { imageBytes: 5_000 });
    const handle = discord.command("imagine", { prompt: "a fox in the snow", reference: reference() }, { user: discord.users.alice });
    await waitForReply(discord, handle, /posted in the channel/);
    const result = resultMessages(handle)[0]!;
    const reroll = (actionRows(result).flatMap((row) => row.components) as { label?: string; custom_id?: string }[]).find((c) => c.label === "Reroll")!;
    const press = discord.button(reroll.custom_id!, result, { user: discord.users.bob });
    await waitForReply(discord, press, /posted in the channel/);
    const rerolled = resultMessages(press)[0]!;
    expect(cardOf(rerolled).text).toMatch(new RegExp(`^🎬 Scene for <@${discord.users.bob.id}>`));
    expect(rerolled.text).toContain("> a fox in the snow");
    expectGalleryOfItsOwnFiles(rerolled);
    expect(discord.validationFailures).toEqual([]);
  });
});
