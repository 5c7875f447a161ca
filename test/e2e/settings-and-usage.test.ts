import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeUser } from "../../fakes/discord/index.js";
import { makePng } from "../../fakes/fal/index.js";
import { replyText, waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
  // Daily limits reset at 00:00 UTC: run the whole file at noon UTC so the wall clock (an hour
  // before midnight, or across it) cannot change the counts or the wording of the reset time.
  const now = new Date(stack.clock.now());
  const noon = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 12);
  stack.advance((noon > now.getTime() ? noon : noon + 86_400_000) - now.getTime());
});
afterAll(async () => {
  await stack?.stop();
});

function imagine(user: FakeUser, options: Record<string, string | number | boolean> = {}) {
  const { discord } = stack;
  const reference = discord.attachment(makePng({ width: 16, height: 16, seed: 61, targetBytes: 1500 }), "hero.png", { contentType: "image/png" });
  return discord.command("imagine", { prompt: "a scene", reference, ...options }, { user });
}

describe("server settings and usage", () => {
  it("when a member without Manage Server uses /settings, then they are refused and nothing changes", async () => {
    const { discord } = stack;
    const handle = discord.command("settings limits", { max_count: 1 } as never, { user: discord.users.bob });
    expect(await replyText(stack.discord, handle)).toMatch(/Only members with the Manage Server permission/);
    expect(await stack.app.context.servers.settings(discord.guildId)).toEqual({});
  });

  it("when an admin sets defaults, then /imagine uses them where the member left options out", async () => {
    const { discord, fal } = stack;
    const set = discord.command("settings defaults", { style: "FICTION", size: "landscape_16_9", speed: "TURBO", count: 2 } as never, { user: discord.users.admin });
    expect(await replyText(stack.discord, set)).toMatch(/Default style: Fiction[\s\S]*Default size: Landscape 16:9[\s\S]*Default speed: Turbo[\s\S]*Default count: 2/);
    const handle = imagine(discord.users.alice, { speed: "QUALITY" });
    await waitForReply(discord, handle, /posted in the channel/);
    expect(fal.submits.at(-1)!.input).toMatchObject({ style: "FICTION", image_size: "landscape_16_9", rendering_speed: "QUALITY", num_images: 2 });
  });

  it("when a member passes the daily image limit, then they are told which limit and when it resets, and fal is not called", async () => {
    const { discord, fal } = stack;
    const set = discord.command("settings limits", { daily_images: 3 } as never, { user: discord.users.admin });
    expect(await replyText(stack.discord, set)).toMatch(/Images per member per day: 3/);
    // alice already made 2 images above; 2 more would make 4.
    const before = fal.requests.length;
    const refused = imagine(discord.users.alice);
    expect(await replyText(stack.discord, refused)).toMatch(/Daily limit reached: members may make 3 images a day here; you have made 2 today and have 1 left\. It resets at 00:00 UTC \(in 1[12] h \d+ min\)/);
    expect(fal.requests.length).toBe(before);
    const allowed = imagine(discord.users.alice, { count: 1 });
    await waitForReply(discord, allowed, /posted in the channel/);
  });

  it("when the server's monthly spending cap would be passed, then the member is told the spend and the reset", async () => {
    const { discord } = stack;
    await replyText(stack.discord, discord.command("settings limits", { daily_images: 0, monthly_cap_usd: 0.5 } as never, { user: discord.users.admin }));
    // So far: 2 Quality (0.40) + 1 Turbo (0.10) = $0.50 spent.
    const refused = imagine(discord.users.bob, { count: 1, speed: "TURBO" });
    expect(await replyText(stack.discord, refused)).toMatch(/Monthly budget reached: this server has spent \$0\.50 of its \$0\.50 this month, and this request would cost \$0\.10\. It resets on 1 \w+ 00:00 UTC/);
  });

  it("when a role is required or the channel is not allowed, then members are told", async () => {
    const { discord } = stack;
    await replyText(stack.discord, discord.command("settings limits", { monthly_cap_usd: 0, required_role: discord.roleIds.storyteller } as never, { user: discord.users.admin }));
    expect(await replyText(stack.discord, imagine(discord.users.bob))).toMatch(/You need the <@&\d+> role to generate images here/);
    const carol = imagine(discord.users.carol, { count: 1, speed: "TURBO" });
    await waitForReply(discord, carol, /posted in the channel/);
    await replyText(stack.discord, discord.command("settings channels", { action: "allow", channel: discord.otherChannelId } as never, { user: discord.users.admin }));
    expect(await replyText(stack.discord, imagine(discord.users.carol))).toMatch(/StoryCast isn't enabled in this channel\. It works in: <#\d+>/);
  });

  it("when members ask /usage, then they see their own use; an admin sees the server's by member and day", async () => {
    const { discord } = stack;
    const mine = await replyText(stack.discord, discord.command("usage", {}, { user: discord.users.alice }));
    expect(mine).toMatch(/Today \(UTC\): \*\*3\*\* images/);
    expect(mine).toMatch(/\*\*3\*\* images, about \$0\.50/);
    const refused = await replyText(stack.discord, discord.command("usage", { server: true }, { user: discord.users.bob }));
    expect(refused).toMatch(/Only members with the Manage Server permission can see the whole server's use/);
    const server = await replyText(stack.discord, discord.command("usage", { server: true }, { user: discord.users.admin }));
    expect(server).toMatch(/Spend: \*\*\$0\.60\*\* \(no cap set\)/);
    expect(server).toContain(`<@${discord.users.alice.id}>: 3 images, $0.50`);
    expect(server).toContain(`<@${discord.users.carol.id}>: 1 image, $0.10`);
    expect(server).toMatch(/• \d{4}-\d\d-\d\d: 4 images, \$0\.60/);
  });
  it("when several requests arrive at once, then together they cannot pass the daily limit", async () => {
    const { discord, fal } = stack;
    await replyText(discord, discord.command("settings limits", { daily_images: 1, required_role: discord.roleIds.moderator } as never, { user: discord.users.admin }));
    await replyText(discord, discord.command("settings channels", { action: "all" } as never, { user: discord.users.admin }));
    const submitsBefore = fal.submits.length;
    const burst = [0, 1, 2].map(() => imagine(discord.users.mod, { count: 1 }));
    const replies = await Promise.all(burst.map((handle) => replyText(discord, handle).then(async (text) => (/Daily limit/.test(text) ? text : (await waitForReply(discord, handle, /posted in the channel/)).text))));
    expect(replies.filter((text) => /Daily limit reached/.test(text))).toHaveLength(2);
    expect(fal.submits.length - submitsBefore).toBe(1);
  });
});
