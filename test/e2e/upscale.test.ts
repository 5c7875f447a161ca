import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makePng, pngSize } from "../../fakes/fal/index.js";
import { watchFal } from "../support/fal-watch.js";
import { resultMessages, waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe("/upscale, end to end", () => {
  it("when a member upscales with every option, then ideogram/upscale gets exactly those fields and the larger image arrives", async () => {
    const { discord } = stack;
    const image = makePng({ width: 50, height: 30, seed: 61, targetBytes: 3000 });
    const watch = watchFal(stack.fal);
    const handle = discord.command(
      "upscale",
      { image: discord.attachment(image, "castle.png", { contentType: "image/png" }), prompt: "crisp armour, stone walls", resemblance: 70, detail: 30, magic_prompt: false, seed: 9 },
      { user: discord.users.alice },
    );
    const callback = await handle.callback();
    expect(callback.type).toBe(5);
    expect(callback.data?.flags & 64).toBe(64);
    await waitForReply(discord, handle, /posted in the channel/);

    expect(watch.submits()).toHaveLength(1);
    const submit = watch.submits()[0]!;
    expect(submit.endpointId).toBe("fal-ai/ideogram/upscale");
    expect(submit.input).toEqual({ image_url: watch.urlOf(image), prompt: "crisp armour, stone walls", resemblance: 70, detail: 30, expand_prompt: false, seed: 9 });
    expect(watch.uploads()).toHaveLength(1);

    const [result] = resultMessages(handle);
    expect(result?.ephemeral).toBe(false);
    expect(result?.text).toContain("> crisp armour, stone walls");
    expect(result?.text).toContain("seed 9 · Upscale · resemblance 70 · detail 30 · magic prompt off ·");
    expect(result?.text).not.toMatch(/Balanced|Square HD|1 image/); // an upscale has no speed, size or count
    expect(result?.attachments).toHaveLength(1);
    expect(pngSize(result!.attachments[0]!.bytes)).toEqual({ width: 100, height: 60 }); // the fake upscales 2×
    expect(discord.validationFailures).toEqual([]);
  });

  it("when only the image is given, then fal gets the image alone, whatever the server's defaults and speed limit say", async () => {
    const { discord } = stack;
    // Defaults and rules about speed and count do not apply to an upscale (it has neither): one image, no speed.
    await stack.app.context.servers.saveSettings(discord.guildId, { defaultSpeed: "QUALITY", defaultCount: 3, maxSpeed: "TURBO", maxCount: 1 });
    try {
      const image = makePng({ width: 20, height: 20, seed: 62, targetBytes: 1500 });
      const watch = watchFal(stack.fal);
      const handle = discord.command("upscale", { image: discord.attachment(image, "tower.png", { contentType: "image/png" }) }, { user: discord.users.bob });
      await waitForReply(discord, handle, /posted in the channel/);
      expect(watch.submits()[0]!.endpointId).toBe("fal-ai/ideogram/upscale");
      expect(watch.submits()[0]!.input).toEqual({ image_url: watch.urlOf(image) });
      const [result] = resultMessages(handle);
      expect(result?.text).toMatch(/> Upscale of tower\.png\n-# seed \d+ · Upscale · job /); // no prompt: the result names the image
      expect(result?.attachments).toHaveLength(1);
    } finally {
      await stack.app.context.servers.saveSettings(discord.guildId, {});
    }
  });

  it("when private is set, then the upscaled image goes to the requester alone", async () => {
    const { discord } = stack;
    const publicBefore = discord.messages().filter((m) => !m.ephemeral).length;
    const handle = discord.command("upscale", { image: discord.attachment(makePng({ width: 16, height: 16, seed: 63, targetBytes: 1500 }), "mine.png", { contentType: "image/png" }), private: true }, { user: discord.users.carol });
    const reply = await waitForReply(discord, handle, /Scene for/);
    expect(reply.ephemeral).toBe(true);
    expect(reply.attachments).toHaveLength(1);
    expect(discord.messages().filter((m) => !m.ephemeral).length).toBe(publicBefore);
  });
});
