/**
 * The Apps menu on a message (issue 12, item 3): "Use as reference", "Save as character" and
 * "Remix", each on a message with an image, without one, with a file that is not an image, with
 * an oversized image and with an image linked from a host that is not Discord's.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InteractionHandle, StoredMessage } from "../../fakes/discord/index.js";
import { makePng } from "../../fakes/fal/index.js";
import { characterScope } from "../../src/domain/character-name.js";
import { watchFal } from "../support/fal-watch.js";
import { waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

let stack: Stack;
/** A web server on another loopback address and port: an image "elsewhere", which must never be asked for. */
let elsewhere: Server;
let elsewhereHits = 0;
let elsewhereUrl = "";

beforeAll(async () => {
  stack = await startStack();
  elsewhere = createServer((_req, res) => {
    elsewhereHits++;
    res.writeHead(200, { "content-type": "image/png" }).end(makePng({ width: 4, height: 4, seed: 9, targetBytes: 200 }));
  });
  await new Promise<void>((resolve) => elsewhere.listen(0, "127.0.0.1", resolve));
  elsewhereUrl = `http://localhost:${(elsewhere.address() as AddressInfo).port}/cat.png`;
});
afterAll(async () => {
  await stack?.stop();
  await new Promise<void>((resolve) => (elsewhere ? elsewhere.close(() => resolve()) : resolve()));
});

const MENUS = ["Use as reference", "Save as character", "Remix"] as const;
const jobsCreated = () => stack.logs.filter((line) => line.includes('"job created"')).length;

/** The private reply a member saw: the immediate one, or the deferred one once edited. */
async function privateReply(handle: InteractionHandle, pattern: RegExp): Promise<string> {
  const callback = await handle.callback();
  if (callback.type === 4) {
    expect(callback.data.flags & 64).toBe(64);
    return String(callback.data.content);
  }
  const reply = await waitForReply(stack.discord, handle, pattern);
  expect(reply.flags & 64).toBe(64);
  return reply.content;
}

/** The form a menu opened (callback 9), submitted with `values`. */
async function submitForm(menu: InteractionHandle, values: Record<string, string | string[]>): Promise<InteractionHandle> {
  const callback = await menu.callback();
  expect(callback.type).toBe(9);
  return stack.discord.submitModal(menu, values);
}

describe("the Apps menu's message commands", () => {
  it("when the bot registers its commands, then the three menus are message commands (type 3) offered where the slash commands are", async () => {
    const { discord } = stack;
    const registered = (discord.commands.guild.get(discord.guildId) ?? []) as { type: number; name: string; description: string }[];
    const menus = registered.filter((command) => command.type === 3);
    expect(menus.map((command) => command.name).sort()).toEqual([...MENUS].sort());
    for (const menu of menus) expect(menu.description).toBe("");
    const { commandBodies } = await import("../../src/discord/command-bodies.js");
    const { commands, messageCommands } = await import("../../commands/index.js");
    // Registered globally with user installs on: offered to both installation types, everywhere (the "anywhere" scope).
    const bodies = commandBodies({ guildId: undefined, userInstall: "everyone" }, { commands, messageCommands }).filter((body) => body.type === 3);
    expect(bodies).toHaveLength(3);
    for (const body of bodies) expect(body).toMatchObject({ integration_types: [0, 1], contexts: [0, 1, 2] });
    // /help names each menu entry as members see it.
    const { helpText } = await import("../../commands/help.js");
    for (const name of MENUS) expect(helpText()).toContain(`**${name}**`);
  });

  it("when “Use as reference” is used on a member's image, then a job uses those very bytes as the reference and the result arrives", async () => {
    const { discord } = stack;
    const png = makePng({ width: 40, height: 48, seed: 11, targetBytes: 3000 });
    const message = discord.userMessage({ user: discord.users.bob, content: "my knight", files: [{ bytes: png, filename: "knight.png" }] });
    const watch = watchFal(stack.fal);
    const menu = discord.messageCommand("Use as reference", message, { user: discord.users.alice });
    const submit = await submitForm(menu, { prompt: "the knight on a beach at dawn", speed: ["TURBO"], count: ["2"], style: ["FICTION"] });
    await waitForReply(discord, submit, /posted in the channel/);
    expect(watch.submits()).toHaveLength(1);
    const [job] = watch.submits();
    expect(job!.endpointId).toBe("fal-ai/ideogram/character");
    expect(job!.input).toMatchObject({ prompt: "the knight on a beach at dawn", rendering_speed: "TURBO", num_images: 2, style: "FICTION" });
    // The reference on fal is the attachment, byte for byte.
    expect((job!.input as { reference_image_urls: string[] }).reference_image_urls).toEqual([watch.urlOf(png)]);
    expect(watch.urlOf(png)).toBeDefined();
  });

  it("when “Save as character” is used on an image, then it becomes one of the member's characters with those bytes", async () => {
    const { discord } = stack;
    const png = makePng({ width: 32, height: 32, seed: 12, targetBytes: 2500 });
    const message = discord.userMessage({ user: discord.users.bob, files: [{ bytes: png, filename: "rose.png" }] });
    const submit = await submitForm(discord.messageCommand("Save as character", message, { user: discord.users.alice }), { name: "Rose", description: "a girl in a red coat" });
    expect(await privateReply(submit, /Saved/)).toMatch(/^✅ Saved \*\*Rose\*\*\. Use it with `\/imagine character:Rose`\./);
    const ctx = stack.app.context;
    const saved = await ctx.characters.byName(characterScope(discord.guildId, discord.users.alice.id), "Rose");
    expect(saved).toMatchObject({ name: "Rose", description: "a girl in a red coat", creatorId: discord.users.alice.id });
    expect(Buffer.from((await ctx.characters.storedImages(saved!.id)).reference!.bytes).equals(png)).toBe(true);

    // The same name again is refused by the character rules, before anything is downloaded.
    const again = await submitForm(discord.messageCommand("Save as character", message, { user: discord.users.alice }), { name: "rose" });
    expect(await privateReply(again, /already/)).toBe("There is already a character called **rose** here. Pick another name.");
  });

  it("when “Remix” is used on an image, then a remix of it runs, with the image itself as the character or with a saved character picked in the form", async () => {
    const { discord } = stack;
    const png = makePng({ width: 48, height: 40, seed: 13, targetBytes: 3500 });
    const message = discord.userMessage({ user: discord.users.bob, content: "a quiet street", files: [{ bytes: png, filename: "street.png" }] });

    const watch = watchFal(stack.fal);
    const menu = discord.messageCommand("Remix", message, { user: discord.users.alice });
    const callback = await menu.callback();
    expect(JSON.stringify(callback.data)).toContain('"value":"a quiet street"'); // the prompt starts from the message's text
    const submit = discord.submitModal(menu, { prompt: "the same street in winter", strength: "0.4" });
    await waitForReply(discord, submit, /posted in the channel/);
    expect(watch.submits()).toHaveLength(1);
    const remix = watch.submits()[0]!;
    expect(remix).toMatchObject({ endpointId: "fal-ai/ideogram/character/remix", input: { prompt: "the same street in winter", strength: 0.4 } });
    // Both the image to remix and the character reference are the attachment's bytes, hosted on fal.
    const { image_url: imageUrl, reference_image_urls: referenceUrls } = remix.input as { image_url: string; reference_image_urls: string[] };
    expect(referenceUrls).toHaveLength(1);
    for (const url of [imageUrl, ...referenceUrls]) expect(watch.uploads().find((upload) => upload.fileUrl === url)?.bytes.equals(png)).toBe(true);
    // …uploaded once, though it fills both inputs.
    expect(watch.uploads().filter((upload) => upload.bytes.equals(png))).toHaveLength(1);

    // Alice saved Rose above: the form offers her, and the remix puts her in.
    const rose = (await stack.app.context.characters.byName(characterScope(discord.guildId, discord.users.alice.id), "Rose"))!;
    const withRose = watchFal(stack.fal);
    const menu2 = discord.messageCommand("Remix", message, { user: discord.users.alice });
    const submit2 = await submitForm(menu2, { prompt: "Rose walks down the street", character: ["Rose"] });
    await waitForReply(discord, submit2, /posted in the channel/);
    expect(withRose.submits()[0]).toMatchObject({
      endpointId: "fal-ai/ideogram/character/remix",
      input: { strength: 0.8, image_url: withRose.urlOf(png), reference_image_urls: [rose.referenceUrl] },
    });
    expect((withRose.submits()[0]!.input as { prompt: string }).prompt).toContain("Rose walks down the street");
  });

  it("when a linked image has Discord's proxy copy, then the copy is used and the original link is never fetched", async () => {
    const { discord } = stack;
    const png = makePng({ width: 24, height: 24, seed: 16, targetBytes: 1500 });
    // Discord's media proxy serves a link's image from its own host (embed thumbnail.proxy_url); here the fake CDN.
    const proxied = discord.attachment(png, "cat.png").url;
    const hitsBefore = elsewhereHits;
    const message = discord.userMessage({ content: elsewhereUrl, embeds: [{ type: "image", url: elsewhereUrl, thumbnail: { url: elsewhereUrl, proxy_url: proxied, width: 24, height: 24 } }] });
    const submit = await submitForm(discord.messageCommand("Save as character", message, { user: discord.users.carol }), { name: "Cat" });
    expect(await privateReply(submit, /Saved/)).toMatch(/^✅ Saved \*\*Cat\*\*/);
    const saved = await stack.app.context.characters.byName(characterScope(discord.guildId, discord.users.carol.id), "Cat");
    expect(Buffer.from((await stack.app.context.characters.storedImages(saved!.id)).reference!.bytes).equals(png)).toBe(true);
    expect(elsewhereHits).toBe(hitsBefore);
  });

  it("when a menu is used on one of StoryCast's own results, then its first image is used", async () => {
    const { discord } = stack;
    const watch = watchFal(stack.fal);
    const png = makePng({ width: 30, height: 30, seed: 17, targetBytes: 2000 });
    const first = discord.messageCommand("Use as reference", discord.userMessage({ files: [{ bytes: png, filename: "hero.png" }] }), { user: discord.users.carol });
    await waitForReply(discord, await submitForm(first, { prompt: "a hero on a hill", count: ["1"] }), /posted in the channel/);
    const result = await discord.waitFor(() => discord.messages().find((m) => m.authorId === discord.botUserId && m.attachments.length > 0 && m.text.includes("a hero on a hill")), 5000, "the result message");
    const submit = await submitForm(discord.messageCommand("Save as character", result, { user: discord.users.carol }), { name: "Hero" });
    expect(await privateReply(submit, /Saved/)).toMatch(/^✅ Saved \*\*Hero\*\*/);
    const saved = await stack.app.context.characters.byName(characterScope(discord.guildId, discord.users.carol.id), "Hero");
    // The fake fal's result image, as the bot posted it, became the character.
    const posted = await (await fetch(result.attachments[0]!.url)).arrayBuffer();
    expect(Buffer.from((await stack.app.context.characters.storedImages(saved!.id)).reference!.bytes).equals(Buffer.from(posted))).toBe(true);
    expect(watch.submits()).toHaveLength(1);
  });

  describe.each(MENUS)("“%s” on a message it cannot use", (menuName) => {
    /** Uses the menu; returns the reply, after checking that nothing reached fal and no job was written. */
    async function refusal(message: StoredMessage, pattern: RegExp, form?: Record<string, string>): Promise<string> {
      const watch = watchFal(stack.fal);
      const jobsBefore = jobsCreated();
      const menu = stack.discord.messageCommand(menuName, message, { user: stack.discord.users.alice });
      const handle = form ? await submitForm(menu, form) : menu;
      const text = await privateReply(handle, pattern);
      expect(watch.submits()).toHaveLength(0);
      expect(jobsCreated()).toBe(jobsBefore);
      return text;
    }
    const formFor = (name: string): Record<string, string> => (menuName === "Save as character" ? { name } : { prompt: "a scene" });

    it("when the message has no image, then the reply says so and how to use the menu", async () => {
      const message = stack.discord.userMessage({ content: "just words" });
      expect(await refusal(message, /no image/)).toBe(`That message has no image. Use “${menuName}” on a message with a PNG, JPEG or WebP attached.`);
    });

    it("when the message's file is not an image, then the reply names the file: by its type at once, by its bytes after the form", async () => {
      const pdf = stack.discord.userMessage({ files: [{ bytes: Buffer.from("%PDF-1.4 not a picture"), filename: "notes.pdf" }] });
      expect(await refusal(pdf, /not an image/)).toBe(`\`notes.pdf\` is not an image. Use “${menuName}” on a message with a PNG, JPEG or WebP attached. Nothing was charged.`);
      // Named .png (so Discord calls it image/png), but its bytes are text: sniffed when downloaded, before any job.
      const fake = stack.discord.userMessage({ files: [{ bytes: Buffer.from("hello, I am text"), filename: "fake.png" }] });
      expect(await refusal(fake, /not a JPEG/, formFor("Fake"))).toMatch(/`fake\.png` is not a JPEG, PNG or WebP image \(whatever its name says\)/);
    });

    it("when the image is larger than fal's 10 MB, then the reply gives its size and the limit; a file lying about its size is stopped at the limit", async () => {
      const png = makePng({ width: 8, height: 8, seed: 14, targetBytes: 400 });
      const declared = stack.discord.userMessage({ files: [{ bytes: png, filename: "huge.png", size: 12 * 1024 * 1024 }] });
      expect(await refusal(declared, /limit/)).toBe("`huge.png` is 12.0 MB; the limit is 10.0 MB. Try a smaller image. Nothing was charged.");
      // Claims 400 bytes, holds 10 MB and a bit: the download reads up to the limit and stops.
      const big = Buffer.concat([png, Buffer.alloc(10 * 1024 * 1024 + 1 - png.length)]);
      const liar = stack.discord.userMessage({ files: [{ bytes: big, filename: "liar.png", size: png.length }] });
      expect(await refusal(liar, /larger than/, formFor("Liar"))).toMatch(/is larger than 10\.0 MB, fal's limit/);
    });

    it("when the image is linked from a host that is not Discord's, then it is refused and never fetched", async () => {
      const hitsBefore = elsewhereHits;
      const linked = stack.discord.userMessage({ content: elsewhereUrl, embeds: [{ type: "image", url: elsewhereUrl, thumbnail: { url: elsewhereUrl, width: 4, height: 4 } }] });
      expect(await refusal(linked, /not stored on Discord/)).toMatch(/^That image is not stored on Discord \(it links to `localhost:\d+`\), and StoryCast only fetches images from Discord's own servers\./);
      expect(elsewhereHits).toBe(hitsBefore);
    });
  });

  it("when a form is submitted after it expired (or by someone else), then it says to use the menu again and nothing runs", async () => {
    const { discord } = stack;
    const png = makePng({ width: 16, height: 16, seed: 15, targetBytes: 900 });
    const message = discord.userMessage({ files: [{ bytes: png, filename: "cat.png" }] });
    const watch = watchFal(stack.fal);
    const menu = discord.messageCommand("Use as reference", message, { user: discord.users.alice });
    expect((await menu.callback()).type).toBe(9);
    // A forged submit by another member finds no form of theirs (and leaves Alice's alone).
    const forged = discord.submitModal(menu, { prompt: "a beach" }, { user: discord.users.bob });
    expect(await privateReply(forged, /expired/)).toMatch(/^This form has expired/);
    expect(watch.submits()).toHaveLength(0);
    await waitForReply(discord, discord.submitModal(menu, { prompt: "a beach" }), /posted in the channel/);
    expect(watch.submits()).toHaveLength(1);

    const later = discord.messageCommand("Use as reference", message, { user: discord.users.alice });
    expect((await later.callback()).type).toBe(9);
    stack.advance(16 * 60_000);
    const late = discord.submitModal(later, { prompt: "a beach" });
    expect(await privateReply(late, /expired/)).toBe("This form has expired (or StoryCast restarted since it opened). Use “Use as reference” on the message again. Nothing was charged.");
    expect(watch.submits()).toHaveLength(1);
  });
});
