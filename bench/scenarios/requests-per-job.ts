// 3. fal requests per job and 4. Discord requests per job, for one job that waits in fal's
//    queue and then generates (30 s + 10 s in the full run), with the production intervals.
import type { RestRecord } from "../../fakes/discord/index.js";
import type { FalRequestKind } from "../../fakes/fal/index.js";
import { makePng } from "../../fakes/fal/index.js";
import { startStack } from "../../test/support/stack.js";
import { peakInWindow, round } from "../stats.js";
import { imagine, JobWatch, PRODUCTION_INTERVALS, waitUntil } from "../support.js";

export interface RequestsOptions {
  queueMs: number;
  runMs: number;
}

export interface RequestsResult {
  settings: { queueMs: number; runMs: number; pollIntervalMs: number; progressEditIntervalMs: number };
  /** Dispatch → the job's last Discord request. */
  jobDurationMs: number;
  fal: {
    total: number;
    byKind: Partial<Record<FalRequestKind, number>>;
    /** Everything but status reads: what a job costs whatever its duration. */
    fixed: number;
    statusReads: number;
    /** Status reads per minute the job spent at fal. */
    statusReadsPerMinute: number;
  };
  discord: {
    total: number;
    callback: number;
    progressEdits: number;
    resultMessages: number;
    /** Edits of the reply after the result was posted (the "done" line). */
    finalEdits: number;
    /** Requests that did not use the interaction's token (channel messages, DMs). */
    other: number;
    peakPerSecond: number;
    /** Most requests through the interaction's webhook in any 2 s (Discord: about 5 per 2 s per token). */
    peakWebhookPer2s: number;
    progressEditIntervalP50Ms: number;
  };
}

export async function benchRequestsPerJob(options: RequestsOptions, log: (line: string) => void = () => {}): Promise<RequestsResult> {
  const stack = await startStack({ env: { ...PRODUCTION_INTERVALS } });
  try {
    const { discord, fal } = stack;
    const watch = new JobWatch(stack.logs);
    const reference = discord.attachment(makePng({ width: 256, height: 256, seed: 5, targetBytes: 50_000 }), "knight.png");
    fal.script({ queueMs: options.queueMs, runMs: options.runMs });
    const falFrom = fal.requests.length;
    const discordFrom = discord.requests.length;
    log(`requests per job: one job, ${options.queueMs / 1000} s queued + ${options.runMs / 1000} s generating (poll ${stack.config.pollIntervalMs} ms, progress edits ≥ ${stack.config.progressEditIntervalMs} ms apart)`);
    const handle = imagine(discord, reference, 0);
    await waitUntil(() => watch.finished > 0, options.queueMs + options.runMs + 60_000, "the job to be delivered", 50);
    if (watch.failed > 0) throw new Error("bench: the job failed; see the bot's log (E2E_DEBUG=1)");

    const falLog = fal.requests.slice(falFrom);
    const byKind: Partial<Record<FalRequestKind, number>> = {};
    for (const r of falLog) byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
    const statusReads = (byKind.status ?? 0) + (byKind["status-stream"] ?? 0);
    const submitAt = fal.submits[fal.submits.length - 1]?.at ?? handle.dispatchedAt;

    const discordLog = discord.requests.slice(discordFrom);
    const viaToken = (r: RestRecord) => r.path.includes(handle.token);
    const webhook = discordLog.filter((r) => viaToken(r) && r.path.startsWith("/webhooks/"));
    const isResult = (r: RestRecord) => r.method === "POST" && r.path.startsWith("/webhooks/");
    const firstResult = webhook.findIndex(isResult);
    const edits = webhook.filter((r) => r.method === "PATCH");
    const progressEdits = edits.filter((r) => firstResult < 0 || webhook.indexOf(r) < firstResult);
    const gaps = progressEdits.slice(1).map((r, i) => r.at - progressEdits[i]!.at).sort((a, b) => a - b);
    const last = discordLog[discordLog.length - 1];
    return {
      settings: { queueMs: options.queueMs, runMs: options.runMs, pollIntervalMs: stack.config.pollIntervalMs, progressEditIntervalMs: stack.config.progressEditIntervalMs },
      jobDurationMs: (last?.at ?? handle.dispatchedAt) - handle.dispatchedAt,
      fal: {
        total: falLog.length,
        byKind,
        fixed: falLog.length - statusReads,
        statusReads,
        statusReadsPerMinute: round((statusReads * 60_000) / Math.max(1, (falLog[falLog.length - 1]?.at ?? submitAt) - submitAt), 1),
      },
      discord: {
        total: discordLog.length,
        callback: discordLog.filter((r) => viaToken(r) && r.path.startsWith("/interactions/")).length,
        progressEdits: progressEdits.length,
        resultMessages: webhook.filter(isResult).length,
        finalEdits: edits.length - progressEdits.length,
        other: discordLog.filter((r) => !viaToken(r)).length,
        peakPerSecond: peakInWindow(discordLog.map((r) => r.at), 1000),
        peakWebhookPer2s: peakInWindow(webhook.map((r) => r.at), 2000),
        progressEditIntervalP50Ms: gaps.length ? gaps[Math.floor((gaps.length - 1) / 2)]! : 0,
      },
    };
  } finally {
    await stack.stop();
  }
}
