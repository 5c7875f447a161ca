/**
 * fal keeps files for a lifetime StoryCast chooses (README "File lifetimes"): saved characters
 * long, one-off inputs a day, private inputs an hour; a saved character keeps a copy of its
 * images in the database and is re-hosted when its fal URL has expired.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { characterScope } from "../../src/domain/character-name.js";
import { makePng } from "../../fakes/fal/index.js";
import { replyText, waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const DAY = 86_400;
const HOUR = 3_600;
const YEAR = 365 * DAY;

const png = (seed: number) => makePng({ width: 24, height: 24, seed, targetBytes: 2500 });
const character = async (name: string) => (await stack.app.context.characters.byName(characterScope(stack.discord.guildId, stack.discord.users.alice.id), name))!;
/** The reply once the job has ended, whichever way; tests then check which. */
const ended = (handle: Parameters<typeof waitForReply>[1]) => waitForReply(stack.discord, handle, /posted in the channel|Scene for|fal refused|went wrong|no longer on fal|could not/).then((m) => m.text);
const submitCount = () => stack.fal.requests.filter((r) => r.kind === "submit").length;

describe("file lifetimes on fal", () => {
  it("when images are uploaded, then each asks for the lifetime of its kind: saved character long, one-off a day, private an hour", async () => {
    const { discord, fal } = stack;
    const before = fal.uploads.length;
    const reference = png(1);
    const mask = png(2);
    const saved = discord.command(
      "character save",
      { name: "Ada", reference: discord.attachment(reference, "ada.png", { contentType: "image/png" }), mask: discord.attachment(mask, "mask.png", { contentType: "image/png" }) } as never,
      { user: discord.users.alice },
    );
    expect(await replyText(discord, saved)).toMatch(/Saved \*\*Ada\*\*/);
    expect(fal.uploads.slice(before).map((u) => u.lifecycle?.expirationSeconds)).toEqual([YEAR, YEAR]);

    const oneOffImage = png(3);
    const oneOff = discord.command("imagine", { prompt: "a lighthouse", reference: discord.attachment(oneOffImage, "r.png", { contentType: "image/png" }) }, { user: discord.users.alice });
    await waitForReply(discord, oneOff, /posted in the channel/);
    expect(fal.uploads.find((u) => u.bytes.equals(oneOffImage))?.lifecycle?.expirationSeconds).toBe(DAY);
    expect(fal.submits.at(-1)!.outputLifecycle?.expirationSeconds).toBe(YEAR); // public results may end up in a storybook

    const privateImage = png(4);
    const secret = discord.command("imagine", { prompt: "a diary", reference: discord.attachment(privateImage, "r.png", { contentType: "image/png" }), private: true }, { user: discord.users.alice });
    await waitForReply(discord, secret, /Scene for/);
    expect(fal.uploads.find((u) => u.bytes.equals(privateImage))?.lifecycle?.expirationSeconds).toBe(HOUR);
    expect(fal.submits.at(-1)!.outputLifecycle?.expirationSeconds).toBe(DAY);
  });

  it("when a saved character's files have expired on fal, then the stored copies are re-hosted, the row updated and the job succeeds with the new URLs", async () => {
    const { discord, fal } = stack;
    const old = await character("Ada");
    fal.expire(old.referenceUrl);
    fal.expire(old.maskUrl!);
    const scene = discord.command("imagine", { prompt: "Ada at sea", character: "ada" }, { user: discord.users.alice });
    expect(await ended(scene)).toMatch(/posted in the channel/);
    const renewed = await character("Ada");
    expect(renewed.referenceUrl).not.toBe(old.referenceUrl);
    expect(renewed.maskUrl).not.toBe(old.maskUrl);
    const input = fal.submits.at(-1)!.input as { reference_image_urls: string[]; reference_mask_urls: string[] };
    expect(input.reference_image_urls).toEqual([renewed.referenceUrl]);
    expect(input.reference_mask_urls).toEqual([renewed.maskUrl]);
    const rehosted = (url: string) => fal.uploads.find((u) => u.fileUrl === url);
    expect(rehosted(renewed.referenceUrl)?.bytes.equals(png(1))).toBe(true);
    expect(rehosted(renewed.maskUrl!)?.bytes.equals(png(2))).toBe(true);
    expect(rehosted(renewed.referenceUrl)?.lifecycle?.expirationSeconds).toBe(YEAR);

    // A live URL is used as it is: nothing uploaded again.
    const uploads = fal.uploads.length;
    const again = discord.command("imagine", { prompt: "Ada ashore", character: "Ada" }, { user: discord.users.alice });
    await waitForReply(discord, again, /posted in the channel/);
    expect(fal.uploads.length).toBe(uploads);
  });

  it("when a story scene's character has expired on fal, then it is re-hosted and the scene is made", async () => {
    const { discord, fal } = stack;
    const saved = discord.command("character save", { name: "Bea", reference: discord.attachment(png(5), "bea.png", { contentType: "image/png" }) } as never, { user: discord.users.alice });
    expect(await replyText(discord, saved)).toMatch(/Saved \*\*Bea\*\*/);
    const start = discord.command("story start", { title: "Tides", character: "Bea" } as never, { user: discord.users.alice });
    await replyText(discord, start);
    const threadId = discord.threads(discord.channelId).at(-1)!.id;
    const old = await character("Bea");
    fal.expire(old.referenceUrl);
    const scene = discord.command("story scene", { prompt: "Bea sails" } as never, { user: discord.users.alice, channelId: threadId });
    expect(await ended(scene)).toMatch(/posted in the channel/);
    expect((await character("Bea")).referenceUrl).not.toBe(old.referenceUrl);
    expect((fal.submits.at(-1)!.input as { reference_image_urls: string[] }).reference_image_urls).toEqual([(await character("Bea")).referenceUrl]);
  });

  it("when a character saved before copies were kept has expired on fal, then the member is told to save it again and nothing reaches fal's queue", async () => {
    const { discord, fal } = stack;
    // A row as older versions wrote it: URLs only, no copy of the images.
    const oldUrl = fal.host(png(9), "image/png", "old.png");
    await stack.app.context.characters.create({
      id: "legacy-character",
      scope: characterScope(discord.guildId, discord.users.alice.id),
      name: "Oldtimer",
      referenceUrl: oldUrl,
      maskUrl: undefined,
      description: undefined,
      creatorId: discord.users.alice.id,
    });
    fal.expire(oldUrl);
    const submits = submitCount();
    const scene = discord.command("imagine", { prompt: "the old days", character: "Oldtimer" }, { user: discord.users.alice });
    const text = await ended(scene);
    expect(text).toMatch(/\*\*Oldtimer\*\*.*no longer on fal/);
    expect(text).toMatch(/\/character save/);
    expect(submitCount()).toBe(submits);
  });
});
