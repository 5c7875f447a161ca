import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makePng, sampleJpeg } from "../../fakes/fal/index.js";
import { actionRows, replyEdits, resultMessages, waitForReply } from "../support/imagine.js";
import { falResultImages } from "../support/fal-result.js";
import { startStack, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  // Progress edits at most every 50 ms: every phase (queue position, generating) gets its own edit,
  // whatever the edits before it (the price offer, uploading) took out of the default 2.5 s window.
  stack = await startStack({ env: { PROGRESS_EDIT_INTERVAL_MS: "50" } });
});
afterAll(async () => {
  await stack?.stop();
});

describe("/imagine, end to end", () => {
  it("when a member asks with every option, then fal gets each mapped input and the images arrive in the channel", async () => {
    const { discord, fal } = stack;
    const reference = makePng({ width: 64, height: 48, seed: 1, targetBytes: 6000 });
    const mask = makePng({ width: 64, height: 48, seed: 2, targetBytes: 3000 });
    const styleReference = sampleJpeg();
    fal.script({ queuePositions: [2, 1, 0], runMs: 400, imageBytes: 20_000 });

    const handle = discord.command(
      "imagine",
      {
        prompt: "the knight sips espresso in a sunlit café",
        reference: discord.attachment(reference, "knight.png", { contentType: "image/png" }),
        mask: discord.attachment(mask, "mask.png"),
        style_reference: discord.attachment(styleReference, "style.jpg", { contentType: "image/jpeg" }),
        style: "FICTION",
        size: "portrait_16_9",
        speed: "QUALITY",
        count: 3,
        seed: 4242,
        negative_prompt: "hats",
        magic_prompt: false,
        palette: "#ff0000:0.8 #00ff00",
      },
      { user: discord.users.alice },
    );

    const callback = await handle.callback();
    expect(callback.type).toBe(5); // deferred
    expect(callback.data?.flags & 64).toBe(64); // progress is the requester's alone
    expect(callback.at - handle.dispatchedAt).toBeLessThan(3000);

    // 3 Quality images ($0.60) pass the default $0.50 threshold: the member accepts the price first.
    const offer = await waitForReply(discord, handle, /This will cost \*\*\$0\.60\*\* \(3 images × \$0\.20 Quality\)/);
    expect(fal.requests).toHaveLength(0); // nothing uploaded or submitted before the answer
    const generate = (offer.components as { components: { label: string; custom_id: string }[] }[])[0]!.components.find((b) => b.label === "Generate for $0.60")!;
    expect((await discord.button(generate.custom_id, offer, { user: discord.users.alice }).callback()).type).toBe(6);

    await waitForReply(discord, handle, /posted in the channel/);
    expect(fal.submits).toHaveLength(1);
    const input = fal.submits[0]!.input as Record<string, unknown>;
    const hosted = (url: unknown) => fal.uploads.find((u) => u.fileUrl === url);
    expect(hosted((input.reference_image_urls as string[])[0])?.bytes.equals(reference)).toBe(true);
    expect(hosted((input.reference_mask_urls as string[])[0])?.bytes.equals(mask)).toBe(true);
    expect(hosted((input.image_urls as string[])[0])?.bytes.equals(styleReference)).toBe(true);
    expect(hosted((input.image_urls as string[])[0])?.contentType).toBe("image/jpeg");
    expect(input).toMatchObject({
      prompt: "the knight sips espresso in a sunlit café",
      style: "FICTION",
      image_size: "portrait_16_9",
      rendering_speed: "QUALITY",
      num_images: 3,
      seed: 4242,
      negative_prompt: "hats",
      expand_prompt: false,
      color_palette: { members: [{ rgb: { r: 255, g: 0, b: 0 }, color_weight: 0.8 }, { rgb: { r: 0, g: 255, b: 0 } }] },
    });
    expect(Object.keys(input).sort()).toEqual(
      ["prompt", "reference_image_urls", "reference_mask_urls", "image_urls", "style", "image_size", "rendering_speed", "num_images", "seed", "negative_prompt", "expand_prompt", "color_palette"].sort(),
    );

    // Progress: queue position, then generating, each with elapsed time.
    const edits = replyEdits(discord, handle);
    expect(edits.some((text) => /queue, position \d+.*\(\d+:\d\d\)/.test(text))).toBe(true);
    expect(edits.some((text) => /Generating… \(\d+:\d\d\)/.test(text))).toBe(true);

    // The images, in the channel (not ephemeral), byte for byte what fal's CDN served.
    const results = resultMessages(handle);
    expect(results).toHaveLength(1);
    const result = results[0]!;
    expect(result.ephemeral).toBe(false);
    expect(result.channelId).toBe(discord.channelId);
    expect(result.text).toContain(`<@${discord.users.alice.id}>`);
    expect(result.text).toContain("seed 4242");
    expect(result.text).toMatch(/Quality · Portrait 16:9 · style Fiction · 3 images · magic prompt off · palette #ff0000:0.8 #00ff00 · not: hats/);
    expect(result.attachments).toHaveLength(3);
    const images = await falResultImages(fal, fal.submits[0]!.requestId!);
    for (const [index, attachment] of result.attachments.entries()) {
      const served = await (await fetch(images[index]!)).arrayBuffer();
      expect(attachment.bytes.equals(Buffer.from(served))).toBe(true);
      expect(attachment.bytes.subarray(1, 4).toString()).toBe("PNG");
    }
    const [buttons, controls] = (actionRows(result) as { components: { type: number; custom_id: string; label: string }[] }[]).map((row) => row.components);
    expect(buttons!.map((b) => b.label)).toEqual(["Reroll", "Save as character", "Delete"]);
    expect(controls!.map((c) => c.type)).toEqual([3]); // the Upscale / Remix / Edit select (result-controls.test.ts)
    expect(discord.validationFailures).toEqual([]);
  });

  it("when a job waits in fal's queue and then generates, then the bot makes a handful of fal requests, not one per poll", async () => {
    const { discord, fal } = stack;
    fal.script({ queueMs: 1500, runMs: 1000 });
    const before = fal.requests.length;
    const reference = discord.attachment(makePng({ width: 16, height: 16, seed: 8, targetBytes: 2000 }), "hero.png", { contentType: "image/png" });
    const handle = discord.command("imagine", { prompt: "a long wait", reference }, { user: discord.users.bob });
    await waitForReply(discord, handle, /posted in the channel/);
    const kinds = fal.requests.slice(before).map((r) => r.kind);
    // upload (initiate + PUT), submit, one status read (fal is asked first), one status stream, result,
    // one CDN download — polling every 40 ms would be ~60.
    expect(kinds.sort()).toEqual(["cdn", "result", "status", "status-stream", "submit", "upload-initiate", "upload-put"]);
    expect(replyEdits(discord, handle).some((text) => /queue/.test(text))).toBe(true);
  });
});
