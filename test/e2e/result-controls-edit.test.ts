import { inflateSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeUser, InteractionHandle, ModalValues, OptionValue, StoredMessage } from "../../fakes/discord/index.js";
import { makePng, pngSize } from "../../fakes/fal/index.js";
import { falResultImages } from "../support/fal-result.js";
import { actionRows, replyText, resultMessages, waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

/**
 * Edit on a result (issue 11, item 3), and the server's limits and monthly cap on every control,
 * end to end against the fakes. Upscale and Remix are in result-controls.test.ts.
 */
const PRICES = { PRICE_TURBO_USD: "0.1", PRICE_UPSCALE_USD: "0.03", PRICE_EDIT_TURBO_USD: "0.05", PRICE_REMIX_TURBO_USD: "0.07" };

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: PRICES });
  // Daily limits reset at 00:00 UTC: run the file at noon UTC so the day cannot change under the counts.
  const now = new Date(stack.clock.now());
  const noon = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 12);
  stack.advance((noon > now.getTime() ? noon : noon + 86_400_000) - now.getTime());
});
afterAll(async () => {
  await stack?.stop();
});

type Component = { type: number; label?: string; custom_id?: string; options?: { label: string; value: string }[]; components?: Component[] };
const componentsOf = (message: StoredMessage) => (actionRows(message) as Component[]).flatMap((row) => row.components ?? []);

function control(message: StoredMessage, label: string): string {
  const found = componentsOf(message).find((component) => component.type === 2 && component.label === label);
  if (!found?.custom_id) throw new Error(`no ${label} button on message: ${JSON.stringify(message.components)}`);
  return found.custom_id;
}

/** A delivered /imagine (512×512 images: size "square") by `user`, with its fal input and images. */
async function scene(user: FakeUser, options: Record<string, OptionValue> = {}) {
  const { discord, fal } = stack;
  const reference = discord.attachment(makePng({ width: 16, height: 16, seed: 33, targetBytes: 2000 }), "hero.png", { contentType: "image/png" });
  const handle = discord.command("imagine", { prompt: "the knight guards a gate", reference, size: "square", speed: "TURBO", count: 1, ...options }, { user });
  await waitForReply(discord, handle, /posted in the channel/);
  const submit = fal.submits.at(-1)!;
  return { result: resultMessages(handle).at(-1)!, input: submit.input as { reference_image_urls: string[]; reference_mask_urls?: string[] }, images: await falResultImages(fal, submit.requestId!) };
}

/** Presses Edit (or picks "Edit image N") and submits the form with `values`. */
async function edit(result: StoredMessage, user: FakeUser, values: ModalValues, image?: number): Promise<InteractionHandle> {
  const { discord } = stack;
  let press: InteractionHandle;
  if (image === undefined) {
    press = discord.button(control(result, "Edit"), result, { user });
  } else {
    const menu = componentsOf(result).find((component) => component.type === 3)!;
    press = discord.select(menu.custom_id!, result, [menu.options!.find((option) => option.label === `Edit image ${image}`)!.value], { user });
  }
  expect((await press.callback()).type).toBe(9);
  return discord.submitModal(press, values);
}

/** The grey levels of a mask StoryCast drew (8-bit greyscale PNG, no filters). */
function greyPixels(png: Buffer): { width: number; height: number; at: (x: number, y: number) => number } {
  let offset = 8;
  let header: Buffer | undefined;
  const data: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString("latin1", offset + 4, offset + 8);
    if (type === "IHDR") header = png.subarray(offset + 8, offset + 8 + length);
    if (type === "IDAT") data.push(png.subarray(offset + 8, offset + 8 + length));
    offset += 12 + length;
  }
  if (!header) throw new Error("not a PNG");
  const width = header.readUInt32BE(0);
  const height = header.readUInt32BE(4);
  expect([header[8], header[9]]).toEqual([8, 0]); // 8-bit greyscale
  const raw = inflateSync(Buffer.concat(data));
  return { width, height, at: (x, y) => raw[y * (width + 1) + 1 + x]! };
}

describe("Edit on a result", () => {
  it("when a member edits an area, then a mask of that area at the image's exact size is drawn (black repaints) and character/edit gets exactly the image, the mask and the character", async () => {
    const { discord, fal } = stack;
    const source = await scene(discord.users.alice, { mask: discord.attachment(makePng({ width: 16, height: 16, seed: 34 }), "mask.png"), magic_prompt: true });
    const press = discord.button(control(source.result, "Edit"), source.result, { user: discord.users.bob });
    const form = await press.callback();
    expect(form.type).toBe(9);
    expect(form.data.components).toMatchObject([
      { type: 18, label: "Prompt", component: { type: 4, custom_id: "prompt", value: "the knight guards a gate" } },
      { type: 18, component: { type: 3, custom_id: "region", required: false } },
      { type: 18, component: { type: 19, custom_id: "mask", required: false } },
    ]);
    const submitted = discord.submitModal(press, { prompt: "a dragon lands on the left", region: ["left_half"] });
    expect((await submitted.callback()).type).toBe(5);
    await waitForReply(discord, submitted, /posted in the channel/);
    const submit = fal.submits.at(-1)!;
    expect(submit.endpointId).toBe("fal-ai/ideogram/character/edit");
    const input = submit.input as Record<string, unknown>;
    expect(input).toEqual({
      prompt: "a dragon lands on the left",
      image_url: source.images[0],
      mask_url: expect.any(String),
      reference_image_urls: [source.input.reference_image_urls[0]],
      reference_mask_urls: [source.input.reference_mask_urls![0]],
      rendering_speed: "TURBO",
      num_images: 1,
      expand_prompt: true,
    });
    const mask = fal.uploads.find((upload) => upload.fileUrl === input.mask_url)!;
    const image = pngSize(await (await fetch(source.images[0]!)).arrayBuffer().then((b) => new Uint8Array(b)))!;
    const pixels = greyPixels(mask.bytes);
    expect({ width: pixels.width, height: pixels.height }).toEqual(image);
    expect([pixels.at(0, 0), pixels.at(image.width / 2 - 1, image.height - 1)]).toEqual([0, 0]); // left half: repainted
    expect([pixels.at(image.width / 2, 0), pixels.at(image.width - 1, image.height - 1)]).toEqual([255, 255]); // right half: kept
    const edited = resultMessages(submitted).at(-1)!;
    expect(edited.text.split("\n")[0]).toBe(`✏️ Edit for <@${discord.users.bob.id}> of image 1 from <https://discord.com/channels/${discord.guildId}/${source.result.channelId}/${source.result.id}>`);
  });

  it("when a member uploads a mask of the image's size, then that very file is the edit's mask_url", async () => {
    const { discord, fal } = stack;
    const source = await scene(discord.users.alice, { count: 3 });
    const size = pngSize(await (await fetch(source.images[2]!)).arrayBuffer().then((b) => new Uint8Array(b)))!;
    const file = makePng({ ...size, seed: 35 });
    const submitted = await edit(source.result, discord.users.alice, { prompt: "a lantern glows", mask: [discord.attachment(file, "paint.png", { contentType: "image/png" })] }, 3);
    await waitForReply(discord, submitted, /posted in the channel/);
    const input = fal.submits.at(-1)!.input as { image_url: string; mask_url: string };
    expect(fal.submits.at(-1)!.endpointId).toBe("fal-ai/ideogram/character/edit");
    expect(input.image_url).toBe(source.images[2]);
    expect(fal.uploads.find((upload) => upload.fileUrl === input.mask_url)!.bytes.equals(file)).toBe(true);
  });

  it("when the uploaded mask's size differs from the image's, then the edit is refused naming both sizes, and nothing is submitted or counted", async () => {
    const { discord, fal, app } = stack;
    const source = await scene(discord.users.alice);
    const submits = fal.submits.length;
    const imagesToday = () => app.context.servers.memberImagesSince(discord.guildId, discord.users.alice.id, stack.clock.now() - 3_600_000);
    const counted = await imagesToday();
    const submitted = await edit(source.result, discord.users.alice, { prompt: "a lantern glows", mask: [discord.attachment(makePng({ width: 64, height: 48, seed: 36 }), "small.png")] });
    const reply = await waitForReply(discord, submitted, /⚠️/);
    const image = pngSize(await (await fetch(source.images[0]!)).arrayBuffer().then((b) => new Uint8Array(b)))!;
    expect(reply.text).toBe(`⚠️ The mask is 64×48 but the image is ${image.width}×${image.height}: they must be the same size.`);
    expect(fal.submits).toHaveLength(submits);
    expect(await imagesToday()).toBe(counted); // ended before fal: neither paid nor counted
  });

  it("when the form has neither an area nor a mask, or both, or an empty prompt, then it is refused at once and nothing is submitted", async () => {
    const { discord, fal } = stack;
    const source = await scene(discord.users.alice);
    const submits = fal.submits.length;
    const answer = async (values: Parameters<typeof edit>[2]) => {
      const callback = await (await edit(source.result, discord.users.alice, values)).callback();
      expect(callback.type).toBe(4);
      return String(callback.data.content);
    };
    expect(await answer({ prompt: "a lantern glows" })).toMatch(/Pick the area to repaint, or upload a mask/);
    expect(await answer({ region: ["top"], mask: [discord.attachment(makePng({ width: 8, height: 8, seed: 37 }), "m.png")] })).toMatch(/not both/);
    expect(await answer({ prompt: "   ", region: ["top"] })).toMatch(/The prompt is empty/);
    const huge = discord.attachment(makePng({ width: 8, height: 8, seed: 38 }), "huge.png", { size: 11 * 1024 * 1024 });
    expect(await answer({ mask: [huge] })).toMatch(/The mask is 11\.0 MB; fal accepts at most 10\.0 MB/);
    expect(discord.downloads(huge.url)).toBe(0); // refused on Discord's word, before downloading anything
    expect(fal.submits).toHaveLength(submits);
  });
});

describe("limits and the monthly cap on controls", () => {
  const month = () => {
    const now = new Date(stack.clock.now());
    return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  };
  const dollars = (amount: number) => `$${amount.toFixed(2)}`;

  it("when members upscale, remix and edit, then each job is priced at its endpoint's price and counted as one image", async () => {
    const { discord, fal, app } = stack;
    const source = await scene(discord.users.carol);
    const jobOf = (message: StoredMessage) => app.context.store.get(message.text.match(/job (\S+)/)![1]!);
    const upscale = discord.button(control(source.result, "Upscale"), source.result, { user: discord.users.carol });
    const upscaled = await jobOf((await waitForReply(discord, upscale, /posted in the channel/)) && resultMessages(upscale).at(-1)!);
    const remixPress = discord.button(control(source.result, "Remix"), source.result, { user: discord.users.carol });
    await remixPress.callback();
    const remix = discord.submitModal(remixPress, {});
    await waitForReply(discord, remix, /posted in the channel/);
    const edited = await edit(source.result, discord.users.carol, { region: ["centre"] });
    await waitForReply(discord, edited, /posted in the channel/);
    const remixed = await jobOf(resultMessages(remix).at(-1)!);
    const editJob = await jobOf(resultMessages(edited).at(-1)!);
    expect([upscaled?.costUsd, remixed?.costUsd, editJob?.costUsd]).toEqual([0.03, 0.07, 0.05]);
    expect(fal.submits.slice(-3).map((s) => s.endpointId)).toEqual(["fal-ai/ideogram/upscale", "fal-ai/ideogram/character/remix", "fal-ai/ideogram/character/edit"]);
    const usage = await replyText(discord, discord.command("usage", {}, { user: discord.users.carol }));
    expect(usage).toMatch(/Today \(UTC\): \*\*4\*\* images/); // the scene and its three controls
  });

  it("when the monthly cap leaves less than a control costs, then that control is refused with the spend and its price; a cheaper one still runs", async () => {
    const { discord, fal, app } = stack;
    const source = await scene(discord.users.alice);
    const spent = await app.context.servers.spendSince(discord.guildId, month(), app.context.config.prices);
    const cap = Math.round((spent + 0.04) * 100) / 100; // room for an upscale ($0.03), not an edit ($0.05) or a remix ($0.07)
    await replyText(discord, discord.command("settings limits", { monthly_cap_usd: cap } as never, { user: discord.users.admin }));
    const submits = fal.submits.length;

    const editing = await edit(source.result, discord.users.bob, { prompt: "rain falls", region: ["top"] });
    expect(await replyText(discord, editing)).toContain(`Monthly budget reached: this server has spent ${dollars(spent)} of its ${dollars(cap)} this month, and this request would cost $0.05.`);
    const remixPress = discord.button(control(source.result, "Remix"), source.result, { user: discord.users.bob });
    await remixPress.callback();
    expect(await replyText(discord, discord.submitModal(remixPress, {}))).toContain("and this request would cost $0.07.");
    expect(fal.submits).toHaveLength(submits);

    const upscale = discord.button(control(source.result, "Upscale"), source.result, { user: discord.users.bob });
    await waitForReply(discord, upscale, /posted in the channel/);
    expect(fal.submits.at(-1)!.endpointId).toBe("fal-ai/ideogram/upscale");
    const again = discord.button(control(source.result, "Upscale"), source.result, { user: discord.users.bob });
    expect(await replyText(discord, again)).toContain("and this request would cost $0.03.");
    await replyText(discord, discord.command("settings limits", { monthly_cap_usd: 0 } as never, { user: discord.users.admin }));
  });

  it("when a member's daily image limit is used up, then a control is refused like a command, saying why", async () => {
    const { discord, fal, app } = stack;
    const source = await scene(discord.users.bob);
    const today = Date.UTC(new Date(stack.clock.now()).getUTCFullYear(), new Date(stack.clock.now()).getUTCMonth(), new Date(stack.clock.now()).getUTCDate());
    const made = await app.context.servers.memberImagesSince(discord.guildId, discord.users.bob.id, today);
    await replyText(discord, discord.command("settings limits", { daily_images: made + 1 } as never, { user: discord.users.admin }));
    const upscale = discord.button(control(source.result, "Upscale"), source.result, { user: discord.users.bob });
    await waitForReply(discord, upscale, /posted in the channel/); // the last image of the day
    const submits = fal.submits.length;
    const upscaleAgain = discord.button(control(source.result, "Upscale"), source.result, { user: discord.users.bob });
    expect(await replyText(discord, upscaleAgain)).toMatch(new RegExp(`Daily limit reached: members may make ${made + 1} images a day here; you have made ${made + 1} today\\. It resets at 00:00 UTC`));
    const editing = await edit(source.result, discord.users.bob, { prompt: "snow", region: ["bottom"] });
    expect(await replyText(discord, editing)).toMatch(/Daily limit reached/);
    expect(fal.submits).toHaveLength(submits);
  });

  it("sent Discord only what it accepts", () => {
    expect(stack.discord.validationFailures).toEqual([]);
    expect(stack.discord.warnings).toEqual([]);
  });
});
