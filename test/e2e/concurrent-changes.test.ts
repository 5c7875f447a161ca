import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { characterScope } from "../../src/domain/character-name.js";
import { FILE_CHECK_TIMEOUT_MS } from "../../src/fal/fal-service.js";
import { makePng } from "../../fakes/fal/index.js";
import { replyText, waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

/**
 * Members changing the same thing at the same moment, on PostgreSQL (where several processes
 * would share it): every change is applied to what is there when it is written, none is lost,
 * and a scene asked for as its story ends is refused without a job or a charge.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ store: "postgres" });
});
afterAll(async () => {
  await stack?.stop();
});

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

async function saveCharacter(name: string, seed: number): Promise<void> {
  const { discord } = stack;
  const reference = discord.attachment(makePng({ width: 16, height: 16, seed, targetBytes: 1500 }), `${name}.png`, { contentType: "image/png" });
  expect(await replyText(discord, discord.command("character save", { name, reference } as never, { user: discord.users.alice }))).toMatch(/Saved/);
}

async function startStory(title: string, character?: string): Promise<string> {
  const { discord } = stack;
  await replyText(discord, discord.command("story start", { title, ...(character ? { character } : {}) } as never, { user: discord.users.alice }));
  return discord.threads(discord.channelId).find((t) => t.name === title)!.id;
}

describe("concurrent changes", () => {
  it("when admins save different settings at the same moment, then every one of them is kept", async () => {
    const { discord } = stack;
    const changes: [string, Record<string, string | number | boolean>][] = [
      ["settings limits", { daily_images: 7 }],
      ["settings limits", { monthly_cap_usd: 4 }],
      ["settings limits", { max_count: 3 }],
      ["settings limits", { character_descriptions: false }],
      ["settings defaults", { count: 2 }],
      ["settings defaults", { style: "FICTION" }],
      ["settings defaults", { speed: "TURBO" }],
      ["settings defaults", { size: "landscape_16_9" }],
    ];
    const handles = changes.map(([command, options]) => discord.command(command, options as never, { user: discord.users.admin }));
    await Promise.all(handles.map((handle) => replyText(discord, handle)));
    expect(await stack.app.context.servers.settings(discord.guildId)).toEqual({
      dailyImageLimit: 7,
      monthlySpendCapUsd: 4,
      maxCount: 3,
      characterDescriptions: false,
      defaultCount: 2,
      defaultStyle: "FICTION",
      defaultSpeed: "TURBO",
      defaultSize: "landscape_16_9",
    });
    // A change refused against the settings as saved (count above the maximum) writes nothing.
    expect(await replyText(discord, discord.command("settings defaults", { count: 4 } as never, { user: discord.users.admin }))).toMatch(/can't be above the most images per request \(3\)/);
    expect((await stack.app.context.servers.settings(discord.guildId)).defaultCount).toBe(2);
    await replyText(discord, discord.command("settings reset", {} as never, { user: discord.users.admin }));
  });

  it("when members add different characters to a story's cast at the same moment, then every one joins", async () => {
    const { discord } = stack;
    const names = ["Ada", "Ben", "Cy", "Dee", "Eli", "Fay"];
    for (const [i, name] of names.entries()) await saveCharacter(name, 20 + i);
    const threadId = await startStory("The Crowded Inn");
    const adds = names.map((character) => discord.command("story cast add", { character } as never, { user: discord.users.bob, channelId: threadId }));
    for (const add of adds) expect(await replyText(discord, add)).toMatch(/joins the cast/);
    const story = await stack.app.context.stories.byThread(threadId);
    const cast = await Promise.all(story!.cast.map(async (id) => (await stack.app.context.characters.byId(id))!.name));
    expect(cast.sort()).toEqual(names);
  });

  it("when the story ends while a scene is being prepared, then the member is told it has ended, and no job is written or charged", async () => {
    const { discord, fal } = stack;
    await saveCharacter("Gus", 40);
    const threadId = await startStory("The Last Train", "Gus");
    const gus = await stack.app.context.characters.byName(characterScope(discord.guildId, discord.users.alice.id), "Gus");
    const path = new URL(gus!.referenceUrl).pathname;
    const checks = () => fal.requests.filter((r) => r.kind === "cdn" && r.target.includes(path)).length;
    const before = checks();
    // The check that Gus's image is still on fal hangs: the scene waits there, its story still open.
    fal.failNext("cdn", 1, "hang", { target: new RegExp(escape(path)) });
    const submitsBefore = fal.submits.length;
    const imagesBefore = await stack.app.context.servers.memberImagesSince(discord.guildId, discord.users.bob.id, 0);
    const scene = discord.command("story scene", { prompt: "the whistle blows" } as never, { user: discord.users.bob, channelId: threadId });
    await fal.waitFor(() => checks() > before, 10_000, "character file check begun");
    const end = discord.command("story end", {}, { user: discord.users.alice, channelId: threadId });
    await waitForReply(discord, end, /the end/, 15_000);
    stack.advance(FILE_CHECK_TIMEOUT_MS + 1); // the check gives up ("unknown"): the scene goes on

    await waitForReply(discord, scene, /The Last Train\*\* has ended/, 10_000);
    expect(fal.submits.length).toBe(submitsBefore);
    expect(await stack.app.context.stories.scenes((await stack.app.context.stories.byThread(threadId))!.id)).toEqual([]);
    expect(await stack.app.context.servers.memberImagesSince(discord.guildId, discord.users.bob.id, 0)).toBe(imagesBefore);
  });
});
