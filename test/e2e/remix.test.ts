import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makePng, pngSize, sampleJpeg } from "../../fakes/fal/index.js";
import { watchFal } from "../support/fal-watch.js";
import { replyText, resultMessages, waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe("/remix, end to end", () => {
  it("when a member remixes with every option, then character/remix gets exactly the mapped fields and the results arrive in the channel", async () => {
    const { discord } = stack;
    const image = makePng({ width: 48, height: 64, seed: 41, targetBytes: 4000 });
    const reference = makePng({ width: 32, height: 32, seed: 42, targetBytes: 3000 });
    const referenceMask = makePng({ width: 32, height: 32, seed: 43, targetBytes: 1500 });
    const styleReference = sampleJpeg();
    const watch = watchFal(stack.fal);

    const handle = discord.command(
      "remix",
      {
        prompt: "the same street, but in winter",
        image: discord.attachment(image, "street.png", { contentType: "image/png" }),
        strength: 0.35,
        reference: discord.attachment(reference, "knight.png", { contentType: "image/png" }),
        mask: discord.attachment(referenceMask, "knight-mask.png"),
        style: "REALISTIC",
        size: "portrait_4_3",
        speed: "TURBO",
        count: 2,
        seed: 5,
        negative_prompt: "rain",
        magic_prompt: true,
        palette: "#ff0000:0.8 #0000ff",
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
    expect(submit.endpointId).toBe("fal-ai/ideogram/character/remix");
    expect(submit.input).toEqual({
      prompt: "the same street, but in winter",
      image_url: watch.urlOf(image),
      reference_image_urls: [watch.urlOf(reference)],
      reference_mask_urls: [watch.urlOf(referenceMask)],
      image_urls: [watch.urlOf(styleReference)],
      strength: 0.35,
      style: "REALISTIC",
      image_size: "portrait_4_3",
      rendering_speed: "TURBO",
      num_images: 2,
      seed: 5,
      negative_prompt: "rain",
      expand_prompt: true,
      color_palette: { members: [{ rgb: { r: 255, g: 0, b: 0 }, color_weight: 0.8 }, { rgb: { r: 0, g: 0, b: 255 } }] },
    });
    expect(watch.uploads()).toHaveLength(4);

    const results = resultMessages(handle);
    expect(results).toHaveLength(1);
    const result = results[0]!;
    expect(result.ephemeral).toBe(false);
    expect(result.text).toContain(`<@${discord.users.alice.id}>`);
    expect(result.text).toContain("seed 5 · Turbo · Portrait 4:3 · strength 0.35 · style Realistic · 2 images · magic prompt on · palette #ff0000:0.8 #0000ff · not: rain");
    expect(result.attachments).toHaveLength(2);
    // fal's remix makes images of the size asked for (the fake: image_size's preset).
    for (const attachment of result.attachments) expect(pngSize(attachment.bytes)).toEqual({ width: 768, height: 1024 });
    expect(discord.validationFailures).toEqual([]);
  });

  it("when a member remixes with a saved character and nothing else, then fal gets the character's images, the defaults spelled out and no strength (fal's 0.8)", async () => {
    const { discord } = stack;
    const savedReference = makePng({ width: 24, height: 24, seed: 51, targetBytes: 2500 });
    const saveWatch = watchFal(stack.fal);
    const saved = discord.command(
      "character save",
      { name: "Ott", reference: discord.attachment(savedReference, "ott.png", { contentType: "image/png" }), description: "an otter in a waistcoat" } as never,
      { user: discord.users.bob },
    );
    expect(await replyText(discord, saved)).toMatch(/Saved \*\*Ott\*\*/);

    const image = makePng({ width: 40, height: 40, seed: 52, targetBytes: 3000 });
    const watch = watchFal(stack.fal);
    const handle = discord.command("remix", { prompt: "a picnic by the river", image: discord.attachment(image, "picnic.png", { contentType: "image/png" }), character: "Ott", style_codes: "0a1b2c3d 4e5f6a7b" }, { user: discord.users.bob });
    await waitForReply(discord, handle, /posted in the channel/);
    expect(watch.submits()[0]!.endpointId).toBe("fal-ai/ideogram/character/remix");
    expect(watch.submits()[0]!.input).toEqual({
      prompt: "Ott: an otter in a waistcoat. a picnic by the river",
      image_url: watch.urlOf(image),
      reference_image_urls: [saveWatch.urlOf(savedReference)],
      image_size: "square_hd",
      rendering_speed: "BALANCED",
      num_images: 1,
      style_codes: ["0a1b2c3d", "4e5f6a7b"],
    });
    expect(watch.uploads()).toHaveLength(1); // only the image: the character is already on fal

    // A server that keeps descriptions out of prompts: the member's prompt alone.
    await stack.app.context.servers.saveSettings(discord.guildId, { characterDescriptions: false });
    try {
      const plain = watchFal(stack.fal);
      const again = discord.command("remix", { prompt: "a picnic by the river", image: discord.attachment(image, "picnic.png", { contentType: "image/png" }), character: "Ott" }, { user: discord.users.bob });
      await waitForReply(discord, again, /posted in the channel/);
      expect((plain.submits()[0]!.input as { prompt: string }).prompt).toBe("a picnic by the river");
    } finally {
      await stack.app.context.servers.saveSettings(discord.guildId, {});
    }
  });

  it("when character or palette is being typed, then /remix suggests saved characters and presets like /imagine", async () => {
    const { discord } = stack;
    const characters = await discord.autocomplete("remix", { prompt: "x", character: "ot" }, "character", { user: discord.users.bob }).callback();
    expect(characters.data.choices.map((c: { value: string }) => c.value)).toEqual(["Ott"]);
    const palettes = await discord.autocomplete("edit", { prompt: "x", palette: "ma" }, "palette").callback();
    expect(palettes.data.choices.map((c: { value: string }) => c.value)).toEqual(["MAGIC", "ULTRAMARINE"]);
  });
});
