import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makePng } from "../../fakes/fal/index.js";
import { falResultImages } from "../support/fal-result.js";
import { replyText, waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

let stack: Stack;
let threadId: string;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

async function saveCharacter(name: string, seed: number): Promise<string> {
  const { discord, fal } = stack;
  const bytes = makePng({ width: 20, height: 20, seed, targetBytes: 2000 });
  const handle = discord.command("character save", { name, reference: discord.attachment(bytes, `${name}.png`, { contentType: "image/png" }) } as never, { user: discord.users.alice });
  expect(await replyText(stack.discord, handle)).toMatch(/Saved/);
  return fal.uploads.find((u) => u.bytes.equals(bytes))!.fileUrl;
}

describe("story sessions", () => {
  let miraUrl: string;
  let vexUrl: string;

  it("when a member starts a story, then a thread opens with a cover card carrying the cast and defaults", async () => {
    const { discord } = stack;
    miraUrl = await saveCharacter("Mira", 1);
    vexUrl = await saveCharacter("Vex", 2);
    const start = discord.command("story start", { title: "The **Storm** Road", character: "Mira", style: "FICTION", size: "landscape_4_3" } as never, { user: discord.users.alice });
    const reply = await replyText(stack.discord, start);
    const thread = discord.threads(discord.channelId).at(-1)!;
    threadId = thread.id;
    expect(reply).toContain(`<#${thread.id}>`);
    expect(thread.name).toBe("The Storm Road");
    const cover = discord.messages(thread.id)[0]!;
    expect(cover.embeds[0]).toMatchObject({ title: "📖 The Storm Road", fields: [{ name: "Cast", value: "Mira" }, { name: "Look", value: "style Fiction · Landscape 4:3" }] });
  });

  it("when two members add scenes in the thread, then each is numbered, uses the session's defaults and cast, and lands in the thread", async () => {
    const { discord, fal } = stack;
    const first = discord.command("story scene", { prompt: "Mira spots the storm" } as never, { user: discord.users.bob, channelId: threadId });
    await waitForReply(discord, first, /posted in the channel/);
    expect(fal.submits.at(-1)!.input).toMatchObject({ style: "FICTION", image_size: "landscape_4_3", reference_image_urls: [miraUrl], prompt: "Mira spots the storm" });
    const scene1 = first.followups().find((m) => m.attachments.length > 0)!;
    expect(scene1.channelId).toBe(threadId);
    expect(scene1.text).toContain(`**The Storm Road** — scene 1, by <@${discord.users.bob.id}>`);

    expect(await replyText(stack.discord, discord.command("story cast add", { character: "vex" } as never, { user: discord.users.alice, channelId: threadId }))).toMatch(/\*\*Vex\*\* joins the cast\. Cast now: Mira, Vex/);
    const second = discord.command("story scene", { prompt: "Vex steals the map", character: "Vex" } as never, { user: discord.users.alice, channelId: threadId });
    await waitForReply(discord, second, /posted in the channel/);
    expect(fal.submits.at(-1)!.input).toMatchObject({ reference_image_urls: [vexUrl] });
    expect(second.followups().find((m) => m.attachments.length > 0)!.text).toContain("scene 2, by");
  });

  it("when someone asks for a recap, then the scenes are listed in order with their authors", async () => {
    const recap = await replyText(stack.discord, stack.discord.command("story recap", {}, { user: stack.discord.users.bob, channelId: threadId }));
    expect(recap).toMatch(/the story so far\n\*\*1\.\*\* Bob: Mira spots the storm — https:\/\/discord\.com\/channels\/\d+\/\d+\/\d+\n\*\*2\.\*\* Alice: Vex steals the map/);
  });

  it("when someone else tries to end it, then they are refused; when its starter ends it, then the storybook holds every scene in order", async () => {
    const { discord, fal } = stack;
    expect(await replyText(stack.discord, discord.command("story end", {}, { user: discord.users.bob, channelId: threadId }))).toMatch(/Only the member who started this story/);
    const end = discord.command("story end", {}, { user: discord.users.alice, channelId: threadId });
    const reply = await waitForReply(discord, end, /the end/);
    const file = reply.attachments.find((a) => a.filename.endsWith(".html"))!;
    expect(file.filename).toBe("storybook-the-storm-road.html");
    const html = file.bytes.toString("utf8");
    const sections = [...html.matchAll(/<section class="scene" data-number="(\d+)">([\s\S]*?)<\/section>/g)];
    expect(sections.map((s) => s[1])).toEqual(["1", "2"]);
    expect(sections[0]![2]).toContain("by Bob · starring Mira");
    expect(sections[1]![2]).toContain("by Alice · starring Vex");
    const sceneRequestIds = fal.submits.filter((s) => ["Mira spots the storm", "Vex steals the map"].includes((s.input as { prompt: string }).prompt)).map((s) => s.requestId!);
    for (const [index, requestId] of sceneRequestIds.entries()) {
      const [url] = await falResultImages(fal, requestId);
      const served = Buffer.from(await (await fetch(url ?? "")).arrayBuffer());
      const inlined = /src="data:image\/png;base64,([^"]+)"/.exec(sections[index]![2] ?? "")![1]!;
      expect(Buffer.from(inlined, "base64").equals(served)).toBe(true);
    }
    expect(html).not.toMatch(/<script|src="http/);
    await discord.waitFor(() => discord.thread(threadId)?.archived, 5000, "thread archived");
  });

  it("when a scene is asked for after the end, or outside a story thread, then the member is told", async () => {
    const { discord } = stack;
    expect(await replyText(stack.discord, discord.command("story scene", { prompt: "one more" } as never, { user: discord.users.bob, channelId: threadId }))).toMatch(/has ended/);
    expect(await replyText(stack.discord, discord.command("story scene", { prompt: "one more" } as never, { user: discord.users.bob }))).toMatch(/isn't a story thread/);
  });

  it("when the bot may not open threads in the channel, then the member is told which permissions it needs", async () => {
    const { discord } = stack;
    discord.denyBot(discord.otherChannelId, 1n << 35n); // CREATE_PUBLIC_THREADS
    const start = discord.command("story start", { title: "Nowhere" } as never, { user: discord.users.alice, channelId: discord.otherChannelId });
    expect(await replyText(stack.discord, start)).toMatch(/needs the Create Public Threads and Send Messages in Threads permissions/);
  });
});
