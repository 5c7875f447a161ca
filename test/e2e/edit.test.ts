import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makePng, pngSize, sampleJpeg } from "../../fakes/fal/index.js";
import { falResultImages } from "../support/fal-result.js";
import { watchFal } from "../support/fal-watch.js";
import { expectedPicture, maskPicture } from "../support/grey-png.js";
import { actionRows, replyText, resultMessages, waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe("/edit, end to end", () => {
  it("when a member edits with a region and every option, then character/edit gets exactly the mapped fields, the drawn mask has the image's size with black on the region, and the results arrive", async () => {
    const { discord, fal } = stack;
    const image = makePng({ width: 64, height: 48, seed: 11, targetBytes: 5000 });
    const reference = makePng({ width: 32, height: 32, seed: 12, targetBytes: 3000 });
    const styleReference = sampleJpeg();
    const watch = watchFal(stack.fal);

    const handle = discord.command(
      "edit",
      {
        prompt: "the knight leans on the left wall",
        image: discord.attachment(image, "scene.png", { contentType: "image/png" }),
        region: "left_half",
        reference: discord.attachment(reference, "knight.png", { contentType: "image/png" }),
        speed: "QUALITY",
        count: 2,
        seed: 77,
        magic_prompt: false,
        palette: "EMBER",
        style_reference: discord.attachment(styleReference, "style.jpg", { contentType: "image/jpeg" }),
      },
      { user: discord.users.alice },
    );
    const callback = await handle.callback();
    expect(callback.type).toBe(5);
    expect(callback.data?.flags & 64).toBe(64);
    await waitForReply(discord, handle, /posted in the channel/);

    expect(watch.submits()).toHaveLength(1);
    const submit = watch.submits()[0]!;
    expect(submit.endpointId).toBe("fal-ai/ideogram/character/edit");
    const input = submit.input as Record<string, unknown>;
    const mask = watch.uploads().find((upload) => upload.fileUrl === input.mask_url);
    expect(mask).toBeDefined();
    expect(input).toEqual({
      prompt: "the knight leans on the left wall",
      image_url: watch.urlOf(image),
      mask_url: mask!.fileUrl,
      reference_image_urls: [watch.urlOf(reference)],
      image_urls: [watch.urlOf(styleReference)],
      rendering_speed: "QUALITY",
      num_images: 2,
      seed: 77,
      expand_prompt: false,
      color_palette: { name: "EMBER" },
    });
    // The scene, the drawn mask, the reference and the style image: nothing else uploaded.
    expect(watch.uploads()).toHaveLength(4);
    expect(mask!.contentType).toBe("image/png");
    const picture = maskPicture(mask!.bytes);
    expect([picture.width, picture.height]).toEqual([64, 48]);
    expect(picture.rows).toEqual(expectedPicture(64, 48, { x0: 0, x1: 32, y0: 0, y1: 48 }));

    // Delivered like /imagine's: in the channel, with the seed and what was repainted.
    const results = resultMessages(handle);
    expect(results).toHaveLength(1);
    const result = results[0]!;
    expect(result.ephemeral).toBe(false);
    expect(result.text).toContain(`<@${discord.users.alice.id}>`);
    expect(result.text).toContain("seed 77 · Quality · repainted: Left half · 2 images · magic prompt off · palette ember");
    expect(result.attachments).toHaveLength(2);
    const served = await falResultImages(fal, submit.requestId!);
    for (const [index, attachment] of result.attachments.entries()) {
      expect(attachment.bytes.equals(Buffer.from(await (await fetch(served[index]!)).arrayBuffer()))).toBe(true);
      expect(pngSize(attachment.bytes)).toEqual({ width: 64, height: 48 }); // an edit keeps the image's size
    }
    const buttons = (actionRows(result) as { components: { label: string }[] }[]).flatMap((row) => row.components.map((b) => b.label));
    expect(buttons).toContain("Reroll");
    expect(discord.validationFailures).toEqual([]);
  });

  it("when the region is the background of an odd-sized image, then black covers exactly everything but the centre", async () => {
    const { discord } = stack;
    const image = makePng({ width: 31, height: 21, seed: 13, targetBytes: 2000 });
    const watch = watchFal(stack.fal);
    const handle = discord.command(
      "edit",
      {
        prompt: "a storm behind her",
        image: discord.attachment(image, "odd.png", { contentType: "image/png" }),
        region: "background",
        reference: discord.attachment(makePng({ width: 16, height: 16, seed: 14, targetBytes: 1500 }), "r.png", { contentType: "image/png" }),
      },
      { user: discord.users.bob },
    );
    await waitForReply(discord, handle, /posted in the channel/);
    const input = watch.submits()[0]!.input as { mask_url: string };
    const picture = maskPicture(watch.uploads().find((upload) => upload.fileUrl === input.mask_url)!.bytes);
    expect([picture.width, picture.height]).toEqual([31, 21]);
    // The centre is the middle ceil(31/2)×ceil(21/2) = 16×11 block starting at (7, 5); it is kept (white), the rest repainted.
    expect(picture.rows).toEqual(expectedPicture(31, 21, { x0: 7, x1: 23, y0: 5, y1: 16 }, true));
    expect(resultMessages(handle)[0]!.text).toContain("repainted: Background (all but the centre)");
  });

  it("when a member attaches their own mask and uses a saved character, then the mask is passed through as it is, the character's images and description are used, and server defaults apply only where edit has the option", async () => {
    const { discord } = stack;
    const savedReference = makePng({ width: 24, height: 24, seed: 21, targetBytes: 2500 });
    const savedMask = makePng({ width: 24, height: 24, seed: 22, targetBytes: 1500 });
    const saveWatch = watchFal(stack.fal);
    const saved = discord.command(
      "character save",
      { name: "Mira", reference: discord.attachment(savedReference, "mira.png", { contentType: "image/png" }), mask: discord.attachment(savedMask, "mira-mask.png"), description: "a sky pirate in a red coat" } as never,
      { user: discord.users.alice },
    );
    expect(await replyText(discord, saved)).toMatch(/Saved \*\*Mira\*\*/);
    const referenceUrl = saveWatch.urlOf(savedReference);
    const referenceMaskUrl = saveWatch.urlOf(savedMask);
    expect(referenceUrl && referenceMaskUrl).toBeTruthy();

    // The server's defaults: speed and count are edit options; style and size are not (an edit keeps the image's frame).
    await stack.app.context.servers.saveSettings(discord.guildId, { defaultStyle: "FICTION", defaultSize: "landscape_16_9", defaultSpeed: "TURBO", defaultCount: 2 });
    try {
      const image = makePng({ width: 40, height: 30, seed: 23, targetBytes: 3000 });
      const editMask = makePng({ width: 40, height: 30, seed: 24, targetBytes: 1000 });
      const watch = watchFal(stack.fal);
      const handle = discord.command(
        "edit",
        { prompt: "she waves from the doorway", image: discord.attachment(image, "door.png", { contentType: "image/png" }), mask: discord.attachment(editMask, "door-mask.png"), character: "mira", style_codes: "1a2b3c4d" },
        { user: discord.users.bob },
      );
      await waitForReply(discord, handle, /posted in the channel/);
      const submit = watch.submits()[0]!;
      expect(submit.endpointId).toBe("fal-ai/ideogram/character/edit");
      expect(submit.input).toEqual({
        prompt: "Mira: a sky pirate in a red coat. she waves from the doorway",
        image_url: watch.urlOf(image),
        mask_url: watch.urlOf(editMask),
        reference_image_urls: [referenceUrl],
        reference_mask_urls: [referenceMaskUrl],
        rendering_speed: "TURBO",
        num_images: 2,
        style_codes: ["1a2b3c4d"],
      });
      // Only the scene and its mask were uploaded: the saved character's images are already on fal.
      expect(watch.uploads().map((upload) => upload.fileUrl).sort()).toEqual([watch.urlOf(image), watch.urlOf(editMask)].sort());
      const result = resultMessages(handle)[0]!;
      expect(result.text).toMatch(/Turbo · repainted: your mask · 2 images · style codes 1a2b3c4d/);
      expect(result.text).not.toMatch(/Fiction|Landscape/);
    } finally {
      await stack.app.context.servers.saveSettings(discord.guildId, {});
    }
  });

  it("when the result is private, then it goes to the requester alone", async () => {
    const { discord } = stack;
    const publicBefore = discord.messages().filter((m) => !m.ephemeral).length;
    const handle = discord.command(
      "edit",
      {
        prompt: "a hidden door",
        image: discord.attachment(makePng({ width: 20, height: 20, seed: 31, targetBytes: 1500 }), "p.png", { contentType: "image/png" }),
        region: "top",
        reference: discord.attachment(makePng({ width: 16, height: 16, seed: 32, targetBytes: 1500 }), "r.png", { contentType: "image/png" }),
        private: true,
      },
      { user: discord.users.carol },
    );
    const reply = await waitForReply(discord, handle, /Scene for/);
    expect(reply.ephemeral).toBe(true);
    expect(reply.text).toContain("repainted: Top");
    expect(reply.attachments).toHaveLength(1);
    expect(discord.messages().filter((m) => !m.ephemeral).length).toBe(publicBefore);
  });
});
