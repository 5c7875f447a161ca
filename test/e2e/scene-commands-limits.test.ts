import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeUser } from "../../fakes/discord/index.js";
import { makePng } from "../../fakes/fal/index.js";
import { startOfUtcMonth } from "../../src/domain/server-policy.js";
import type { ServerSettings } from "../../src/domain/server-policy.js";
import { replyText, resultMessages, waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

// Each endpoint at its own price, none equal to the character endpoint's (Quality $0.20, Turbo $0.10),
// so a job counted at the wrong endpoint's price shows.
// The price confirmation is not this file's subject (an edit of 4 at $0.30 would ask first).
const PRICES = { PRICE_UPSCALE_USD: "0.5", PRICE_EDIT_QUALITY_USD: "0.3", PRICE_REMIX_TURBO_USD: "0.07", CONFIRM_COST_ABOVE_USD: "off" };

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: PRICES });
  // Daily limits reset at 00:00 UTC: run the file at noon UTC so the day (and month) cannot change under it.
  const now = new Date(stack.clock.now());
  const noon = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 12);
  stack.advance((noon > now.getTime() ? noon : noon + 86_400_000) - now.getTime());
});
afterAll(async () => {
  await stack?.stop();
});

const image = (seed: number) => stack.discord.attachment(makePng({ width: 32, height: 24, seed, targetBytes: 1500 }), "scene.png", { contentType: "image/png" });
const reference = () => stack.discord.attachment(makePng({ width: 16, height: 16, seed: 99, targetBytes: 1500 }), "hero.png", { contentType: "image/png" });

const upscale = (user: FakeUser, seed: number) => stack.discord.command("upscale", { image: image(seed) }, { user });
const edit = (user: FakeUser, count: number) => stack.discord.command("edit", { prompt: "a lantern", image: image(count), region: "centre", reference: reference(), speed: "QUALITY", count }, { user });
const remix = (user: FakeUser, count: number) => stack.discord.command("remix", { prompt: "at dusk", image: image(count + 10), reference: reference(), speed: "TURBO", count }, { user });

const limits = (settings: ServerSettings) => stack.app.context.servers.saveSettings(stack.discord.guildId, settings);
const spentThisMonth = () => stack.app.context.servers.spendSince(stack.discord.guildId, startOfUtcMonth(new Date(stack.clock.now())), stack.config.prices);

/** The job a delivered result came from, read back from the store. */
async function jobOf(handle: ReturnType<typeof upscale>) {
  await waitForReply(stack.discord, handle, /posted in the channel/);
  const id = /· job (\S+)/.exec(resultMessages(handle)[0]!.text)?.[1];
  return stack.app.context.store.get(id ?? "");
}

describe("limits and the monthly cap count /edit, /remix and /upscale at their endpoint's price", () => {
  it("when a $1 monthly cap meets $0.50 upscales, then two pass and the third is refused saying what it would cost, with nothing sent to fal", async () => {
    const { discord, fal } = stack;
    await limits({ monthlySpendCapUsd: 1 });
    expect((await jobOf(upscale(discord.users.alice, 1)))?.costUsd).toBe(0.5);
    expect((await jobOf(upscale(discord.users.bob, 2)))?.costUsd).toBe(0.5);
    const submitsBefore = fal.submits.length;
    const refused = upscale(discord.users.carol, 3);
    expect(await replyText(discord, refused)).toMatch(/Monthly budget reached: this server has spent \$1\.00 of its \$1\.00 this month, and this request would cost \$0\.50\. It resets on 1 \w+ 00:00 UTC/);
    expect(fal.submits.length).toBe(submitsBefore);
    expect(await spentThisMonth()).toBeCloseTo(1, 9);
  });

  it("when a member has a daily image limit, then each edit or remix counts its images and an upscale counts one", async () => {
    const { discord, fal } = stack;
    await limits({ dailyImageLimit: 4 });
    const editJob = await jobOf(edit(discord.users.bob, 2)); // bob: 1 upscale + 2 = 3 images today
    expect(editJob?.settings.kind).toBe("edit");
    expect(editJob?.costUsd).toBeCloseTo(0.6, 9); // 2 × the edit endpoint's Quality price
    const submitsBefore = fal.submits.length;
    const tooMany = remix(discord.users.bob, 2);
    expect(await replyText(discord, tooMany)).toMatch(/Daily limit reached: members may make 4 images a day here; you have made 3 today and have 1 left/);
    expect(fal.submits.length).toBe(submitsBefore);
    const remixJob = await jobOf(remix(discord.users.bob, 1)); // exactly the one left
    expect(remixJob?.costUsd).toBeCloseTo(0.07, 9); // the remix endpoint's Turbo price
    expect(await replyText(discord, upscale(discord.users.bob, 4))).toMatch(/you have made 4 today\./);
  });

  it("when an edit would pass the monthly cap at the edit endpoint's price, then it is refused while a cheaper remix still fits", async () => {
    const { discord, fal } = stack;
    // Spent so far: 2 upscales ($1.00) + an edit ($0.60) + a remix ($0.07).
    expect(await spentThisMonth()).toBeCloseTo(1.67, 9);
    await limits({ monthlySpendCapUsd: 2 });
    const submitsBefore = fal.submits.length;
    expect(await replyText(discord, edit(discord.users.alice, 2))).toMatch(/spent \$1\.67 of its \$2\.00 this month, and this request would cost \$0\.60\./);
    expect(fal.submits.length).toBe(submitsBefore);
    expect((await jobOf(remix(discord.users.alice, 1)))?.costUsd).toBeCloseTo(0.07, 9);
    expect(await spentThisMonth()).toBeCloseTo(1.74, 9);
  });
});
