// 7. Peak RSS through a burst of /imagine, StoryCast's bot process against the naive bot
// (naive/naive-bot.mjs: discord.js + @fal-ai/client and nothing else), both in processes of
// their own with the same probe and the same fakes' behaviour. The issue's target: StoryCast
// no higher than the naive bot.
import { makePng } from "../../fakes/fal/index.js";
import { round } from "../stats.js";
import { startSubject, type MemoryReading } from "../subjects.js";
import { dispatchPaced, imagine, JobWatch, sleep, waitUntil, warmUp } from "../support.js";

export type BurstSubject = "bot-process" | "naive-bot";

export interface BurstOptions {
  subjects: BurstSubject[];
  interactions: number;
  /** The interactions are spread over this long. */
  dispatchSpanMs: number;
  referenceBytes: number;
  /** Each job's time at fal. */
  falRunMs: number;
  drainTimeoutMs: number;
  settleMs: number;
}

export interface BurstResult {
  subject: BurstSubject;
  settings: { interactions: number; dispatchSpanMs: number; referenceBytes: number; falRunMs: number; nodeFlags: string[] };
  rssStartMb: number;
  /** Highest RSS from the first interaction until every job was delivered. */
  rssPeakMb: number;
  heapUsedPeakMb: number;
  end: MemoryReading;
  delivered: number;
  failed: number;
  durationMs: number;
}

export async function benchBurst(subjectKind: BurstSubject, options: BurstOptions, log: (line: string) => void = () => {}): Promise<BurstResult> {
  const subject = await startSubject(subjectKind);
  try {
    const { discord, fal } = subject;
    const reference = discord.attachment(makePng({ width: 512, height: 512, seed: 12, targetBytes: options.referenceBytes }), "knight.png");
    await warmUp({ discord, fal, logs: subject.logs }, reference);
    fal.defaults = { queueMs: 0, runMs: options.falRunMs, hold: false };
    await sleep(options.settleMs);
    const start = await subject.memory(true);
    await subject.endPhase();

    log(`burst (${subjectKind}): ${options.interactions} /imagine over ${options.dispatchSpanMs} ms`);
    const watch = new JobWatch(subject.logs);
    const started = performance.now();
    // One 512×512 image each, the same work for both bots.
    await dispatchPaced(options.interactions, options.dispatchSpanMs, (index) => imagine(discord, reference, index, { size: "square", count: 1 }));
    await waitUntil(() => watch.finished >= options.interactions, options.drainTimeoutMs, `${options.interactions} jobs to finish`, 50, () => `${watch.delivered} delivered, ${watch.failed} failed`).catch(
      (error: unknown) => log(`  ${(error as Error).message} (continuing)`),
    );
    const durationMs = performance.now() - started;
    const phase = await subject.endPhase();
    await sleep(options.settleMs);
    const end = await subject.memory(true);
    return {
      subject: subjectKind,
      settings: { interactions: options.interactions, dispatchSpanMs: options.dispatchSpanMs, referenceBytes: options.referenceBytes, falRunMs: options.falRunMs, nodeFlags: subject.nodeFlags ?? [] },
      rssStartMb: round(start.rssMb),
      rssPeakMb: round(phase.rssPeakMb),
      heapUsedPeakMb: round(phase.heapUsedPeakMb),
      end: { rssMb: round(end.rssMb), heapUsedMb: round(end.heapUsedMb), externalMb: round(end.externalMb), arrayBuffersMb: round(end.arrayBuffersMb) },
      delivered: watch.delivered,
      failed: watch.failed,
      durationMs: round(durationMs, 0),
    };
  } finally {
    await subject.stop();
  }
}
