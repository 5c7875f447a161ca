import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeUser, InteractionHandle, StoredMessage } from "../../fakes/discord/index.js";
import { makePng } from "../../fakes/fal/index.js";
import { falResultImages } from "../support/fal-result.js";
import { actionRows, replyText, resultMessages, waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

/**
 * Upscale and Remix on a result (issue 11, item 3), end to end: the real discord.js Client and
 * @fal-ai/client against the fakes. Edit, its masks and the limits are in result-controls-edit.test.ts.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

type Component = { type: number; label?: string; custom_id?: string; options?: { label: string; value: string }[]; components?: Component[] };
const componentsOf = (message: StoredMessage) => (actionRows(message) as Component[]).flatMap((row) => row.components ?? []);

function button(message: StoredMessage, label: string): string {
  const found = componentsOf(message).find((component) => component.type === 2 && component.label === label);
  if (!found?.custom_id) throw new Error(`no ${label} button on message: ${JSON.stringify(message.components)}`);
  return found.custom_id;
}

function select(message: StoredMessage): Component {
  const found = componentsOf(message).find((component) => component.type === 3);
  if (!found?.custom_id) throw new Error(`no select on message: ${JSON.stringify(message.components)}`);
  return found;
}

/** A delivered /imagine by `user`: its reply, its result message, its fal submit and its images' URLs on fal. */
async function scene(user: FakeUser, options: Record<string, string | number | boolean> = {}) {
  const { discord, fal } = stack;
  const reference = discord.attachment(makePng({ width: 16, height: 16, seed: 21, targetBytes: 2000 }), "hero.png", { contentType: "image/png" });
  const handle = discord.command("imagine", { prompt: "the hero crosses a rope bridge", reference, count: 1, ...options }, { user });
  await waitForReply(discord, handle, /posted in the channel|Scene for/);
  const submit = fal.submits.at(-1)!;
  const result = resultMessages(handle).at(-1) ?? handle.original()!;
  return { handle, result, submit, images: await falResultImages(fal, submit.requestId!) };
}

/** Waits for a control's job to be delivered in the channel; returns its result message. */
async function deliveredFrom(handle: InteractionHandle): Promise<StoredMessage> {
  await waitForReply(stack.discord, handle, /posted in the channel/);
  return resultMessages(handle).at(-1)!;
}

const link = (message: StoredMessage) => `<https://discord.com/channels/${stack.discord.guildId}/${message.channelId}/${message.id}>`;

describe("Upscale on a result", () => {
  it("when a member presses Upscale on a one-image result, then ideogram/upscale gets exactly that image's URL, and the result links back to it", async () => {
    const { discord, fal } = stack;
    const source = await scene(discord.users.alice);
    expect(componentsOf(source.result).map((c) => c.label)).toEqual(["Reroll", "Save as character", "Delete", "Upscale", "Remix", "Edit"]);
    const press = discord.button(button(source.result, "Upscale"), source.result, { user: discord.users.bob });
    expect((await press.callback()).type).toBe(5);
    const upscaled = await deliveredFrom(press);
    const submit = fal.submits.at(-1)!;
    expect(submit.endpointId).toBe("fal-ai/ideogram/upscale");
    expect(submit.input).toEqual({ image_url: source.images[0] }); // no prompt, fal's own resemblance and detail
    // A job for whoever pressed, linking back to the image it came from.
    const job = await stack.app.context.store.get(upscaled.text.match(/job (\S+)/)![1]!);
    expect(job?.origin.userId).toBe(discord.users.bob.id);
    expect(job?.settings).toMatchObject({ kind: "upscale", numImages: 1, source: { jobId: source.result.text.match(/job (\S+)/)![1], image: 0 } });
    expect(upscaled.text.split("\n")[0]).toBe(`🔍 Upscale for <@${discord.users.bob.id}> of image 1 from ${link(source.result)}`);
    // An upscaled image is not offered Upscale again, but can be remixed or edited.
    expect(componentsOf(upscaled).map((c) => c.label)).toEqual(["Reroll", "Save as character", "Delete", "Remix", "Edit"]);
  });

  it("when a result has three images, then one select offers each control for each image, and choosing one upscales that image", async () => {
    const { discord, fal } = stack;
    const source = await scene(discord.users.alice, { count: 3 });
    const menu = select(source.result);
    expect(menu.options!.map((o) => o.label)).toEqual([
      "Upscale image 1", "Remix image 1", "Edit image 1",
      "Upscale image 2", "Remix image 2", "Edit image 2",
      "Upscale image 3", "Remix image 3", "Edit image 3",
    ]);
    const value = menu.options!.find((o) => o.label === "Upscale image 2")!.value;
    const pick = discord.select(menu.custom_id!, source.result, [value], { user: discord.users.alice });
    expect((await pick.callback()).type).toBe(5);
    const upscaled = await deliveredFrom(pick);
    expect(fal.submits.at(-1)).toMatchObject({ endpointId: "fal-ai/ideogram/upscale", input: { image_url: source.images[1] } });
    expect(Object.keys(fal.submits.at(-1)!.input as object)).toEqual(["image_url"]);
    expect(upscaled.text).toContain(`of image 2 from ${link(source.result)}`);
  });

  it("when fal no longer keeps the result image, then Upscale is refused with the reason and nothing is submitted", async () => {
    const { discord, fal } = stack;
    const source = await scene(discord.users.alice);
    fal.expire(source.images[0]!);
    const submits = fal.submits.length;
    const press = discord.button(button(source.result, "Upscale"), source.result, { user: discord.users.alice });
    expect(await replyText(discord, press)).toMatch(/fal no longer keeps image 1 of that result.*Nothing was charged/);
    expect(fal.submits).toHaveLength(submits);
  });
});

describe("Remix on a result", () => {
  it("when a member remixes, then a form asks for the prompt (pre-filled) and strength, and character/remix gets exactly the image, the character and the form's values", async () => {
    const { discord, fal } = stack;
    const source = await scene(discord.users.alice, { style: "FICTION", negative_prompt: "blurry", magic_prompt: false, size: "landscape_4_3", speed: "TURBO" });
    const sourceInput = source.submit.input as { reference_image_urls: string[] };
    const press = discord.button(button(source.result, "Remix"), source.result, { user: discord.users.bob });
    const form = await press.callback();
    expect(form.type).toBe(9);
    expect(form.data.title).toBe("Remix image 1");
    expect(form.data.components).toMatchObject([
      { type: 18, label: "Prompt", component: { type: 4, custom_id: "prompt", value: "the hero crosses a rope bridge" } },
      { type: 18, component: { type: 4, custom_id: "strength", value: "0.8" } },
    ]);
    const submitted = discord.submitModal(press, { prompt: "the hero crosses a rope bridge at night", strength: "0.35" });
    expect((await submitted.callback()).type).toBe(5);
    const remixed = await deliveredFrom(submitted);
    const submit = fal.submits.at(-1)!;
    expect(submit.endpointId).toBe("fal-ai/ideogram/character/remix");
    expect(submit.input).toEqual({
      prompt: "the hero crosses a rope bridge at night",
      image_url: source.images[0],
      reference_image_urls: [sourceInput.reference_image_urls[0]],
      image_size: "landscape_4_3",
      rendering_speed: "TURBO",
      num_images: 1,
      strength: 0.35,
      style: "FICTION",
      negative_prompt: "blurry",
      expand_prompt: false,
    });
    expect(remixed.text.split("\n")[0]).toBe(`🔀 Remix for <@${discord.users.bob.id}> of image 1 from ${link(source.result)}`);
    expect(remixed.text).toContain("the hero crosses a rope bridge at night");
  });

  it("when the strength is not a number from 0.01 to 1, then the form is refused with what is expected, and nothing is submitted", async () => {
    const { discord, fal } = stack;
    const source = await scene(discord.users.alice);
    const submits = fal.submits.length;
    for (const strength of ["2", "abc", "0", "-0.5"]) {
      const press = discord.button(button(source.result, "Remix"), source.result, { user: discord.users.alice });
      expect((await press.callback()).type).toBe(9);
      const submitted = discord.submitModal(press, { strength });
      const answer = await submitted.callback();
      expect(answer.type).toBe(4);
      expect(answer.data.flags & 64).toBe(64);
      expect(answer.data.content).toMatch(/Strength must be a number from 0\.01 .* to 1 .*Nothing was charged/);
    }
    expect(fal.submits).toHaveLength(submits);
  });

  it("when the strength is left empty, then fal's default 0.8 is sent", async () => {
    const { discord, fal } = stack;
    const source = await scene(discord.users.alice);
    const press = discord.button(button(source.result, "Remix"), source.result, { user: discord.users.alice });
    await press.callback();
    await deliveredFrom(discord.submitModal(press, { strength: "" }));
    expect(fal.submits.at(-1)).toMatchObject({ endpointId: "fal-ai/ideogram/character/remix", input: { strength: 0.8, prompt: "the hero crosses a rope bridge" } });
  });
});

describe("whose job a control makes", () => {
  it("when a member presses a control on another member's private result (a forged interaction: they cannot see it), then it is refused and nothing is submitted", async () => {
    const { discord, fal } = stack;
    const source = await scene(discord.users.alice, { private: true });
    expect(source.result.ephemeral).toBe(true);
    const submits = fal.submits.length;
    // Discord shows an ephemeral result to its requester only; the fake lets a test dispatch the press as anyone.
    const upscale = discord.button(button(source.result, "Upscale"), source.result, { user: discord.users.bob });
    expect(await replyText(discord, upscale)).toBe("That result is private to the member who asked for it.");
    const remix = discord.button(button(source.result, "Remix"), source.result, { user: discord.users.bob });
    const refused = await remix.callback();
    expect(refused.type).toBe(4); // no form for a result that is not theirs
    expect(refused.data.content).toBe("That result is private to the member who asked for it.");
    expect(fal.submits).toHaveLength(submits);
  });

  it("when the requester uses a control on their private result, then the new job is private too", async () => {
    const { discord, fal } = stack;
    const source = await scene(discord.users.alice, { private: true });
    const press = discord.button(button(source.result, "Upscale"), source.result, { user: discord.users.alice });
    const upscaled = await waitForReply(discord, press, /Upscale for/);
    expect(upscaled.ephemeral).toBe(true);
    expect(upscaled.text.split("\n")[0]).toBe(`🔍 Upscale for <@${discord.users.alice.id}> of image 1 from your private result`);
    expect(fal.submits.at(-1)).toMatchObject({ endpointId: "fal-ai/ideogram/upscale", input: { image_url: source.images[0] } });
    expect(discord.messages().filter((m) => !m.ephemeral && m.text.includes("from your private result"))).toEqual([]);
  });

  it("sent Discord only what it accepts (every body validated against its OpenAPI description)", () => {
    expect(stack.discord.validationFailures).toEqual([]);
    expect(stack.discord.warnings).toEqual([]);
  });
});
