import { describe, expect, it } from "vitest";
import { runBench } from "../bench/bench.js";
import { SMOKE } from "../bench/profiles.js";
import { checkTargets, formatTable } from "../bench/report.js";
import { postgresAdminUrl } from "./support/postgres.js";

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
    // PostgreSQL (store and scale scenarios): fresh databases on the test run's server.
    const results = await runBench(SMOKE, { postgresAdminUrl: postgresAdminUrl() });

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
      "store.0.sequential.latencyMs.create.p99",
      "store.0.concurrent.latencyMs.transition.p50",
      "store.1.sequential.latencyMs.setDelivery.p50",
      "store.1.concurrent.latencyMs.create.p99",
      "store.1.concurrent.jobsPerSecond",
      "scale.0.rates.0.latencyMs.p50",
      "scale.0.rates.0.latencyMs.p99",
      "scale.0.rates.0.processes.0.rssPeakMb",
      "scale.0.rates.0.processes.2.rssPeakMb",
      "scale.0.rates.0.processes.2.eventLoopDelayP99Ms",
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
    expect(results.store!.map((s) => s.store).sort()).toEqual(["postgres", "sqlite"]);
    for (const store of results.store!) {
      for (const run of [store.sequential, store.concurrent]) {
        // Every job's six writes were timed: one create, four transitions, one setDelivery.
        expect([run.latencyMs.create.n, run.latencyMs.transition.n, run.latencyMs.setDelivery.n]).toEqual([SMOKE.store.jobs, 4 * SMOKE.store.jobs, SMOKE.store.jobs]);
      }
      expect(store.concurrent.inFlight).toBe(SMOKE.store.concurrency);
    }
    // Three processes with one shard each, every one served its server's interactions.
    expect(results.scale!.map((s) => s.deployment)).toEqual(SMOKE.scale.deployments);
    const shardsPerProcess = { "sqlite-1": ["0"], "postgres-3": ["0", "1", "2"] };
    for (const s of results.scale!) {
      expect(s.rates[0]!.processes.map((p) => p.shards)).toEqual(shardsPerProcess[s.deployment]);
      expect(s.rates.map((r) => r.perSecond)).toEqual(SMOKE.scale.rates);
      for (const rate of s.rates) {
        expect(rate.acknowledged).toBe(rate.interactions);
        expect(rate.processes.every((p) => p.interactions > 0 && p.rssPeakMb > 0)).toBe(true);
        expect(rate.processes.reduce((sum, p) => sum + p.interactions, 0)).toBe(rate.interactions);
        // The jobs reached fal (held there), within the deployment-wide cap.
        expect(rate.falSubmits).toBe(Math.min(rate.interactions, s.settings.maxConcurrentJobs));
      }
    }

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
      ...SMOKE.scale.deployments.flatMap((d) => SMOKE.scale.rates.map((rate) => `scale-ack-p99:${d}@${rate}`)),
    ].sort());
    const table = formatTable(results);
    for (const scenario of ["1", "2", "3", "4", "5", "6", "7", "8", "9"]) expect(table).toMatch(new RegExp(`^${scenario}  `, "m"));
  }, 90_000);
});
