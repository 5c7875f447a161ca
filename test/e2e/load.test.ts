import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InteractionHandle } from "../../fakes/discord/index.js";
import { makePng } from "../../fakes/fal/index.js";
import { startStack, type Stack } from "../support/stack.js";

const INTERACTIONS = 100;
const CAP = 10;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { MAX_CONCURRENT_JOBS: String(CAP), PROGRESS_EDIT_INTERVAL_MS: "500" } });
});
afterAll(async () => {
  await stack?.stop();
});

const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** Largest number of fal jobs between their submit and their result read at any moment. */
function peakConcurrency(requests: Stack["fal"]["requests"]): number {
  const events: [number, number][] = [];
  for (const r of requests) {
    if (r.kind === "submit" && r.status === 200) events.push([r.at, +1]);
    if (r.kind === "result" && r.status === 200) events.push([r.at, -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let current = 0;
  let peak = 0;
  for (const [, delta] of events) peak = Math.max(peak, (current += delta));
  return peak;
}

describe("load", () => {
  it(`when ${INTERACTIONS} /imagine interactions arrive within one second, then all are acknowledged within 3 s, all delivered, fal sees exactly ${INTERACTIONS} submits and at most ${CAP} at once`, async () => {
    const { discord, fal } = stack;
    // Each fal job takes a second, so jobs arrive faster than ten slots free up and a queue must form.
    fal.defaults = { runMs: 1000, imageBytes: 4000 };
    const reference = makePng({ width: 32, height: 32, seed: 77, targetBytes: 4000 });
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

    const handles: InteractionHandle[] = [];
    for (let i = 0; i < INTERACTIONS; i++) {
      const user = [discord.users.alice, discord.users.bob, discord.users.mod][i % 3]!;
      handles.push(discord.command("imagine", { prompt: `crowd scene ${i}`, reference: discord.attachment(reference, `ref-${i}.png`, { contentType: "image/png" }) }, { user }));
      await new Promise((resolve) => setTimeout(resolve, 1000 / INTERACTIONS));
    }
    const acks = await Promise.all(handles.map(async (h) => (await h.callback()).at - h.dispatchedAt));
    await discord.waitFor(() => handles.every((h) => /posted in the channel/.test(h.original()?.text ?? "")), 60_000, "every job delivered");
    clearInterval(sampler);

    const sorted = [...acks].sort((a, b) => a - b);
    const submits = fal.requests.filter((r) => r.kind === "submit").length;
    const figures = { interactions: INTERACTIONS, ackP50: percentile(sorted, 0.5), ackP99: percentile(sorted, 0.99), ackMax: sorted.at(-1), submits, peakAtFal: peakConcurrency(fal.requests), peakRssMb: Math.round(peakRss / 2 ** 20) };
    console.log(`load figures: ${JSON.stringify(figures)}`);

    expect(sorted.at(-1)!).toBeLessThan(3000);
    expect(submits).toBe(INTERACTIONS);
    expect(new Set(fal.submits.map((s) => (s.input as { prompt: string }).prompt)).size).toBe(INTERACTIONS);
    expect(figures.peakAtFal).toBeLessThanOrEqual(CAP);
    expect(handles.every((h) => h.followups().some((m) => m.attachments.length === 1))).toBe(true);
    // Those beyond the cap were shown their place in StoryCast's own queue.
    const toldTheirPlace = discord.requests.filter((r) => r.method === "PATCH" && /StoryCast's queue/.test(String((r.body as { content?: string })?.content)));
    expect(toldTheirPlace.length).toBeGreaterThan(0);
    expect(discord.validationFailures).toEqual([]);
  }, 90_000);
});
