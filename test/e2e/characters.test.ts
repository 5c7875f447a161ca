import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makePng } from "../../fakes/fal/index.js";
import { falResultImages } from "../support/fal-result.js";
import { actionRows, replyText, waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const png = (seed: number) => makePng({ width: 24, height: 24, seed, targetBytes: 2500 });

async function save(name: string, options: Record<string, unknown> = {}, user = stack.discord.users.alice): Promise<string> {
  const { discord } = stack;
  const handle = discord.command("character save", { name, reference: discord.attachment(png(name.length), "ref.png", { contentType: "image/png" }), ...options } as never, { user });
  return replyText(stack.discord, handle);
}

describe("saved characters", () => {
  it("when a member saves a character, then its images are re-hosted on fal and /imagine character: uses them, with the description", async () => {
    const { discord, fal } = stack;
    const reference = png(101);
    const mask = png(102);
    const uploadsBefore = fal.uploads.length;
    const saved = discord.command(
      "character save",
      { name: "Captain **Mira** <@123456789012345678>", reference: discord.attachment(reference, "mira.png", { contentType: "image/png" }), mask: discord.attachment(mask, "mask.png"), description: "a sky pirate with a red coat" },
      { user: discord.users.alice },
    );
    expect((await saved.callback()).data.flags & 64).toBe(64);
    expect(await replyText(stack.discord, saved)).toMatch(/Saved \*\*Captain Mira\*\*/);
    const hosted = fal.uploads.slice(uploadsBefore);
    expect(hosted.map((u) => u.bytes.equals(reference) || u.bytes.equals(mask))).toEqual([true, true]);

    const uploadsBeforeScene = fal.uploads.length;
    const scene = discord.command("imagine", { prompt: "she boards a storm-tossed airship", character: "captain mira" }, { user: discord.users.bob });
    await waitForReply(discord, scene, /posted in the channel/);
    expect(fal.uploads.length).toBe(uploadsBeforeScene); // nothing re-uploaded: the saved URLs are used
    const input = fal.submits.at(-1)!.input as { prompt: string; reference_image_urls: string[]; reference_mask_urls: string[] };
    expect(input.reference_image_urls[0]).toBe(hosted.find((u) => u.bytes.equals(reference))!.fileUrl);
    expect(input.reference_mask_urls[0]).toBe(hosted.find((u) => u.bytes.equals(mask))!.fileUrl);
    expect(input.prompt).toBe("Captain Mira: a sky pirate with a red coat. she boards a storm-tossed airship");
  });

  it("when a name is taken in any letter case, then saving is refused and nothing is uploaded", async () => {
    const uploadsBefore = stack.fal.uploads.length;
    expect(await save("CAPTAIN MIRA")).toMatch(/already a character called \*\*CAPTAIN MIRA\*\*/);
    expect(stack.fal.uploads.length).toBe(uploadsBefore);
  });

  it("when /imagine gets both a reference and a character, or neither, then the user is told to pick exactly one", async () => {
    const { discord, fal } = stack;
    const before = fal.requests.length;
    const both = discord.command("imagine", { prompt: "x", character: "Captain Mira", reference: discord.attachment(png(5), "r.png") }, { user: discord.users.bob });
    expect(await replyText(stack.discord, both)).toMatch(/either a `reference` image or a saved `character`, not both/);
    const neither = discord.command("imagine", { prompt: "x" }, { user: discord.users.bob });
    expect(await replyText(stack.discord, neither)).toMatch(/or pick a saved `character`/);
    const unknown = discord.command("imagine", { prompt: "x", character: "Nobody" }, { user: discord.users.bob });
    expect(await replyText(stack.discord, unknown)).toMatch(/no saved character called `Nobody`/);
    expect(fal.requests.length).toBe(before);
  });

  it("when a name is being typed, then autocomplete offers the best matches, names starting with it first, at most 25", async () => {
    for (const name of ["Mirabel", "Admiral Vex", "Mir"]) expect(await save(name)).toMatch(/Saved/);
    for (let i = 0; i < 26; i++) await save(`Extra ${String(i).padStart(2, "0")}`);
    const handle = stack.discord.autocomplete("imagine", { prompt: "x", character: "mir" }, "character");
    const choices = (await handle.callback()).data.choices.map((c: { value: string }) => c.value);
    expect(choices).toEqual(["Mir", "Mirabel", "Admiral Vex", "Captain Mira"]); // starts with "mir", then contains it
    const all = stack.discord.autocomplete("character show", { name: "" } as never, "name");
    expect((await all.callback()).data.choices).toHaveLength(25);
  });

  it("when the list is asked for, then it is paged with thumbnails and buttons", async () => {
    const { discord } = stack;
    const handle = discord.command("character list", {}, { user: discord.users.bob });
    const callback = await handle.callback();
    expect(callback.data.content).toMatch(/page 1 of 3 \(30 in all\)/);
    expect(callback.data.embeds).toHaveLength(10);
    expect(callback.data.embeds[0].thumbnail.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/files\//);
    const next = discord.button("character:list:2", handle.original()!, { user: discord.users.bob });
    const page2 = await next.callback();
    expect(page2.type).toBe(7);
    expect(page2.data.content).toMatch(/page 2 of 3/);
  });

  it("when a character is shown, then its reference, creator, use count and recent scenes appear", async () => {
    const handle = stack.discord.command("character show", { name: "captain mira" } as never, { user: stack.discord.users.bob });
    const { data } = await handle.callback();
    const [card, ...scenes] = data.embeds;
    expect(card.title).toBe("Captain Mira");
    expect(card.fields).toEqual(expect.arrayContaining([{ name: "Created by", value: `<@${stack.discord.users.alice.id}>`, inline: true }, { name: "Used", value: "1 time", inline: true }]));
    expect(scenes).toHaveLength(1);
    expect(scenes[0].image.url).toMatch(/\/files\//);
  });

  it("when someone else renames or deletes it, then they are refused; the creator may, after confirming a delete", async () => {
    const { discord } = stack;
    const bobRename = discord.command("character rename", { name: "Mirabel", new_name: "Belle" } as never, { user: discord.users.bob });
    expect(await replyText(stack.discord, bobRename)).toMatch(/Only the member who saved this character, or someone with Manage Server/);
    const rename = discord.command("character rename", { name: "Mirabel", new_name: "Belle" } as never, { user: discord.users.alice });
    expect(await replyText(stack.discord, rename)).toMatch(/\*\*Mirabel\*\* is now \*\*Belle\*\*/);
    const bobDelete = discord.command("character delete", { name: "Belle" } as never, { user: discord.users.bob });
    expect(await replyText(stack.discord, bobDelete)).toMatch(/can delete it/);
    const ask = discord.command("character delete", { name: "Belle" } as never, { user: discord.users.alice });
    const confirm = await ask.callback();
    expect(confirm.data.content).toMatch(/Delete \*\*Belle\*\*\?/);
    const deleteId = confirm.data.components[0].components[0].custom_id as string;
    const press = discord.button(deleteId, ask.original()!, { user: discord.users.alice });
    expect((await press.callback()).data.content).toMatch(/Deleted \*\*Belle\*\*/);
    const gone = discord.command("imagine", { prompt: "x", character: "Belle" }, { user: discord.users.alice });
    expect(await replyText(stack.discord, gone)).toMatch(/no saved character called `Belle`/);
  });

  it("when a member presses Save as character on a result, then a modal asks for a name and the image becomes a character", async () => {
    const { discord, fal } = stack;
    const scene = discord.command("imagine", { prompt: "a new hero appears", character: "Captain Mira", count: 2 }, { user: discord.users.alice });
    await waitForReply(discord, scene, /posted in the channel/);
    const result = scene.followups().find((m) => m.attachments.length > 0)!;
    const [, second] = await falResultImages(fal, fal.submits.at(-1)!.requestId!);
    const saveId = (actionRows(result) as { components: { label: string; custom_id: string }[] }[]).flatMap((r) => r.components).find((b) => b.label === "Save as character")!.custom_id;
    const press = discord.button(saveId, result, { user: discord.users.bob });
    const modal = await press.callback();
    expect(modal.type).toBe(9);
    expect(modal.data.title).toBe("Save as character");
    const submitted = discord.submitModal(press, { name: "Stormborn", description: "born in the squall", image: "2" }, { user: discord.users.bob, message: result });
    expect(await replyText(stack.discord, submitted)).toMatch(/Saved image 2 as \*\*Stormborn\*\*/);
    const use = discord.command("imagine", { prompt: "the squall again", character: "stormborn" }, { user: discord.users.bob });
    await waitForReply(discord, use, /posted in the channel/);
    // The result is hosted again as the character's own file (outputs have a shorter life), with the same bytes.
    const reference = (fal.submits.at(-1)!.input as { reference_image_urls: string[] }).reference_image_urls[0]!;
    expect(reference).not.toBe(second);
    const [secondBytes, referenceBytes] = await Promise.all([second!, reference].map(async (url) => Buffer.from(await (await fetch(url)).arrayBuffer())));
    expect(referenceBytes!.equals(secondBytes!)).toBe(true);
    expect(fal.uploads.find((u) => u.fileUrl === reference)?.lifecycle?.expirationSeconds).toBe(365 * 86_400);
  });

  it("when a member saves a character in DMs, then it is theirs alone and /imagine there can use it", async () => {
    const { discord, fal } = stack;
    const aliceDm = discord.dmChannel(discord.users.alice.id);
    const bobDm = discord.dmChannel(discord.users.bob.id);
    const save = discord.command("character save", { name: "Pocket Fox", reference: discord.attachment(png(7), "fox.png", { contentType: "image/png" }) } as never, { user: discord.users.alice, channelId: aliceDm });
    expect(await replyText(stack.discord, save)).toMatch(/Saved \*\*Pocket Fox\*\*/);
    const scene = discord.command("imagine", { prompt: "the fox naps", character: "pocket fox" }, { user: discord.users.alice, channelId: aliceDm });
    await waitForReply(discord, scene, /posted in the channel/);
    expect(scene.followups().find((m) => m.attachments.length > 0)?.channelId).toBe(aliceDm);
    expect((fal.submits.at(-1)!.input as { prompt: string }).prompt).toBe("the fox naps");
    const bob = discord.command("imagine", { prompt: "x", character: "Pocket Fox" }, { user: discord.users.bob, channelId: bobDm });
    expect(await replyText(stack.discord, bob)).toMatch(/no saved character called `Pocket Fox`/);
    const inServer = discord.command("imagine", { prompt: "x", character: "Pocket Fox" }, { user: discord.users.alice });
    expect(await replyText(stack.discord, inServer)).toMatch(/no saved character called `Pocket Fox`/);
  });
});
