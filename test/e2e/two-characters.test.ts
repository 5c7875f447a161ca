import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { imageSize, makePng, type SubmitRecord } from "../../fakes/fal/index.js";
import { falResultImages } from "../support/fal-result.js";
import { blackColumns, decodeGreyPng } from "../support/grey-png.js";
import { actionRows, replyEdits, replyText, resultMessages, waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

/**
 * Two characters in one scene: one job of two fal steps. The scene is made with the first
 * character (fal-ai/ideogram/character), then character/edit repaints one side of that very
 * image with the second, through a mask StoryCast draws at the image's size (black repaints,
 * white keeps). Each step is submitted once; the member sees the summed price first.
 */

let stack: Stack;
const hosted: Record<string, string> = {};

beforeAll(async () => {
  stack = await startStack();
  const { discord, fal } = stack;
  for (const [name, seed, description] of [["Mira", 11, "a sky pirate in a red coat"], ["Vex", 12, "a thief in a green cloak"]] as const) {
    const bytes = makePng({ width: 24, height: 24, seed, targetBytes: 2500 });
    const save = discord.command("character save", { name, description, reference: discord.attachment(bytes, `${name}.png`, { contentType: "image/png" }) } as never, { user: discord.users.alice });
    expect(await replyText(discord, save)).toMatch(/Saved/);
    hosted[name] = fal.uploads.find((upload) => upload.bytes.equals(bytes))!.fileUrl;
  }
});
afterAll(async () => {
  await stack?.stop();
});

/** The two submits of one duo, found by the step-1 prompt's scene text, and what each made. */
async function duoSubmits(scene: string): Promise<{ first: SubmitRecord; second: SubmitRecord; firstImage: string; firstImageBytes: Buffer }> {
  const { fal } = stack;
  const index = fal.submits.findIndex((s) => String((s.input as { prompt?: unknown }).prompt).endsWith(scene));
  const [first, second] = fal.submits.slice(index, index + 2);
  const [firstImage] = await falResultImages(fal, first!.requestId!);
  const firstImageBytes = Buffer.from(await (await fetch(firstImage!)).arrayBuffer());
  return { first: first!, second: second!, firstImage: firstImage!, firstImageBytes };
}

/** The mask a step-2 input names, as fal storage holds it: its bytes decoded, and its upload. */
function maskOf(input: unknown) {
  const url = (input as { mask_url: string }).mask_url;
  const upload = stack.fal.uploads.find((u) => u.fileUrl === url);
  expect(upload, `mask ${url} on fal storage`).toBeDefined();
  return { upload: upload!, mask: decodeGreyPng(upload!.bytes) };
}

describe("two characters in one scene", () => {
  it("when the server's monthly cap is $0.25, then a Balanced two-character scene ($0.15 + $0.15) is refused with its summed cost, a Turbo one ($0.10 + $0.10) passes and counts $0.20", async () => {
    const { discord, fal } = stack;
    await replyText(discord, discord.command("settings limits", { monthly_cap_usd: 0.25 } as never, { user: discord.users.admin }));
    const submitsBefore = fal.submits.length;
    const balanced = discord.command("imagine", { prompt: "a duel at dawn", character: "Mira", second_character: "Vex", speed: "BALANCED" }, { user: discord.users.bob });
    expect(await waitForReply(discord, balanced, /Monthly budget/).then((m) => m.text)).toMatch(
      /Monthly budget reached: this server has spent \$0\.00 of its \$0\.25 this month, and this request would cost \$0\.30\./,
    );
    expect(fal.submits.length).toBe(submitsBefore);

    const turbo = discord.command("imagine", { prompt: "a truce at dusk", character: "Mira", second_character: "Vex", speed: "TURBO" }, { user: discord.users.bob });
    await waitForReply(discord, turbo, /posted in the channel/);
    expect(replyEdits(discord, turbo)[0]).toBe("👥 Two characters: 2 fal steps, $0.20 ($0.10 scene + $0.10 second character). Starting…");
    expect(fal.submits.length - submitsBefore).toBe(2);

    // What the duo stored is its summed cost: $0.20 spent, so even a $0.10 one-character scene is over.
    const single = discord.command("imagine", { prompt: "one more", character: "Mira", speed: "TURBO" }, { user: discord.users.bob });
    expect(await replyText(discord, single)).toMatch(/has spent \$0\.20 of its \$0\.25 this month, and this request would cost \$0\.10/);
    await replyText(discord, discord.command("settings limits", { monthly_cap_usd: 0 } as never, { user: discord.users.admin }));
  });

  it("when /imagine has a saved character and a saved second_character on the left, then fal gets exactly two submits: the scene, then an edit of that image with the second character through a left-half mask", async () => {
    const { discord, fal } = stack;
    fal.script({ queuePositions: [1, 0], runMs: 500 }, { runMs: 500 });
    const submitsBefore = fal.submits.length;
    const handle = discord.command("imagine", { prompt: "two friends share a picnic", character: "Mira", second_character: "vex", placement: "left" }, { user: discord.users.alice });
    await waitForReply(discord, handle, /posted in the channel/);

    expect(fal.submits.length - submitsBefore).toBe(2);
    const { first, second, firstImage, firstImageBytes } = await duoSubmits("two friends share a picnic");
    expect(first.endpointId).toBe("fal-ai/ideogram/character");
    expect(second.endpointId).toBe("fal-ai/ideogram/character/edit");
    expect(first.input).toMatchObject({ prompt: "Mira: a sky pirate in a red coat. two friends share a picnic", reference_image_urls: [hosted.Mira], num_images: 1, rendering_speed: "BALANCED" });
    const edit = second.input as Record<string, unknown>;
    expect(edit.image_url).toBe(firstImage);
    expect(edit.reference_image_urls).toEqual([hosted.Vex]);
    // The second step's prompt: the second character's description in front of the scene.
    expect(edit.prompt).toBe("Vex: a thief in a green cloak. two friends share a picnic");
    expect(Object.keys(edit).sort()).toEqual(["image_url", "mask_url", "num_images", "prompt", "reference_image_urls", "rendering_speed"]);
    expect(edit.num_images).toBe(1);

    // The mask: a PNG on fal storage, exactly the first image's size, black (repaint) on the left half only.
    const { upload, mask } = maskOf(edit);
    expect(upload.contentType).toBe("image/png");
    const size = imageSize(firstImageBytes)!;
    expect(size).toEqual({ width: 1024, height: 1024 });
    expect({ width: mask.width, height: mask.height }).toEqual(size);
    expect(blackColumns(mask)).toEqual({ first: 0, last: 511, count: 512 });
    expect(mask.at(0, 0)).toBe(0);
    expect(mask.at(1023, 1023)).toBe(255);

    // Progress: the summed price before fal starts, then step 1 of 2, then step 2 of 2.
    const edits = replyEdits(discord, handle);
    expect(edits[0]).toBe("👥 Two characters: 2 fal steps, $0.30 ($0.15 scene + $0.15 second character). Starting…");
    const priceShownAt = discord.requests.find((r) => r.method === "PATCH" && r.path.includes(handle.token) && String((r.body as { content?: unknown }).content).startsWith("👥"))!.at;
    expect(priceShownAt).toBeLessThanOrEqual(first.at);
    const step1 = edits.findIndex((text) => /step 1 of 2: the scene/.test(text));
    const step2 = edits.findIndex((text) => /step 2 of 2: painting in \*\*Vex\*\* on the left/.test(text));
    expect(step1).toBeGreaterThan(0);
    expect(step2).toBeGreaterThan(step1);
    expect(edits[step2]).toContain("-# 👥 Two characters: 2 fal steps, $0.30 ($0.15 scene + $0.15 second character)");

    // One result: the edited image, byte for byte, naming both characters.
    const results = resultMessages(handle);
    expect(results).toHaveLength(1);
    expect(results[0]!.attachments).toHaveLength(1);
    const [finalImage] = await falResultImages(fal, second.requestId!);
    expect(results[0]!.attachments[0]!.bytes.equals(Buffer.from(await (await fetch(finalImage!)).arrayBuffer()))).toBe(true);
    expect(results[0]!.text).toContain(`🎬 Scene for <@${discord.users.alice.id}>: **Mira** with **Vex** on the left`);
    expect(results[0]!.text).toMatch(/Balanced · Square HD · 1 image/);
    expect(discord.validationFailures).toEqual([]);
  });

  it("when the two-character result's Reroll is pressed, then both steps run again once each: the same scene input with a new seed, then an edit of the new image with the same second character", async () => {
    const { discord, fal } = stack;
    const original = discord.command("imagine", { prompt: "a chess game on a train", character: "Mira", second_character: "Vex", placement: "left" }, { user: discord.users.alice });
    await waitForReply(discord, original, /posted in the channel/);
    const before = await duoSubmits("a chess game on a train");
    const result = resultMessages(original)[0]!;
    const rerollId = (actionRows(result) as { components: { label: string; custom_id: string }[] }[]).flatMap((row) => row.components).find((b) => b.label === "Reroll")!.custom_id;
    const submitsBefore = fal.submits.length;
    fal.script({ runMs: 400 }, { runMs: 400 });
    const reroll = discord.button(rerollId, result, { user: discord.users.bob });
    await waitForReply(discord, reroll, /posted in the channel/);
    const [first, second] = fal.submits.slice(submitsBefore);
    expect(fal.submits.length - submitsBefore).toBe(2);
    expect([first!.endpointId, second!.endpointId]).toEqual(["fal-ai/ideogram/character", "fal-ai/ideogram/character/edit"]);
    const { seed, ...sameScene } = first!.input as Record<string, unknown>;
    const { seed: _oldSeed, ...originalScene } = before.first.input as Record<string, unknown>;
    expect(sameScene).toEqual(originalScene);
    expect(typeof seed).toBe("number");
    const [newScene] = await falResultImages(fal, first!.requestId!);
    expect(second!.input).toMatchObject({ image_url: newScene, reference_image_urls: [hosted.Vex], prompt: (before.second.input as { prompt: string }).prompt, seed });
    expect(blackColumns(maskOf(second!.input).mask)).toEqual({ first: 0, last: 511, count: 512 });
    expect(resultMessages(reroll)[0]!.text).toContain(`🎬 Scene for <@${discord.users.bob.id}> with **Vex** on the left`);
    expect(replyEdits(discord, reroll).some((text) => /step 2 of 2/.test(text) && text.includes("$0.30 ($0.15 scene + $0.15 second character)"))).toBe(true);
  });

  it("when the second character is an attachment and no placement is given, then it is hosted and painted into the right half", async () => {
    const { discord, fal } = stack;
    const second = makePng({ width: 20, height: 30, seed: 77, targetBytes: 2200 });
    const submitsBefore = fal.submits.length;
    const handle = discord.command(
      "imagine",
      { prompt: "the harbour at night", character: "Mira", second_reference: discord.attachment(second, "stranger.png", { contentType: "image/png" }), size: "landscape_16_9" },
      { user: discord.users.bob },
    );
    await waitForReply(discord, handle, /posted in the channel/);
    expect(fal.submits.length - submitsBefore).toBe(2);
    const { second: edit, firstImageBytes } = await duoSubmits("the harbour at night");
    const input = edit.input as { reference_image_urls: string[]; prompt: string };
    expect(fal.uploads.find((u) => u.fileUrl === input.reference_image_urls[0])?.bytes.equals(second)).toBe(true);
    expect(input.prompt).toBe("the harbour at night"); // an attachment has no description
    const { mask } = maskOf(edit.input);
    expect({ width: mask.width, height: mask.height }).toEqual(imageSize(firstImageBytes));
    expect({ width: mask.width, height: mask.height }).toEqual({ width: 1024, height: 576 });
    expect(blackColumns(mask)).toEqual({ first: 512, last: 1023, count: 512 });
    expect(resultMessages(handle)[0]!.text).toContain("with **the second reference** on the right");
  });

  it("when both characters are attachments, then both are hosted, each goes to its own step, and nothing saved is needed", async () => {
    const { discord, fal } = stack;
    const first = makePng({ width: 18, height: 18, seed: 81, targetBytes: 2100 });
    const second = makePng({ width: 18, height: 18, seed: 82, targetBytes: 2100 });
    const handle = discord.command(
      "imagine",
      { prompt: "strangers on a bridge", reference: discord.attachment(first, "a.png", { contentType: "image/png" }), second_reference: discord.attachment(second, "b.png", { contentType: "image/png" }), placement: "left" },
      { user: discord.users.alice },
    );
    await waitForReply(discord, handle, /posted in the channel/);
    const { first: scene, second: edit } = await duoSubmits("strangers on a bridge");
    const hostedBytes = (url: string) => fal.uploads.find((u) => u.fileUrl === url)?.bytes;
    expect(hostedBytes((scene.input as { reference_image_urls: string[] }).reference_image_urls[0]!)?.equals(first)).toBe(true);
    expect(hostedBytes((edit.input as { reference_image_urls: string[] }).reference_image_urls[0]!)?.equals(second)).toBe(true);
    expect(resultMessages(handle)[0]!.text).toContain(`🎬 Scene for <@${discord.users.alice.id}> with **the second reference** on the left`);
  });

  it("when the second character is unknown, both kinds are given, placement has no second character, or count is over 1, then the member is told and nothing reaches fal", async () => {
    const { discord, fal } = stack;
    const before = fal.requests.length;
    const ask = async (options: Record<string, unknown>) => replyText(discord, discord.command("imagine", { prompt: "x", character: "Mira", ...options } as never, { user: discord.users.bob }));
    expect(await ask({ second_character: "Nobody" })).toMatch(/no saved character called `Nobody`/);
    expect(await ask({ second_character: "Vex", second_reference: discord.attachment(makePng({ width: 8, height: 8 }), "v.png") })).toMatch(/either `second_character` .* or `second_reference` .*, not both/);
    expect(await ask({ placement: "left" })).toMatch(/`placement` says where a second character goes/);
    expect(await ask({ second_character: "Vex", count: 3 })).toMatch(/A scene with two characters makes one image .* `count` can't be 3 here/);
    expect(fal.requests.length).toBe(before);
  });

  it("when the server's default count is 4, then a two-character scene still makes one image (and is priced as one)", async () => {
    const { discord, fal } = stack;
    await replyText(discord, discord.command("settings defaults", { count: 4 } as never, { user: discord.users.admin }));
    const submitsBefore = fal.submits.length;
    const handle = discord.command("imagine", { prompt: "a market brawl", character: "Mira", second_character: "Vex" }, { user: discord.users.bob });
    await waitForReply(discord, handle, /posted in the channel/);
    expect(fal.submits.slice(submitsBefore).map((s) => (s.input as { num_images: number }).num_images)).toEqual([1, 1]);
    expect(replyEdits(discord, handle)[0]).toContain("$0.30 ($0.15 scene + $0.15 second character)");
    await replyText(discord, discord.command("settings defaults", { count: 1 } as never, { user: discord.users.admin }));
  });

  it("when a story scene has `with`, then the two steps use both cast members, the caption and the storybook name both, and `with` suggests the cast", async () => {
    const { discord, fal } = stack;
    await replyText(discord, discord.command("story start", { title: "Two of a Kind", character: "Mira" } as never, { user: discord.users.alice }));
    const threadId = discord.threads(discord.channelId).find((t) => t.name === "Two of a Kind")!.id;
    await replyText(discord, discord.command("story cast add", { character: "Vex" } as never, { user: discord.users.alice, channelId: threadId }));
    const suggested = await discord.autocomplete("story scene", { prompt: "x", with: "v" }, "with", { user: discord.users.bob, channelId: threadId }).callback();
    expect(suggested.data.choices).toEqual([{ name: "Vex", value: "Vex" }]);

    fal.script({ runMs: 400 }, { runMs: 400 });
    const submitsBefore = fal.submits.length;
    const scene = discord.command("story scene", { prompt: "they split the treasure", with: "Vex" } as never, { user: discord.users.bob, channelId: threadId });
    await waitForReply(discord, scene, /posted in the channel/);
    expect(fal.submits.length - submitsBefore).toBe(2);
    const { first, second, firstImage } = await duoSubmits("they split the treasure");
    expect([first.endpointId, second.endpointId]).toEqual(["fal-ai/ideogram/character", "fal-ai/ideogram/character/edit"]);
    expect(first.input).toMatchObject({ reference_image_urls: [hosted.Mira] });
    expect(second.input).toMatchObject({ image_url: firstImage, reference_image_urls: [hosted.Vex], prompt: "Vex: a thief in a green cloak. they split the treasure" });
    expect(blackColumns(maskOf(second.input).mask)).toEqual({ first: 512, last: 1023, count: 512 });
    const edits = replyEdits(discord, scene);
    expect(edits.findIndex((t) => /step 2 of 2/.test(t))).toBeGreaterThan(edits.findIndex((t) => /step 1 of 2/.test(t)));

    const posted = resultMessages(scene);
    expect(posted).toHaveLength(1);
    expect(posted[0]!.channelId).toBe(threadId);
    expect(posted[0]!.text).toContain(`📖 **Two of a Kind** — scene 1, by <@${discord.users.bob.id}>: **Mira** with **Vex** on the right`);

    const end = discord.command("story end", {}, { user: discord.users.alice, channelId: threadId });
    const book = (await waitForReply(discord, end, /the end/)).attachments.find((a) => a.filename.endsWith(".html"))!.bytes.toString("utf8");
    expect(book).toContain(`by Bob · starring Mira &amp; Vex`);
  });

  it("when `with` names nobody saved, or placement comes without `with`, then the member is told and nothing reaches fal", async () => {
    const { discord, fal } = stack;
    await replyText(discord, discord.command("story start", { title: "Solo Act", character: "Mira" } as never, { user: discord.users.alice }));
    const threadId = discord.threads(discord.channelId).find((t) => t.name === "Solo Act")!.id;
    const before = fal.requests.length;
    expect(await replyText(discord, discord.command("story scene", { prompt: "x", with: "Ghost" } as never, { user: discord.users.bob, channelId: threadId }))).toMatch(/no saved character called `Ghost`/);
    expect(await replyText(discord, discord.command("story scene", { prompt: "x", placement: "left" } as never, { user: discord.users.bob, channelId: threadId }))).toMatch(/`placement` says where a second character goes/);
    expect(fal.requests.length).toBe(before);
  });
});
