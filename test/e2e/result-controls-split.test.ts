import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredMessage } from "../../fakes/discord/index.js";
import { makePng } from "../../fakes/fal/index.js";
import { falResultImages } from "../support/fal-result.js";
import { actionRows, resultMessages, waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

/** Controls on a result split over several messages (a small upload limit): each image's are on the message holding it. */
const LIMIT = 100_000;

let stack: Stack;
beforeAll(async () => {
  // 8-image results cost more than the price confirmation's default threshold; the confirmation is not this file's subject.
  stack = await startStack({ attachmentSizeLimit: LIMIT, env: { CONFIRM_COST_ABOVE_USD: "off" } });
});
afterAll(async () => {
  await stack?.stop();
});

type Component = { type: number; label?: string; custom_id?: string; options?: { label: string; value: string }[]; components?: Component[] };
const componentsOf = (message: StoredMessage) => (actionRows(message) as Component[]).flatMap((row) => row.components ?? []);
const reference = () => stack.discord.attachment(makePng({ width: 16, height: 16, seed: 41, targetBytes: 1500 }), "hero.png", { contentType: "image/png" });

describe("controls on a split result", () => {
  it("when 8 images are split over several messages, then each message offers the controls of exactly its images, and a control links back to its own message", async () => {
    const { discord, fal } = stack;
    fal.script({ imageBytes: 30_000 });
    const handle = discord.command("imagine", { prompt: "eight panels", reference: reference(), count: 8 }, { user: discord.users.alice });
    await waitForReply(discord, handle, /8 images posted in the channel/);
    const images = await falResultImages(fal, fal.submits.at(-1)!.requestId!);
    const parts = resultMessages(handle);
    expect(parts.length).toBeGreaterThan(1);
    const offered = parts.map((part) => {
      const menu = componentsOf(part).find((component) => component.type === 3)!;
      // The image numbers in the select are the ones attached to this message (storycast-<job>-<n>.png).
      const attached = part.attachments.map((a) => Number(a.filename.match(/-(\d+)\.\w+$/)![1])).sort((a, b) => a - b);
      const upscales = menu.options!.filter((o) => o.label.startsWith("Upscale")).map((o) => Number(o.label.match(/\d+$/)![0]));
      expect(upscales).toEqual(attached);
      expect(menu.options).toHaveLength(attached.length * 3);
      return upscales;
    });
    expect(offered.flat().sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // The result's own buttons stay on the last part only.
    expect(parts.map((part) => componentsOf(part).some((c) => c.label === "Reroll"))).toEqual(parts.map((_, i) => i === parts.length - 1));

    const second = parts[1]!;
    const menu = componentsOf(second).find((component) => component.type === 3)!;
    const option = menu.options!.find((o) => o.label.startsWith("Upscale"))!;
    const n = Number(option.label.match(/\d+$/)![0]);
    fal.script({ imageBytes: 5_000 });
    const pick = discord.select(menu.custom_id!, second, [option.value], { user: discord.users.bob });
    await waitForReply(discord, pick, /posted in the channel/);
    expect(fal.submits.at(-1)).toMatchObject({ endpointId: "fal-ai/ideogram/upscale", input: { image_url: images[n - 1] } });
    expect(resultMessages(pick).at(-1)!.text).toContain(`of image ${n} from <https://discord.com/channels/${discord.guildId}/${second.channelId}/${second.id}>`);
    expect(discord.validationFailures).toEqual([]);
  });

  it("when the only image is too large to attach and is linked instead, then its controls are still on the message", async () => {
    const { discord, fal } = stack;
    fal.script({ imageBytes: 150_000 });
    const handle = discord.command("imagine", { prompt: "one huge image", reference: reference() }, { user: discord.users.alice });
    await waitForReply(discord, handle, /posted in the channel/);
    const [part] = resultMessages(handle);
    expect(part!.attachments).toHaveLength(0);
    const images = await falResultImages(fal, fal.submits.at(-1)!.requestId!);
    const upscale = componentsOf(part!).find((c) => c.label === "Upscale")!;
    const press = discord.button(upscale.custom_id!, part!, { user: discord.users.alice });
    await waitForReply(discord, press, /posted in the channel/);
    expect(fal.submits.at(-1)).toMatchObject({ endpointId: "fal-ai/ideogram/upscale", input: { image_url: images[0] } });
  });
});
