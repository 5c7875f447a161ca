import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makePng } from "../../fakes/fal/index.js";
import { resultMessages, waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

const LIMIT = 100_000; // a small per-message upload limit, so 8 images must be split

let stack: Stack;
beforeAll(async () => {
  // Delivery is this file's subject: eight Balanced images ($1.20) run without the price confirmation (confirm-cost.test.ts tests it).
  stack = await startStack({ attachmentSizeLimit: LIMIT, env: { CONFIRM_COST_ABOVE_USD: "off" } });
});
afterAll(async () => {
  await stack?.stop();
});

const reference = () => stack.discord.attachment(makePng({ width: 16, height: 16, seed: 5, targetBytes: 1500 }), "hero.png", { contentType: "image/png" });

describe("/imagine delivery", () => {
  it("when the result is larger than one message allows, then it is split across messages and nothing is dropped", async () => {
    const { discord, fal } = stack;
    fal.script({ imageBytes: 30_000 });
    const handle = discord.command("imagine", { prompt: "eight panels", reference: reference(), count: 8 }, { user: discord.users.alice });
    await waitForReply(discord, handle, /8 images posted in the channel/);
    const parts = resultMessages(handle);
    expect(parts.length).toBeGreaterThan(1);
    const attachments = parts.flatMap((m) => m.attachments);
    expect(attachments).toHaveLength(8);
    for (const part of parts) {
      expect(part.attachments.reduce((sum, a) => sum + a.bytes.length, 0)).toBeLessThanOrEqual(LIMIT);
      expect(part.attachments.length).toBeLessThanOrEqual(10);
    }
    expect(new Set(attachments.map((a) => a.filename)).size).toBe(8);
    expect(parts[0]!.text).toMatch(/part 1 of \d/);
    expect(discord.validationFailures).toEqual([]);
  });

  it("when an image is larger than a message can hold, then it is linked instead of dropped", async () => {
    const { discord, fal } = stack;
    fal.script({ imageBytes: 150_000 });
    const handle = discord.command("imagine", { prompt: "one huge image", reference: reference() }, { user: discord.users.alice });
    await waitForReply(discord, handle, /posted in the channel/);
    const [part] = resultMessages(handle);
    expect(part?.attachments).toHaveLength(0);
    expect(part?.text).toMatch(/Image 1 is too large to attach here: http:\/\/127\.0\.0\.1:\d+\/files\//);
  });

  it("when private is set, then the whole exchange is visible to the requester only", async () => {
    const { discord, fal } = stack;
    fal.script({ imageBytes: 5_000 });
    const before = discord.messages().filter((m) => !m.ephemeral).length;
    const handle = discord.command("imagine", { prompt: "a secret scene", reference: reference(), count: 2, private: true }, { user: discord.users.alice });
    expect((await handle.callback()).data.flags & 64).toBe(64);
    const reply = await waitForReply(discord, handle, /Scene for/);
    expect(reply.ephemeral).toBe(true);
    expect(reply.attachments).toHaveLength(2);
    expect(discord.messages().filter((m) => !m.ephemeral).length).toBe(before);
  });

  it("when /help is used, then it explains the options and what each endpoint and speed costs, privately", async () => {
    const { discord } = stack;
    const handle = discord.command("help", {}, { user: discord.users.bob });
    const callback = await handle.callback();
    expect(callback.type).toBe(4);
    expect(callback.data.flags & 64).toBe(64);
    expect(callback.data.content).toMatch(/\/imagine/);
    const prices = callback.data.embeds?.[0];
    expect(prices?.title).toBe("Prices");
    expect(prices?.description).toMatch(/\/imagine\s+\$0\.10\s+\$0\.15\s+\$0\.20\n/);
    expect(prices?.description).toMatch(/Two characters\s+\$0\.20\s+\$0\.30\s+\$0\.40\n/);
    expect(discord.validationFailures).toEqual([]);
  });

  it("when the palette option is being typed, then fal's presets are suggested", async () => {
    const { discord } = stack;
    const handle = discord.autocomplete("imagine", { prompt: "x", palette: "ma" }, "palette");
    const callback = await handle.callback();
    expect(callback.type).toBe(8);
    expect(callback.data.choices.map((c: { value: string }) => c.value)).toEqual(["MAGIC", "ULTRAMARINE"]);
  });
});
