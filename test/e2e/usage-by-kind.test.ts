import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobKind } from "../../src/domain/fal-endpoints.js";
import type { Speed } from "../../src/domain/fal-enums.js";
import { jobCost } from "../../src/domain/pricing.js";
import type { FakeUser } from "../../fakes/discord/index.js";
import { makePng } from "../../fakes/fal/index.js";
import { replyText, waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  // Each endpoint at its own price, so every sum below tells which price it counted.
  stack = await startStack({ env: { PRICE_EDIT_BALANCED_USD: "0.25", PRICE_REMIX_QUALITY_USD: "0.3", PRICE_UPSCALE_USD: "0.05" } });
  // Usage is counted per UTC day and month: run the file at noon UTC so no boundary falls inside it.
  const now = new Date(stack.clock.now());
  const noon = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 12);
  stack.advance((noon > now.getTime() ? noon : noon + 86_400_000) - now.getTime());
});
afterAll(async () => {
  await stack?.stop();
});

let jobs = 0;
/**
 * A job of a kind whose command may not exist on this branch yet, written as recordJob writes one
 * (its cost every step at the configured prices), and finished at fal: it counts like any other.
 */
async function ranJob(user: FakeUser, kind: JobKind, speed: Speed, numImages: number, outcome: "delivered" | "failed before fal" = "delivered"): Promise<void> {
  const { context } = stack.app;
  const id = `made-${kind}-${++jobs}`;
  await context.store.create({
    id,
    origin: { userId: user.id, guildId: stack.discord.guildId, channelId: stack.discord.channelId, applicationId: "app", interactionToken: `token-${id}`, interactionAt: context.now(), attachmentSizeLimit: 10 << 20, private: false },
    settings: { prompt: "p", imageSize: "square_hd", speed, numImages, kind },
    costUsd: jobCost(context.config.prices, kind, speed, numImages),
  });
  if (outcome === "failed before fal") {
    await context.store.transition(id, { kind: "failed", reason: "not an image" });
    return;
  }
  const result = { seed: 1, images: [{ url: "https://fal.media/files/x.png" }] };
  await context.store.transition(id, { kind: "submitting" });
  await context.store.transition(id, { kind: "queued", requestId: `req-${id}`, acceptedAt: context.now() });
  await context.store.transition(id, { kind: "completed", requestId: `req-${id}`, result });
  await context.store.transition(id, { kind: "delivered", requestId: `req-${id}`, result });
}

describe("/usage by kind of job", () => {
  it("when members made jobs of every kind, then /usage shows each kind's images and spend at its endpoint's price, for the server and for a member", async () => {
    const { discord } = stack;
    const reference = discord.attachment(makePng({ width: 16, height: 16, seed: 5, targetBytes: 1500 }), "hero.png", { contentType: "image/png" });
    // A real /imagine: 2 Turbo character images at $0.10.
    await waitForReply(discord, discord.command("imagine", { prompt: "a scene", reference, speed: "TURBO", count: 2 }, { user: discord.users.alice }), /posted in the channel/);
    await ranJob(discord.users.alice, "edit", "BALANCED", 1); // $0.25
    await ranJob(discord.users.alice, "duo", "BALANCED", 1); // a scene $0.15 + an edit $0.25
    await ranJob(discord.users.bob, "remix", "QUALITY", 2); // 2 × $0.30
    await ranJob(discord.users.bob, "upscale", "QUALITY", 1); // $0.05 at any speed
    await ranJob(discord.users.bob, "remix", "QUALITY", 8, "failed before fal"); // never reached fal: costs nothing

    const server = await replyText(discord, discord.command("usage", { server: true }, { user: discord.users.admin }));
    expect(server).toMatch(/Spend: \*\*\$1\.50\*\* \(no cap set\)/);
    expect(server).toContain(`<@${discord.users.alice.id}>: 4 images, $0.85`);
    expect(server).toContain(`<@${discord.users.bob.id}>: 3 images, $0.65`);
    expect(server).toMatch(/• \d{4}-\d\d-\d\d: 7 images, \$1\.50/);
    const byKind = server.slice(server.indexOf("### By kind")).split("\n").slice(1);
    expect(byKind).toEqual([
      "• /remix: 2 images, $0.60",
      "• Two characters: 1 image, $0.40",
      "• /edit: 1 image, $0.25",
      "• /imagine: 2 images, $0.20",
      "• Upscale: 1 image, $0.05",
    ]);

    const alice = await replyText(discord, discord.command("usage", {}, { user: discord.users.alice }));
    expect(alice).toMatch(/Today \(UTC\): \*\*4\*\* images/);
    expect(alice).toMatch(/\*\*4\*\* images, about \$0\.85/);
    expect(alice).toContain("• By kind: Two characters: 1 image, $0.40 · /edit: 1 image, $0.25 · /imagine: 2 images, $0.20");
    const carol = await replyText(discord, discord.command("usage", {}, { user: discord.users.carol }));
    expect(carol).not.toContain("By kind");
  });

  it("when the budgets are checked, then the monthly cap counts every kind at its price and the daily limit every kind's images", async () => {
    const { discord, fal } = stack;
    const reference = discord.attachment(makePng({ width: 16, height: 16, seed: 6, targetBytes: 1500 }), "hero.png", { contentType: "image/png" });
    const submits = fal.submits.length;
    // $1.50 spent (of which $0.20 by /imagine): a $0.10 request passes a $1.55 cap only if the other kinds were not counted.
    await replyText(discord, discord.command("settings limits", { monthly_cap_usd: 1.55 } as never, { user: discord.users.admin }));
    const overCap = discord.command("imagine", { prompt: "one more", reference, speed: "TURBO", count: 1 }, { user: discord.users.carol });
    expect(await replyText(discord, overCap)).toMatch(/Monthly budget reached: this server has spent \$1\.50 of its \$1\.55 this month, and this request would cost \$0\.10/);
    // alice made 2 /imagine images, 1 edit and 1 two-character scene today: 4 images.
    await replyText(discord, discord.command("settings limits", { monthly_cap_usd: 0, daily_images: 5 } as never, { user: discord.users.admin }));
    const overDaily = discord.command("imagine", { prompt: "two more", reference, speed: "TURBO", count: 2 }, { user: discord.users.alice });
    expect(await replyText(discord, overDaily)).toMatch(/Daily limit reached: members may make 5 images a day here; you have made 4 today and have 1 left/);
    expect(fal.submits.length).toBe(submits);
  });
});
