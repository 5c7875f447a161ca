// Turns results into the target verdicts and the printed table.
import type { BenchResults } from "./bench.js";
import type { ScaleResult } from "./scenarios/scale-ack.js";
import type { StoreWriteResult } from "./scenarios/store-writes.js";
import type { SubjectKind } from "./subjects.js";

export interface TargetCheck {
  id: string;
  description: string;
  value: number;
  unit: string;
  target: string;
  pass: boolean;
}

export interface Row {
  scenario: string;
  measurement: string;
  value: string;
  target: string;
  result: "PASS" | "MISS" | "ERROR" | "";
}

const n = (value: number): string =>
  !Number.isFinite(value) ? String(value) : Math.abs(value) >= 10 ? Math.round(value).toLocaleString("en-US") : String(Math.round(value * 10) / 10);
const mbLabel = (bytes: number) => `${n(bytes / 1e6)} MB`;
const subjectLabel = (s: SubjectKind) => (s === "bot-process" ? "bot process" : "in-process");
const deploymentLabel = (s: ScaleResult) => (s.processes === 1 ? "1 process on SQLite" : `${s.processes} processes on PostgreSQL`);
const storeLabel = (s: StoreWriteResult) => (s.store === "sqlite" ? "SQLite file" : "PostgreSQL");
const p50p99 = (s: { p50: number; p99: number }) => `${n(s.p50)}/${n(s.p99)}`;

/**
 * The issue's targets checked against what was measured (absent when a scenario did not
 * run). Scenarios measured for both subjects get a check each: in-process is the setup the
 * issue describes, the bot's own process is what StoryCast does without the fakes beside it.
 */
export function checkTargets(r: BenchResults): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const ack of r.ack ?? []) {
    const top = ack.rates.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
    checks.push({
      id: `ack-p99:${ack.subject}`,
      description: `acknowledgement p99 at ${top.perSecond} interactions/s, ${subjectLabel(ack.subject)}${top.missedDeadline ? ` (${top.missedDeadline} missed Discord's 3 s)` : ""}`,
      value: top.latencyMs.p99,
      unit: "ms",
      target: "p99 < 150 ms at 200/s",
      pass: top.latencyMs.p99 < 150 && top.missedDeadline === 0,
    });
  }
  const fourByOne = r.delivery?.cases.find((c) => c.images === 4 && c.bytesPerImage === 1_000_000);
  if (fourByOne) {
    checks.push({ id: "delivery-p50-4x1MB", description: "delivery overhead p50, 4 × 1 MB", value: fourByOne.overheadMs.p50, unit: "ms", target: "p50 < 250 ms", pass: fourByOne.overheadMs.p50 < 250 });
  }
  if (r.requests) {
    const q = r.requests;
    checks.push({
      id: "fal-requests-per-job",
      description: `fal requests for one ${n(q.settings.queueMs / 1000)} s + ${n(q.settings.runMs / 1000)} s job`,
      value: q.fal.total,
      unit: "requests",
      target: "≤ 8",
      pass: q.fal.total <= 8,
    });
    checks.push({
      id: "discord-webhook-per-2s",
      description: "Discord requests per interaction token in any 2 s",
      value: q.discord.peakWebhookPer2s,
      unit: "requests",
      target: "≤ 5 (Discord's limit)",
      pass: q.discord.peakWebhookPer2s <= 5,
    });
  }
  for (const m of r.memory ?? []) {
    checks.push({
      id: `peak-rss:${m.subject}`,
      description: `peak RSS with ${m.jobsInFlight} jobs in flight, ${m.subject === "bot-process" ? "bot process alone" : "bot + fakes in one process"}`,
      value: m.rssPeakMb,
      unit: "MB",
      target: "< 200 MB at 1,000 jobs",
      pass: m.rssPeakMb < 200,
    });
  }
  const storycast = r.burst?.find((b) => b.subject === "bot-process");
  const naive = r.burst?.find((b) => b.subject === "naive-bot");
  if (storycast && naive) {
    checks.push({
      id: "burst-rss-vs-naive",
      description: `peak RSS through a ${storycast.settings.interactions}-interaction burst, StoryCast ÷ naive bot (${n(storycast.rssPeakMb)} / ${n(naive.rssPeakMb)} MB)`,
      value: storycast.rssPeakMb / naive.rssPeakMb,
      unit: "×",
      target: "≤ 1× the naive bot",
      pass: storycast.rssPeakMb <= naive.rssPeakMb,
    });
  }
  for (const scale of r.scale ?? []) {
    for (const rate of scale.rates) {
      checks.push({
        id: `scale-ack-p99:${scale.deployment}@${rate.perSecond}`,
        description: `acknowledgement p99 at ${rate.perSecond} interactions/s, ${deploymentLabel(scale)}${rate.missedDeadline ? ` (${rate.missedDeadline} missed Discord's 3 s)` : ""}`,
        value: rate.latencyMs.p99,
        unit: "ms",
        target: "p99 < 150 ms",
        pass: rate.latencyMs.p99 < 150 && rate.missedDeadline === 0,
      });
    }
  }
  if (r.startup) {
    checks.push({ id: "startup", description: "start-up to commands checked (slowest run)", value: r.startup.readyMs.max, unit: "ms", target: "< 3 s", pass: r.startup.readyMs.max < 3000 });
  }
  return checks;
}

export function buildRows(r: BenchResults): Row[] {
  const rows: Row[] = [];
  const checks = new Map(checkTargets(r).map((c) => [c.id, c]));
  const verdict = (id: string): Pick<Row, "target" | "result"> => {
    const c = checks.get(id);
    return c ? { target: c.target, result: c.pass ? "PASS" : "MISS" } : { target: "", result: "" };
  };
  const info = (scenario: string, measurement: string, value: string) => rows.push({ scenario, measurement, value, target: "", result: "" });
  const failed = (scenario: string, name: string, what: string) => {
    for (const [key, error] of Object.entries(r.errors)) {
      if (key !== name && !key.startsWith(`${name}:`)) continue;
      rows.push({ scenario, measurement: `${what}${key === name ? "" : ` (${key.slice(name.length + 1)})`}`, value: error.split("\n")[0]!.slice(0, 90), target: "", result: "ERROR" });
    }
  };

  for (const ack of r.ack ?? []) {
    const top = Math.max(...ack.rates.map((x) => x.perSecond));
    for (const rate of ack.rates) {
      const what = rate.perSecond === 1 ? `1 at a time (${rate.interactions} runs)` : `${rate.perSecond} within 1 s`;
      const l = rate.latencyMs;
      rows.push({
        scenario: "1",
        measurement: `ack latency, ${what}, ${subjectLabel(ack.subject)}`,
        value: `p50 ${n(l.p50)} · p99 ${n(l.p99)} · max ${n(l.max)} ms${rate.missedDeadline ? ` · ${rate.missedDeadline} over 3 s` : ""} (loop p99 ${n(rate.eventLoopDelayP99Ms)})`,
        ...(rate.perSecond === top ? verdict(`ack-p99:${ack.subject}`) : { target: "", result: "" }),
      });
    }
  }
  failed("1", "ack", "ack latency");

  if (r.delivery) {
    for (const c of r.delivery.cases) {
      rows.push({
        scenario: "2",
        measurement: `delivery ${c.images} × ${mbLabel(c.bytesPerImage)} (${c.messages} msg, ${c.samples} jobs)`,
        value: `p50 ${n(c.overheadMs.p50)} · p99 ${n(c.overheadMs.p99)} ms · ${n(c.ratioToFloorP50)}× the floor (${n(c.loopbackFloorMs.p50)} ms)`,
        ...(c.images === 4 && c.bytesPerImage === 1_000_000 ? verdict("delivery-p50-4x1MB") : { target: "", result: "" }),
      });
    }
    info("2", "  fake fal PNG synthesis p50 (taken out above)", r.delivery.cases.map((c) => `${c.images}×${n(c.bytesPerImage / 1e6)}: ${n(c.fakeImageSynthesisMs.p50)}`).join(" · ") + " ms");
  }
  failed("2", "delivery", "delivery overhead");

  if (r.requests) {
    const q = r.requests;
    const kinds = Object.entries(q.fal.byKind)
      .map(([kind, count]) => `${kind} ${count}`)
      .join(", ");
    rows.push({ scenario: "3", measurement: `fal requests, ${n(q.settings.queueMs / 1000)} s + ${n(q.settings.runMs / 1000)} s job`, value: `${q.fal.total} (${kinds})`, ...verdict("fal-requests-per-job") });
    info("3", "  per job whatever its length / status reads per min", `${q.fal.fixed} / ${n(q.fal.statusReadsPerMinute)} (poll interval ${n(q.settings.pollIntervalMs)} ms)`);
    const d = q.discord;
    info("4", `Discord requests, same job`, `${d.total} (ack ${d.callback}, progress ${d.progressEdits}, result ${d.resultMessages}, final edit ${d.finalEdits}${d.other ? `, other ${d.other}` : ""}); edits ≥ ${n(q.settings.progressEditIntervalMs)} ms apart`);
    rows.push({ scenario: "4", measurement: "  peak per second / per token in any 2 s", value: `${d.peakPerSecond} req/s / ${d.peakWebhookPer2s} per 2 s`, ...verdict("discord-webhook-per-2s") });
  }
  failed("3", "requests", "fal / Discord requests per job");

  for (const m of r.memory ?? []) {
    rows.push({
      scenario: "5",
      measurement: `RSS, ${n(m.jobsInFlight)} jobs at fal, ${m.subject === "bot-process" ? "bot process" : "in-process (incl. fakes)"}`,
      value: `start ${n(m.rssStartMb)} · peak ${n(m.rssPeakMb)} · end ${n(m.rssEndMb)} MB`,
      ...verdict(`peak-rss:${m.subject}`),
    });
    const maxDelay = Math.max(m.phases.ramp.eventLoopDelayMaxMs, m.phases.inFlight.eventLoopDelayMaxMs, m.phases.drain.eventLoopDelayMaxMs);
    info("5", "  event-loop delay p99: ramp / in flight / drain", `${n(m.phases.ramp.eventLoopDelayP99Ms)} / ${n(m.phases.inFlight.eventLoopDelayP99Ms)} / ${n(m.phases.drain.eventLoopDelayP99Ms)} ms (max ${n(maxDelay)})`);
    info("5", "  heap used after GC: start / in flight / end", `${n(m.start.heapUsedMb)} / ${n(m.inFlightLive.heapUsedMb)} / ${n(m.end.heapUsedMb)} MB (${n(m.liveHeapPerJobKb)} kB per job in flight)`);
    info(
      "5",
      "  ramp · drain · acks during the ramp",
      `${n(m.rampMs / 1000)} s · ${n(m.drainMs / 1000)} s (${m.jobsDelivered} delivered${m.jobsFailed ? `, ${m.jobsFailed} failed` : ""}) · p99 ${n(m.ackLatencyMs.p99)} ms${m.missedAcks ? `, ${m.missedAcks} over 3 s` : ""}`,
    );
  }
  failed("5", "memory", "memory and event loop");

  for (const b of r.burst ?? []) {
    rows.push({
      scenario: "7",
      measurement: `RSS, ${b.settings.interactions} /imagine in ${n(b.settings.dispatchSpanMs / 1000)} s, ${b.subject === "naive-bot" ? "naive discord.js + fal bot" : "StoryCast bot process"}`,
      value: `start ${n(b.rssStartMb)} · peak ${n(b.rssPeakMb)} · end ${n(b.end.rssMb)} MB (${b.delivered} delivered${b.failed ? `, ${b.failed} failed` : ""}${b.settings.nodeFlags.length ? `; node ${b.settings.nodeFlags.join(" ")}` : ""})`,
      ...(b.subject === "bot-process" ? verdict("burst-rss-vs-naive") : { target: "", result: "" }),
    });
  }
  failed("7", "burst", "burst memory against the naive bot");

  if (r.startup) {
    const s = r.startup;
    rows.push({ scenario: "6", measurement: `start-up, ${s.runs.length} runs (the first registers)`, value: `READY p50 ${n(s.loggedInMs.p50)} ms · commands p50 ${n(s.readyMs.p50)} · max ${n(s.readyMs.max)} ms`, ...verdict("startup") });
  }
  failed("6", "startup", "start-up");

  for (const scale of r.scale ?? []) {
    for (const rate of scale.rates) {
      const l = rate.latencyMs;
      rows.push({
        scenario: "8",
        measurement: `ack latency, ${rate.perSecond}/s for ${n(scale.settings.seconds)} s, ${deploymentLabel(scale)}`,
        value: `p50 ${n(l.p50)} · p99 ${n(l.p99)} · max ${n(l.max)} ms${rate.missedDeadline ? ` · ${rate.missedDeadline} over 3 s` : ""} (loop p99 ${rate.processes.map((p) => n(p.eventLoopDelayP99Ms)).join(" / ")})`,
        ...verdict(`scale-ack-p99:${scale.deployment}@${rate.perSecond}`),
      });
      info("8", "  peak RSS per process (shards)", rate.processes.map((p) => `${n(p.rssPeakMb)} MB (${p.shards})`).join(" · "));
    }
  }
  failed("8", "scale", "ack latency across processes");

  for (const store of r.store ?? []) {
    for (const run of [store.sequential, store.concurrent]) {
      const l = run.latencyMs;
      info(
        "9",
        `job writes p50/p99, ${storeLabel(store)}, ${run.inFlight === 1 ? "one job at a time" : `${run.inFlight} jobs in flight`}`,
        `create ${p50p99(l.create)} · transition ${p50p99(l.transition)} · setDelivery ${p50p99(l.setDelivery)} ms · ${n(run.jobsPerSecond)} jobs/s`,
      );
    }
  }
  failed("9", "store", "job-write latency");
  return rows;
}

export function formatTable(r: BenchResults): string {
  const rows = buildRows(r);
  const header = { scenario: "#", measurement: "measurement", value: "value", target: "target", result: "result" };
  const all: Record<keyof Row, string>[] = [header, ...rows];
  const width = (key: keyof Row): number => Math.max(...all.map((row) => row[key].length));
  const w = { scenario: width("scenario"), measurement: width("measurement"), value: width("value"), target: width("target") };
  const line = (row: Record<keyof Row, string>) =>
    [row.scenario.padEnd(w.scenario), row.measurement.padEnd(w.measurement), row.value.padEnd(w.value), row.target.padEnd(w.target), row.result].join("  ").trimEnd();
  const m = r.machine;
  return [
    `StoryCast benchmark (${r.mode}) — ${r.startedAt} — ${r.durationS} s`,
    `machine: ${m.cpuModel}, ${m.cores} cores, ${m.totalMemoryMb} MB RAM, Node ${m.nodeVersion}, ${m.platform} ${m.osRelease} (load ${m.loadAverage1m} at start)`,
    ...(r.warnings ?? []).map((w) => `WARNING: ${w}`),
    "",
    line(header),
    "-".repeat(line(header).length + 4),
    ...rows.map(line),
  ].join("\n");
}
