import { describe, expect, it } from "vitest";
import { runBench } from "../bench/bench.js";
import { SMOKE } from "../bench/profiles.js";
import { checkTargets, formatTable } from "../bench/report.js";

/** Every number in the results, with where it sits (e.g. "ack.rates.1.latencyMs.p99"). */
function numbers(value: unknown, path: string, out: [string, number][] = []): [string, number][] {
  if (typeof value === "number") out.push([path, value]);
  else if (Array.isArray(value)) value.forEach((item, index) => numbers(item, `${path}.${index}`, out));
  else if (value && typeof value === "object") for (const [key, item] of Object.entries(value)) numbers(item, path ? `${path}.${key}` : key, out);
  return out;
}

const at = (value: unknown, path: string): unknown => path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], value);

describe("npm run bench -- --smoke", () => {
  it("when every scenario runs with tiny sizes, then each reports finite numbers and the table judges every target", async () => {
    const results = await runBench(SMOKE);

    expect(results.errors).toEqual({});
    const all = numbers(results, "");
    expect(all.filter(([, value]) => !Number.isFinite(value)).map(([path]) => path)).toEqual([]);

    // The figures the table is made of: present, and numbers.
    const required = [
      "ack.0.rates.0.latencyMs.p50",
      "ack.0.rates.1.latencyMs.p99",
      "ack.1.rates.1.latencyMs.max",
      "ack.1.rates.1.eventLoopDelayP99Ms",
      "delivery.cases.0.overheadMs.p50",
      "delivery.cases.0.overheadMs.p99",
      "delivery.cases.0.loopbackFloorMs.p50",
      "delivery.cases.0.ratioToFloorP50",
      "requests.fal.total",
      "requests.fal.statusReads",
      "requests.discord.total",
      "requests.discord.peakPerSecond",
      "requests.discord.peakWebhookPer2s",
      "memory.0.rssStartMb",
      "memory.0.rssPeakMb",
      "memory.0.rssEndMb",
      "memory.0.phases.inFlight.eventLoopDelayP99Ms",
      "memory.1.rssPeakMb",
      "memory.1.phases.drain.eventLoopDelayP99Ms",
      "burst.0.rssPeakMb",
      "burst.1.rssPeakMb",
      "startup.readyMs.p50",
      "startup.loggedInMs.p50",
    ];
    for (const path of required) expect(typeof at(results, path), path).toBe("number");

    // What was measured is plausible: acknowledged, delivered, counted.
    expect(results.ack!.map((a) => a.subject).sort()).toEqual(["bot-process", "in-process"]);
    expect(results.ack!.every((a) => a.rates.every((r) => r.acknowledged === r.interactions))).toBe(true);
    expect(results.requests!.fal.total).toBeGreaterThanOrEqual(5);
    expect(results.memory!.map((m) => m.subject).sort()).toEqual(["bot-process", "in-process"]);
    expect(results.memory!.every((m) => m.jobsDelivered === m.jobsInFlight && m.jobsInFlight === SMOKE.memory.jobs)).toBe(true);
    expect(results.burst!.map((b) => b.subject).sort()).toEqual(["bot-process", "naive-bot"]);
    expect(results.burst!.every((b) => b.delivered === SMOKE.burst.interactions)).toBe(true);
    expect(results.startup!.readyMs.p50).toBeGreaterThan(0);

    const targets = checkTargets(results);
    expect(targets.map((t) => t.id).sort()).toEqual([
      "ack-p99:bot-process",
      "ack-p99:in-process",
      "burst-rss-vs-naive",
      "discord-webhook-per-2s",
      "fal-requests-per-job",
      "peak-rss:bot-process",
      "peak-rss:in-process",
      "startup",
    ]);
    const table = formatTable(results);
    for (const scenario of ["1", "2", "3", "4", "5", "6", "7"]) expect(table).toMatch(new RegExp(`^${scenario}  `, "m"));
  }, 90_000);
});
