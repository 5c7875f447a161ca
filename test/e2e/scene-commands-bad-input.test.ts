import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OptionValue } from "../../fakes/discord/index.js";
import { makePng } from "../../fakes/fal/index.js";
import { startStack, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const MB = 1024 * 1024;
type Options = Record<string, OptionValue>;

/**
 * Runs a command and returns what the requester was told. Asserts the answer was private, that
 * nothing at all reached fal (no upload, no submit: nothing can be charged), that no job is left
 * running, and that nothing was posted in the channel. A refusal found by the job's own checks
 * (the download, the mask's size) ends the job with that reply, so nothing can follow it.
 */
async function rejected(command: "edit" | "remix" | "upscale", options: Options): Promise<string> {
  const { discord, fal } = stack;
  const falRequestsBefore = fal.requests.length;
  const publicBefore = discord.messages().filter((m) => !m.ephemeral).length;
  const handle = discord.command(command, options, { user: discord.users.alice });
  const callback = await handle.callback();
  expect(callback.at - handle.dispatchedAt).toBeLessThan(3000);
  expect(callback.data?.flags & 64).toBe(64);
  const text =
    callback.type === 4
      ? String(callback.data.content)
      : (await discord.waitFor(() => { const o = handle.original(); return o && o.text ? o : undefined; }, 10_000, "error reply")).text;
  expect(fal.requests.slice(falRequestsBefore)).toEqual([]);
  expect(await stack.app.context.store.unfinished()).toEqual([]);
  expect(discord.messages().filter((m) => !m.ephemeral).length).toBe(publicBefore);
  return text;
}

const png = (width: number, height: number, seed: number) => makePng({ width, height, seed, targetBytes: 800 + width * height });
const attach = (bytes: Buffer, name: string) => stack.discord.attachment(bytes, name, { contentType: "image/png" });
const textFile = (name: string) => stack.discord.attachment(Buffer.from("just some text, honestly"), name, { contentType: "image/png" });
const scene = () => attach(png(64, 48, 1), "scene.png");
const reference = () => attach(png(16, 16, 2), "hero.png");

describe("/edit with bad input: a clear private message and nothing sent to fal", () => {
  it("when the mask's size differs from the image's, then the message names both sizes", async () => {
    expect(await rejected("edit", { prompt: "a door", image: scene(), mask: attach(png(32, 32, 3), "mask.png"), reference: reference() })).toMatch(
      /The mask is 32×32 but the image is 64×48: they must be the same size\./,
    );
  });

  it("when neither a region nor a mask is given, then the member is asked for one", async () => {
    expect(await rejected("edit", { prompt: "a door", image: scene(), reference: reference() })).toMatch(/Say what to repaint: pick a `region`.*or attach a `mask`/);
  });

  it("when both a region and a mask are given, then the member is asked to pick one", async () => {
    expect(await rejected("edit", { prompt: "a door", image: scene(), region: "top", mask: attach(png(64, 48, 4), "mask.png"), reference: reference() })).toMatch(
      /either a `region`.*or your own `mask`, not both/,
    );
  });

  it("when the image is a text file named .png, then the member is told it is not an image", async () => {
    expect(await rejected("edit", { prompt: "a door", image: textFile("scene.png"), region: "top", reference: reference() })).toMatch(
      /The image `scene\.png` is not a JPEG, PNG or WebP image/,
    );
  });

  it("when the mask is a text file named .png, then the member is told it is not an image", async () => {
    expect(await rejected("edit", { prompt: "a door", image: scene(), mask: textFile("mask.png"), reference: reference() })).toMatch(/The mask `mask\.png` is not a JPEG, PNG or WebP image/);
  });

  it("when the image's header is cut short, then its size cannot be read and the member is told", async () => {
    const cut = png(64, 48, 5).subarray(0, 20); // the PNG signature and half an IHDR
    expect(await rejected("edit", { prompt: "a door", image: attach(cut, "cut.png"), region: "left_half", reference: reference() })).toMatch(/The image file is cut short/);
  });

  it("when no image comes with the command (a forged request), then the member is asked to attach one", async () => {
    expect(await rejected("edit", { prompt: "a door", region: "top", reference: reference() })).toMatch(/Attach the `image` you want to edit/);
  });

  it("when there is no character, then the member is asked for a reference or a saved character", async () => {
    expect(await rejected("edit", { prompt: "a door", image: scene(), region: "top" })).toMatch(/Attach a `reference` image of your character.*or pick a saved `character`/);
  });

  it("when the region is not one Discord offered (a forged request), then it is refused clearly", async () => {
    expect(await rejected("edit", { prompt: "a door", image: scene(), region: "everything", reference: reference() })).toMatch(/`everything` is not a choice for region/);
  });
});

describe("/remix with bad input", () => {
  it("when strength is above 1 or below 0.01 (a forged request), then the member sees the range", async () => {
    for (const strength of [1.5, 0, 0.001]) {
      expect(await rejected("remix", { prompt: "winter", image: scene(), strength, reference: reference() })).toMatch(/strength must be a number from 0\.01 to 1/);
    }
  });

  it("when strength is not a number at all (a forged request), then the option is named", async () => {
    expect(await rejected("remix", { prompt: "winter", image: scene(), strength: { __raw: { type: 3, value: "0.5" } }, reference: reference() })).toMatch(/The option `strength` must be a number/);
  });

  it("when the image is missing or a text file named .png, then the member is told", async () => {
    expect(await rejected("remix", { prompt: "winter", reference: reference() })).toMatch(/Attach the `image` you want to remix/);
    expect(await rejected("remix", { prompt: "winter", image: textFile("street.png"), reference: reference() })).toMatch(/The image `street\.png` is not a JPEG, PNG or WebP image/);
  });

  it("when style_codes come with a style, then the member is told to pick one, as in /imagine", async () => {
    expect(await rejected("remix", { prompt: "winter", image: scene(), reference: reference(), style: "FICTION", style_codes: "1a2b3c4d" })).toMatch(/style_codes can't be combined with style:/);
  });
});

describe("/upscale with bad input", () => {
  it("when resemblance or detail is outside 1–100 (a forged request), then the member sees the range", async () => {
    expect(await rejected("upscale", { image: scene(), resemblance: 0 })).toMatch(/resemblance must be a whole number from 1 to 100/);
    expect(await rejected("upscale", { image: scene(), detail: 101 })).toMatch(/detail must be a whole number from 1 to 100/);
  });

  it("when the image is missing, a text file named .png, or declared over 10 MB, then the member is told", async () => {
    expect(await rejected("upscale", {})).toMatch(/Attach the `image` you want to upscale/);
    expect(await rejected("upscale", { image: textFile("castle.png") })).toMatch(/The image `castle\.png` is not a JPEG, PNG or WebP image/);
    const big = stack.discord.attachment(png(8, 8, 6), "big.png", { size: 11 * MB });
    expect(await rejected("upscale", { image: big })).toMatch(/The image is 11\.0 MB; fal accepts at most 10\.0 MB/);
  });
});
