// 1. Acknowledgement latency: interaction dispatched on the fake gateway → its initial
//    callback (the deferred reply) received by the fake Discord. Discord's hard limit is 3 s.
//    Measured for both subjects (see ../subjects.ts).
import type { InteractionHandle } from "../../fakes/discord/index.js";
import { makePng } from "../../fakes/fal/index.js";
import { round, roundSummary, summarize, type Summary } from "../stats.js";
import { startSubject, type SubjectKind } from "../subjects.js";
import { dispatchPaced, imagine, JobWatch, sleep, waitUntil, warmUp, type PhaseHealth } from "../support.js";

export interface AckOptions {
  /** Interactions per second to measure; 1 is measured as `isolatedRounds` single interactions, each alone. */
  rates: number[];
  isolatedRounds: number;
  /** Pause between two isolated interactions. */
  isolatedGapMs: number;
  referenceBytes: number;
  /** How long each job runs at fal (they keep the bot busy while later interactions arrive). */
  falRunMs: number;
  /** Cap on waiting for a rate's jobs to finish before its bot is stopped. */
  drainTimeoutMs: number;
}

export interface AckRateResult {
  perSecond: number;
  interactions: number;
  acknowledged: number;
  /** No callback within 30 s, or a callback after Discord's 3 s. */
  missedDeadline: number;
  /** Real time over which the interactions were dispatched. */
  dispatchSpanMs: number;
  latencyMs: Summary;
  /** The bot's event loop from the first dispatch to the last callback. */
  eventLoopDelayP99Ms: number;
  /** From the first dispatch until every job of this rate was delivered (or failed). */
  drainMs: number;
  jobsFinished: number;
}

export interface AckResult {
  subject: SubjectKind;
  settings: { pollIntervalMs: number; progressEditIntervalMs: number; maxConcurrentJobs?: number; referenceBytes: number; falRunMs: number };
  rates: AckRateResult[];
}

const DISCORD_DEADLINE_MS = 3000;
/** 512×512 output: the fake fal deflates a whole raw bitmap per result image (on its thread), 4× less than Square HD. */
const SMALL_OUTPUT = { size: "square" };

export async function benchAckLatency(subjectKind: SubjectKind, options: AckOptions, log: (line: string) => void = () => {}): Promise<AckResult> {
  const referenceBytes = makePng({ width: 512, height: 512, seed: 7, targetBytes: options.referenceBytes });
  const rates: AckRateResult[] = [];
  let settings: AckResult["settings"] | undefined;
  for (const perSecond of options.rates) {
    // A fresh bot and fakes per rate, so one rate's leftover jobs do not slow the next.
    const subject = await startSubject(subjectKind);
    try {
      const { discord, fal } = subject;
      settings ??= { ...subject.settings, referenceBytes: referenceBytes.length, falRunMs: options.falRunMs };
      const attachment = discord.attachment(referenceBytes, "knight.png");
      await warmUp(subject, attachment);
      fal.defaults = { runMs: options.falRunMs };
      const watch = new JobWatch(subject.logs);
      log(`ack latency (${subjectKind}): ${perSecond === 1 ? `${options.isolatedRounds} isolated interactions` : `${perSecond} interactions within one second`}`);
      await subject.endPhase();
      const started = performance.now();
      let handles: InteractionHandle[] = [];
      let dispatchSpanMs: number;
      if (perSecond === 1) {
        for (let round = 0; round < options.isolatedRounds; round++) {
          const handle = imagine(discord, attachment, round, SMALL_OUTPUT);
          handles.push(handle);
          await handle.callback(30_000).catch(() => undefined);
          await sleep(options.isolatedGapMs);
        }
        dispatchSpanMs = performance.now() - started;
      } else {
        const paced = await dispatchPaced(perSecond, 1000, (index) => imagine(discord, attachment, index, SMALL_OUTPUT));
        handles = paced.items;
        dispatchSpanMs = paced.spanMs;
      }
      const latencies = await Promise.all(handles.map((h) => h.callback(30_000).then((cb) => cb.at - h.dispatchedAt, () => undefined)));
      const health: PhaseHealth = await subject.endPhase();
      const acked = latencies.filter((ms): ms is number => ms !== undefined);
      await waitUntil(() => watch.finished >= handles.length, options.drainTimeoutMs, `the ${handles.length} jobs of the ${perSecond}/s run to finish`).catch(
        (error: unknown) => log(`  ${(error as Error).message} (continuing)`),
      );
      rates.push({
        perSecond,
        interactions: handles.length,
        acknowledged: acked.length,
        missedDeadline: handles.length - acked.filter((ms) => ms <= DISCORD_DEADLINE_MS).length,
        dispatchSpanMs: round(dispatchSpanMs, 0),
        latencyMs: roundSummary(summarize(acked)),
        eventLoopDelayP99Ms: round(health.eventLoopDelayP99Ms),
        drainMs: round(performance.now() - started, 0),
        jobsFinished: watch.finished,
      });
    } finally {
      await subject.stop();
    }
  }
  return { subject: subjectKind, settings: settings!, rates };
}
