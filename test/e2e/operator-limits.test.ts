import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeDiscord, FakeUser } from "../../fakes/discord/index.js";
import { makePng } from "../../fakes/fal/index.js";
import { startOfUtcDay } from "../../src/domain/server-policy.js";
import { replyEdits, replyText, waitForReply } from "../support/imagine.js";
import { startStack, type Stack, type StackOptions } from "../support/stack.js";

const DAY = 86_400_000;

/** A stack whose clock is at noon UTC: the daily limits' counts and reset wording do not depend on when the test runs. */
async function stackAtNoon(options: StackOptions): Promise<Stack> {
  const stack = await startStack(options);
  const now = stack.clock.now();
  const noon = startOfUtcDay(new Date(now)) + DAY / 2;
  stack.advance((noon > now ? noon : noon + DAY) - now);
  return stack;
}

/** Moves the clock to one second past the next 00:00 UTC. */
function nextUtcDay(stack: Stack): void {
  const now = stack.clock.now();
  stack.advance(startOfUtcDay(new Date(now)) + DAY + 1000 - now);
}

function imagine(discord: FakeDiscord, user: FakeUser, where: { channelId?: string; install?: "user" } = {}, options: Record<string, string | number> = {}) {
  const reference = discord.attachment(makePng({ width: 16, height: 16, seed: 62, targetBytes: 1500 }), "hero.png", { contentType: "image/png" });
  return discord.command("imagine", { prompt: "a scene", reference, count: 1, speed: "TURBO", ...options }, { user, ...where });
}

/** What StoryCast spent since the start of today (UTC), everywhere: what the global cap counts. */
function spentToday(stack: Stack): Promise<number> {
  return stack.app.context.servers.totalSpendSince(startOfUtcDay(new Date(stack.clock.now())), stack.config.prices);
}

describe("operator limits: who may use a user install, and a member's images outside servers", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await stackAtNoon({
      // Prices are offered above $1: none of the requests below but the refused one costs that much.
      env: (discord) => ({ USER_INSTALL: "allowlist", USER_INSTALL_ALLOWLIST: discord.users.alice.id, USER_DAILY_IMAGES: "2", CONFIRM_COST_ABOVE_USD: "1" }),
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("when a member not on the allowlist uses their own install, then they are told why, without a price offer first, and nothing is written or submitted", async () => {
    const { discord, fal } = stack;
    const submits = fal.submits.length;
    // Six Quality images ($1.20) would be offered at their price first: the refusal comes before.
    const handle = imagine(discord, discord.users.bob, { install: "user" }, { count: 6, speed: "QUALITY" });
    const text = await replyText(discord, handle);
    expect(replyEdits(discord, handle).join("\n")).not.toMatch(/\$1\.20/);
    expect(text).toMatch(/isn't available to you here: outside the servers that added it, its operator lets only listed members use it, and you aren't on the list/);
    expect(text).not.toMatch(/job \w+/); // refused before any job existed
    expect(fal.submits.length).toBe(submits);
    expect(await spentToday(stack)).toBe(0);
    expect(await stack.app.context.store.unfinished()).toEqual([]);
  });

  it("when an allowlisted member uses their own install, then it runs, and counts as images outside servers", async () => {
    const { discord, fal } = stack;
    const alice = discord.users.alice;
    const handle = imagine(discord, alice, { channelId: discord.dmChannel(alice.id), install: "user" });
    await waitForReply(discord, handle, /posted in the channel/);
    expect(fal.submits).toHaveLength(1);
    expect(await stack.app.context.servers.memberImagesOutsideServersSince(alice.id, startOfUtcDay(new Date(stack.clock.now())))).toBe(1);
  });

  it("when a member passes USER_DAILY_IMAGES in DMs, then they are told the limit and when it resets, nothing is submitted, and the next UTC day it runs", async () => {
    const { discord, fal } = stack;
    const alice = discord.users.alice;
    const dm = discord.dmChannel(alice.id);
    await waitForReply(discord, imagine(discord, alice, { channelId: dm }), /posted in the channel/); // 2 of 2 today
    const submits = fal.submits.length;
    const refused = await replyText(discord, imagine(discord, alice, { channelId: dm }));
    expect(refused).toMatch(/Daily limit reached: outside the servers that added StoryCast, members may make 2 images a day; you have made 2 today\. It resets at 00:00 UTC \(in 1[12] h \d+ min\)/);
    expect(fal.submits.length).toBe(submits);

    nextUtcDay(stack);
    await waitForReply(discord, imagine(discord, alice, { channelId: dm }), /posted in the channel/);
    expect(fal.submits.length).toBe(submits + 1);
  });

  it("when a server that added StoryCast has its own daily limit, then that limit applies there and USER_DAILY_IMAGES does not", async () => {
    const { discord, fal } = stack;
    const alice = discord.users.alice;
    // Three images in the server, above USER_DAILY_IMAGES (2), after one in DMs today: the server sets no limit yet.
    await waitForReply(discord, imagine(discord, alice, {}, { count: 3 }), /posted in the channel/);
    const set = discord.command("settings limits", { daily_images: 4 } as never, { user: discord.users.admin });
    expect(await replyText(discord, set)).toMatch(/Images per member per day: 4/);
    const submits = fal.submits.length;
    const refused = await replyText(discord, imagine(discord, alice, {}, { count: 2 }));
    expect(refused).toMatch(/Daily limit reached: members may make 4 images a day here; you have made 3 today and have 1 left/);
    expect(fal.submits.length).toBe(submits);
    // /usage shows both counts apart: the server's, and the one image made in DMs since midnight.
    const mine = await replyText(discord, discord.command("usage", {}, { user: alice }));
    expect(mine).toMatch(/Today \(UTC\): \*\*3\*\* images of 4 allowed/);
    expect(mine).toMatch(/Outside servers today \(DMs, your own install\): \*\*1\*\* of 2 images allowed/);

    // An interaction in that server authorized only by her own install (as in a server that did not
    // add StoryCast): its settings do not apply there; her limit outside servers does.
    const viaOwnInstall = await replyText(discord, imagine(discord, alice, { install: "user" }, { count: 2 }));
    expect(viaOwnInstall).toMatch(/Daily limit reached: outside the servers that added StoryCast, members may make 2 images a day; you have made 1 today and have 1 left/);
    expect(fal.submits.length).toBe(submits);
  });
});

describe("operator limits: user installs off, and the global daily spending cap", () => {
  let stack: Stack;
  beforeAll(async () => {
    // $0.10 an image at Turbo: two jobs fit, a third does not.
    stack = await stackAtNoon({ env: { USER_INSTALL: "off", GLOBAL_DAILY_CAP_USD: "0.25", CONFIRM_COST_ABOVE_USD: "off" } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("when USER_INSTALL is off, then a request through a member's own install is refused, saying where StoryCast works, and nothing is submitted", async () => {
    const { discord, fal } = stack;
    const alice = discord.users.alice;
    for (const channelId of [discord.channelId, discord.dmChannel(alice.id)]) {
      const text = await replyText(discord, imagine(discord, alice, { channelId, install: "user" }));
      expect(text).toMatch(/StoryCast isn't available here: it only works in servers that added it, and in its DMs/);
    }
    expect(fal.submits).toHaveLength(0);
    expect(await spentToday(stack)).toBe(0);
  });

  it("when jobs in a server and in a DM add up to the cap, then the request that would pass it is refused with the spend and the reset, nothing is submitted, and the next UTC day it runs", async () => {
    const { discord, fal } = stack;
    const { alice, bob, carol } = discord.users;
    await waitForReply(discord, imagine(discord, alice), /posted in the channel/);
    await waitForReply(discord, imagine(discord, bob, { channelId: discord.dmChannel(bob.id) }), /posted in the channel/);
    expect(await spentToday(stack)).toBeCloseTo(0.2);

    const submits = fal.submits.length;
    for (const channelId of [discord.channelId, discord.dmChannel(carol.id)]) {
      const refused = await replyText(discord, imagine(discord, carol, { channelId }));
      expect(refused).toMatch(/StoryCast has reached today's spending limit set by its operator: \$0\.20 of \$0\.25 spent, and this request would cost \$0\.10\. It resets at 00:00 UTC \(in 1[12] h \d+ min\)/);
    }
    expect(fal.submits.length).toBe(submits);
    expect(await spentToday(stack)).toBeCloseTo(0.2);

    nextUtcDay(stack);
    await waitForReply(discord, imagine(discord, carol), /posted in the channel/);
    expect(fal.submits.length).toBe(submits + 1);
  });
});
