import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makePng } from "../../fakes/fal/index.js";
import { waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { HEALTH_PORT: "0", MAX_CONCURRENT_JOBS: "1" } });
});
afterAll(async () => {
  await stack?.stop();
});

describe("operations", () => {
  it("when the health endpoint is asked, then it reports the gateway, the queue and the store", async () => {
    expect(stack.app.healthUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/health$/);
    const response = await fetch(stack.app.healthUrl!);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, any>;
    expect(body).toMatchObject({ ok: true, gateway: { ready: true, status: "Ready" }, store: { healthy: true }, jobs: { waitingForSlot: 0, atFal: 0 } });
    expect((await fetch(stack.app.healthUrl!.replace("/health", "/other"))).status).toBe(404);
  });

  it("when jobs exceed the concurrency cap, then the extra ones wait in StoryCast's queue, are told their place, and /status counts them", async () => {
    const { discord, fal } = stack;
    fal.script({ hold: true }, { hold: true });
    const reference = () => discord.attachment(makePng({ width: 16, height: 16, seed: 31, targetBytes: 1500 }), "hero.png", { contentType: "image/png" });
    const first = discord.command("imagine", { prompt: "first in line", reference: reference() }, { user: discord.users.alice });
    await fal.waitFor(() => fal.submits.length === 1, 5000, "first submit");
    const second = discord.command("imagine", { prompt: "second in line", reference: reference() }, { user: discord.users.bob });
    await waitForReply(discord, second, /number 1 in StoryCast's queue/);
    expect(fal.submits).toHaveLength(1); // the cap holds the second job back

    const status = discord.command("status", {}, { user: discord.users.bob });
    const reply = await waitForReply(discord, status, /StoryCast status/);
    expect(reply.ephemeral).toBe(true);
    expect(reply.text).toMatch(/Jobs running at fal: \*\*1\*\* \(at most 1 at once\)/);
    expect(reply.text).toMatch(/Jobs waiting in StoryCast's queue: \*\*1\*\*/);
    expect(reply.text).toMatch(/fal: ✅ reachable/);
    const health = (await (await fetch(stack.app.healthUrl!)).json()) as { jobs: { waitingForSlot: number; atFal: number } };
    expect(health.jobs).toMatchObject({ waitingForSlot: 1, atFal: 1 });

    fal.release(fal.submits[0]!.requestId!);
    await waitForReply(discord, first, /posted in the channel/);
    await fal.waitFor(() => fal.submits.length === 2, 5000, "second submit once a slot is free");
    fal.release(fal.submits[1]!.requestId!);
    await waitForReply(discord, second, /posted in the channel/);
  });

  it("when fal is unreachable, then /status says so", async () => {
    const { discord, fal } = stack;
    fal.failNext("status", 10, "reset");
    const status = discord.command("status", {}, { user: discord.users.alice });
    const reply = await waitForReply(discord, status, /StoryCast status/, 15_000);
    expect(reply.text).toMatch(/fal: ❌ not reachable right now/);
    fal.clearFailures();
  });

  it("when the bot is stopping, then a new command is told it is restarting, and a delivery under way still finishes", async () => {
    const { discord, fal } = stack;
    const reference = discord.attachment(makePng({ width: 16, height: 16, seed: 41, targetBytes: 1500 }), "hero.png", { contentType: "image/png" });
    const prompt = "the last scene before the restart";
    const handle = discord.command("imagine", { prompt, reference }, { user: discord.users.alice });
    // Slow the delivery down: Discord rate-limits the result post for 1.5 s.
    discord.failNext({ method: "POST", path: new RegExp(`/webhooks/\\d+/${handle.token}$`), status: 429, retryAfter: 1.5, count: 1 });
    await discord.waitFor(() => discord.requests.some((r) => r.status === 429 && r.path.includes(handle.token)), 10_000, "delivery under way");

    const stopping = stack.app.stop();
    const late = discord.command("help", {}, { user: discord.users.bob });
    const callback = await late.callback();
    expect(callback.data.flags & 64).toBe(64);
    expect(callback.data.content).toMatch(/StoryCast is restarting/);
    await stopping;
    expect(handle.followups().some((m) => m.attachments.length === 1)).toBe(true);
    // This job was submitted once (earlier tests' submits do not count).
    expect(fal.submits.filter((s) => (s.input as { prompt?: string }).prompt === prompt)).toHaveLength(1);
  });
});
