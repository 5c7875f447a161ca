import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DiscordAttachment } from "../../fakes/discord/index.js";
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

/** Runs /imagine and returns what the requester was told; asserts it was private and fal was never called. */
async function rejected(options: Record<string, string | number | boolean | DiscordAttachment>): Promise<string> {
  const { discord, fal } = stack;
  const falRequestsBefore = fal.requests.length;
  const handle = discord.command("imagine", options, { user: discord.users.alice });
  const callback = await handle.callback();
  expect(callback.at - handle.dispatchedAt).toBeLessThan(3000);
  // Either an immediate ephemeral reply (4) or an ephemeral deferral (5) later edited.
  expect(callback.data?.flags & 64).toBe(64);
  const text =
    callback.type === 4
      ? String(callback.data.content)
      : (await discord.waitFor(() => { const o = handle.original(); return o && !/thinking/i.test(o.text) && o.text ? o : undefined; }, 10_000, "error reply")).text;
  // Give any stray job a moment to show itself before asserting fal stayed untouched.
  await new Promise((resolve) => setTimeout(resolve, 150));
  expect(fal.requests.slice(falRequestsBefore)).toEqual([]);
  expect(discord.messages().filter((m) => !m.ephemeral && m.text.includes("Scene for"))).toEqual([]);
  return text;
}

describe("/imagine with bad input: a clear private message and no fal call", () => {
  const png = () => stack.discord.attachment(makePng({ width: 8, height: 8, seed: 3, targetBytes: 500 }), "hero.png", { contentType: "image/png" });

  it("when the reference is missing, then the user is asked to attach one", async () => {
    expect(await rejected({ prompt: "a scene" })).toMatch(/Attach a `reference` image/);
  });

  it("when the reference is a text file named .png, then the user is told it is not an image", async () => {
    const fake = stack.discord.attachment(Buffer.from("just some text, honestly"), "x.png", { contentType: "image/png" });
    expect(await rejected({ prompt: "a scene", reference: fake })).toMatch(/`x\.png` is not a JPEG, PNG or WebP image/);
  });

  it("when the reference is declared over 10 MB, then it is refused before downloading", async () => {
    const big = stack.discord.attachment(makePng({ width: 8, height: 8, seed: 4, targetBytes: 500 }), "big.png", { size: 11 * MB });
    const before = stack.discord.requests.length;
    expect(await rejected({ prompt: "a scene", reference: big })).toMatch(/11\.0 MB; fal accepts at most 10\.0 MB/);
    expect(stack.discord.requests.slice(before).some((r) => r.path.includes("big.png"))).toBe(false);
  });

  it("when the reference claims to be small but is over 10 MB, then the download stops at the limit and the user is told", async () => {
    const liar = stack.discord.attachment(makePng({ width: 1200, height: 1200, seed: 5, targetBytes: 11 * MB }), "liar.png", { size: 2000 });
    expect(await rejected({ prompt: "a scene", reference: liar })).toMatch(/larger than 10\.0 MB/);
  });

  it("when style_codes come with style, then the user is told to pick one", async () => {
    expect(await rejected({ prompt: "a scene", reference: png(), style_codes: "1a2b3c4d", style: "REALISTIC" })).toMatch(/style_codes can't be combined with style:/);
  });

  it("when style_codes come with a style_reference, then the user is told to pick one", async () => {
    expect(await rejected({ prompt: "a scene", reference: png(), style_codes: "1a2b3c4d", style_reference: png() })).toMatch(/can't be combined with style_reference/);
  });

  it("when style_codes are malformed, then the user sees what a code looks like", async () => {
    expect(await rejected({ prompt: "a scene", reference: png(), style_codes: "12345, nothex!!" })).toMatch(/not 8-character hex codes: `12345`, `nothex!!`/);
  });

  it("when the palette is malformed, then the user sees the accepted forms", async () => {
    expect(await rejected({ prompt: "a scene", reference: png(), palette: "#ff00zz:7" })).toMatch(/That palette doesn't work.*EMBER/s);
  });

  it("when the prompt is only spaces, then the user is asked to describe the scene", async () => {
    expect(await rejected({ prompt: "   ", reference: png() })).toMatch(/The prompt is empty/);
  });

  it("when a choice value is not one Discord offered (a forged request), then it is refused clearly", async () => {
    expect(await rejected({ prompt: "a scene", reference: png(), speed: "LUDICROUS" })).toMatch(/`LUDICROUS` is not a choice for speed/);
  });
});
