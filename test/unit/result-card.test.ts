/**
 * A result as a Components V2 card, as the reply target sends it: the largest one StoryCast
 * makes (8 images in one message, the controls select, the longest prompt and negative prompt,
 * an image only linked) stays within Discord's 40 components and 4000 characters, and every
 * body (follow-up, private follow-up, edit of the reply, channel post after the token expired)
 * passes both the OpenAPI schema and the fake Discord's Components V2 rules.
 */
import { MessageFlags, type REST } from "discord.js";
import { describe, expect, it } from "vitest";
import { checkComponentsV2 } from "../../fakes/discord/components-v2.js";
import { isEmptyTree, type ErrorTree } from "../../fakes/discord/discord-errors.js";
import { OpenApiValidator } from "../../fakes/discord/openapi-validator.js";
import { createReplyTarget, TOKEN_LIFETIME_MS } from "../../src/discord/reply-target.js";
import { cardTextLength, countComponents, MAX_ALT_TEXT, MAX_CARD_COMPONENTS, MAX_CARD_TEXT, messageText, resultCard } from "../../src/discord/result-card.js";
import { altText, resultMessage } from "../../src/discord/result-message.js";
import { MAX_IMAGES } from "../../src/domain/fal-enums.js";
import { MAX_NEGATIVE_PROMPT_LENGTH, MAX_PROMPT_LENGTH } from "../../src/domain/imagine-request.js";
import type { Job } from "../../src/domain/job.js";
import type { ResultPart } from "../../src/jobs/job-reporter.js";

const validator = OpenApiValidator.load();
const USER = "111111111111111111";

function job(isPrivate = false): Job {
  return {
    id: "AbC-12_x",
    createdAt: 0,
    updatedAt: 0,
    origin: { userId: USER, guildId: "222", channelId: "333", applicationId: "444", interactionToken: "t", interactionAt: 0, attachmentSizeLimit: 1e7, private: isPrivate },
    // Markdown and mentions in the prompt: escaping makes it longer than typed.
    settings: {
      prompt: "*<@1>_`".repeat(Math.ceil(MAX_PROMPT_LENGTH / 7)).slice(0, MAX_PROMPT_LENGTH),
      negativePrompt: "#>[".repeat(MAX_NEGATIVE_PROMPT_LENGTH / 2).slice(0, MAX_NEGATIVE_PROMPT_LENGTH),
      imageSize: "square_hd",
      speed: "BALANCED",
      numImages: MAX_IMAGES,
      styleCodes: ["aaaaaaaa", "bbbbbbbb"],
    },
    falInput: null,
    state: { kind: "pending" },
    rerollOf: null,
    messageIds: [],
    delivery: null,
    pipeline: null,
    costUsd: null,
  };
}

const image = (index: number) => ({ index, url: `https://fal.example/${"x".repeat(200)}/${index}.png`, contentType: "image/png" });
const result = { seed: 4_294_967_295, images: Array.from({ length: MAX_IMAGES }, (_, i) => ({ url: image(i).url })) };
/** All 8 images in one message but the last, which is only linked (too large to attach). */
const largest: ResultPart = {
  index: 0,
  total: 1,
  files: Array.from({ length: MAX_IMAGES - 1 }, (_, i) => ({ ...image(i), bytes: Buffer.from([i]) })),
  links: [{ image: { ...image(MAX_IMAGES - 1), bytes: undefined }, reason: "too_large" }],
};

/** A REST that records what it is asked to send and answers like Discord would. */
function recordingRest() {
  const sent: { method: string; route: string; body: any }[] = [];
  const answer = (method: string) => async (route: string, options: { body?: unknown }) => {
    sent.push({ method, route, body: options.body });
    return route.endsWith("/channels") ? { id: "dm" } : { id: "m1", channel_id: "333" };
  };
  return { sent, rest: { post: answer("POST"), patch: answer("PATCH") } as unknown as REST };
}

function expectValidCard(method: string, template: string, body: any, fileNames: string[]) {
  expect(validator.validateRequest(method, template, body).errors ?? {}).toEqual({});
  const tree: ErrorTree = {};
  checkComponentsV2({ flags: body.flags, content: body.content, embeds: body.embeds, components: body.components, attachments: fileNames.map((filename, i) => ({ id: String(i), filename })) }, tree);
  expect(tree).toEqual({});
  expect(isEmptyTree(tree)).toBe(true);
  expect(countComponents(body.components)).toBeLessThanOrEqual(MAX_CARD_COMPONENTS);
  expect(cardTextLength(body.components)).toBeLessThanOrEqual(MAX_CARD_TEXT);
}

describe("result cards", () => {
  it("lay a result out as one container: caption, a gallery of exactly its uploads, then the buttons", () => {
    const message = resultMessage(job(), result, largest);
    const [container, ...others] = resultCard({ text: message.content, fileNames: message.files!.map((f) => f.name), altTexts: message.altTexts!, rows: message.components! });
    expect(others).toEqual([]);
    expect(container).toMatchObject({ type: 17 });
    const [text, gallery, ...rows] = (container as { components: any[] }).components;
    expect(text).toEqual({ type: 10, content: message.content });
    expect(text.content).toContain(`<@${USER}>`);
    expect(text.content).toContain("Image 8 is too large to attach here");
    expect(gallery.items.map((item: any) => item.media.url)).toEqual(Array.from({ length: MAX_IMAGES - 1 }, (_, i) => `attachment://storycast-AbC-12_x-${i + 1}.png`));
    // Each image has alt text: which image it is, then as much of the prompt as fits in 150 characters.
    for (const [i, item] of (gallery.items as { description: string }[]).entries()) {
      expect(item.description.startsWith(`Image ${i + 1} of ${MAX_IMAGES}: *<@1>_\``)).toBe(true);
      expect(Array.from(item.description)).toHaveLength(MAX_ALT_TEXT);
      expect(item.description.endsWith("…")).toBe(true);
    }
    // Reroll / Save / Delete, then the Upscale-Remix-Edit select.
    expect(rows.map((row: any) => row.components.map((c: any) => c.type))).toEqual([[2, 2, 2], [3]]);
  });

  it("give each image the prompt as alt text, on one line, whole when it is short", () => {
    const short = { ...job(), settings: { ...job().settings, prompt: "a fox\n  in the snow" } };
    const two = { index: 0, total: 1, files: [0, 1].map((i) => ({ ...image(i), bytes: Buffer.from([i]) })), links: [] };
    expect(resultMessage(short, { seed: 1, images: [image(0), image(1)] }, two).altTexts).toEqual(["Image 1 of 2: a fox in the snow", "Image 2 of 2: a fox in the snow"]);
    expect(altText(short, image(1), 2)).toBe("Image 2 of 2: a fox in the snow");
  });

  it("leave the gallery out when every image of the part is only linked", () => {
    const [container] = resultCard({ text: "caption", fileNames: [], rows: [] });
    expect((container as { components: unknown[] }).components).toEqual([{ type: 10, content: "caption" }]);
  });

  it("stay within 40 components and 4000 characters for the largest result, on every way it is sent", async () => {
    const names = largest.files.map((f) => `storycast-AbC-12_x-${f.index + 1}.png`);

    const shared = recordingRest();
    await createReplyTarget(shared.rest, job().origin, () => 0).followUp(resultMessage(job(), result, largest));
    expect(shared.sent[0]!.body).toMatchObject({ flags: MessageFlags.IsComponentsV2, content: null });
    expectValidCard("POST", "/webhooks/{webhook_id}/{webhook_token}", shared.sent[0]!.body, names);
    // The alt texts reach the wire.
    const sentGallery = shared.sent[0]!.body.components[0].components[1];
    expect(sentGallery.items.map((item: { description?: string }) => item.description?.split(":")[0])).toEqual(names.map((_, i) => `Image ${i + 1} of ${MAX_IMAGES}`));

    const mine = recordingRest();
    const privately = createReplyTarget(mine.rest, job(true).origin, () => 0);
    await privately.followUp(resultMessage(job(true), result, largest));
    await privately.editReply(resultMessage(job(true), result, largest));
    // A private follow-up is both ephemeral and a card.
    expect(mine.sent[0]!.body.flags).toBe(MessageFlags.Ephemeral | MessageFlags.IsComponentsV2);
    expectValidCard("POST", "/webhooks/{webhook_id}/{webhook_token}", mine.sent[0]!.body, names);
    // Turning the deferred reply into the card clears its text (content: null) and adds the flag.
    expect(mine.sent[1]).toMatchObject({ method: "PATCH", body: { flags: MessageFlags.IsComponentsV2, content: null } });
    expectValidCard("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original", mine.sent[1]!.body, names);

    // After the token expired, the card goes to the channel and its text starts by mentioning the requester.
    const late = recordingRest();
    const someoneElsesCaption = { ...job(), origin: { ...job().origin, caption: "📖 A story scene" } };
    await createReplyTarget(late.rest, someoneElsesCaption.origin, () => TOKEN_LIFETIME_MS).followUp(resultMessage(someoneElsesCaption, result, largest));
    const post = late.sent[0]!;
    expect(post.route).toBe("/channels/333/messages");
    expect(messageText(post.body)).toMatch(new RegExp(`^<@${USER}> 📖 A story scene`));
    expect(post.body.allowed_mentions).toEqual({ users: [USER] });
    expectValidCard("POST", "/channels/{channel_id}/messages", post.body, names);
  });

  it("are read back by their text displays: a card's content is empty", () => {
    const components = resultCard({ text: "🎬 Scene · job AbC-12_x", fileNames: ["a.png"], rows: [] });
    expect(messageText({ content: "", components })).toBe("🎬 Scene · job AbC-12_x");
    expect(messageText({ content: "plain" })).toBe("plain");
  });
});
