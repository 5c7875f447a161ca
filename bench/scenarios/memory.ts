// 5. Memory and event-loop health with many jobs in flight at fal, and after they finish.
// Measured for both subjects (see ../subjects.ts): the bot in its own process (read by a
// preloaded probe) and the bot in-process with the fakes (figures include the fakes).
import { makePng } from "../../fakes/fal/index.js";
import { round, roundSummary, summarize, type Summary } from "../stats.js";
import { startSubject, type MemoryReading, type SubjectKind } from "../subjects.js";
import { dispatchPaced, imagine, JobWatch, sleep, waitUntil, warmUp, type PhaseHealth } from "../support.js";

export type MemorySubject = SubjectKind;

export interface MemoryOptions {
  jobs: number;
  /** The interactions are spread over this long. */
  dispatchSpanMs: number;
  /** How long all jobs stay in flight (held at fal) once every one was submitted. */
  holdMs: number;
  referenceBytes: number;
  submitTimeoutMs: number;
  drainTimeoutMs: number;
  /** Pause before the start reading and after the last delivery, before the end reading. */
  settleMs: number;
}

export interface MemoryResult {
  subject: MemorySubject;
  settings: {
    jobs: number;
    dispatchSpanMs: number;
    holdMs: number;
    referenceBytes: number;
    settleMs: number;
    pollIntervalMs: number;
    progressEditIntervalMs: number;
    /** MAX_CONCURRENT_JOBS as the bot read it (absent if the bot has no such setting). */
    maxConcurrentJobs?: number;
    logLevel: string;
    gcExposed: boolean;
  };
  rssStartMb: number;
  rssPeakMb: number;
  rssEndMb: number;
  start: MemoryReading;
  /** At the end of the in-flight phase, after a forced full GC: what the jobs in flight keep alive. */
  inFlightLive: MemoryReading;
  /** (inFlightLive − start) heap used, per job in flight, kB. */
  liveHeapPerJobKb: number;
  end: MemoryReading;
  /** Interactions that got no acknowledgement within Discord's 3 s (so no job). */
  missedAcks: number;
  /** Jobs at fal together (submitted, not yet released). */
  jobsInFlight: number;
  jobsDelivered: number;
  jobsFailed: number;
  /** First interaction → every acknowledged job at fal. */
  rampMs: number;
  /** Release → every job delivered. */
  drainMs: number;
  phases: { ramp: PhaseHealth; inFlight: PhaseHealth; drain: PhaseHealth };
  ackLatencyMs: Summary;
  falRequestsPerSecondInFlight: number;
  discordRequestsPerSecondInFlight: number;
  discordRequests: number;
}

export async function benchMemory(subjectKind: MemorySubject, options: MemoryOptions, log: (line: string) => void = () => {}): Promise<MemoryResult> {
  // MAX_CONCURRENT_JOBS = jobs, so every job really sits at fal (with the default cap the rest would wait in StoryCast's own queue),
  // and MAX_QUEUED_JOBS = jobs, so none of the burst is turned away while the first ones upload.
  const subject = await startSubject(subjectKind, { MAX_CONCURRENT_JOBS: String(options.jobs), MAX_QUEUED_JOBS: String(options.jobs) });
  try {
    const { discord, fal } = subject;
    const reference = discord.attachment(makePng({ width: 512, height: 512, seed: 11, targetBytes: options.referenceBytes }), "knight.png");
    await warmUp({ discord, fal, logs: subject.logs }, reference);
    fal.defaults = { hold: true, runMs: 0 };
    const watch = new JobWatch(subject.logs);
    const submitsBefore = fal.submits.length;
    await sleep(options.settleMs);
    const start = await subject.memory(true);
    await subject.endPhase();

    log(`memory (${subjectKind}): ${options.jobs} interactions over ${options.dispatchSpanMs / 1000} s, held at fal`);
    const started = performance.now();
    const { items: handles } = await dispatchPaced(options.jobs, options.dispatchSpanMs, (index) => imagine(discord, reference, index, { size: "square" }));
    // An interaction not acknowledged within Discord's 3 s never becomes a job; the fake refuses late callbacks.
    const acks = await Promise.all(handles.map((h) => h.callback(5000).then((cb) => cb.at - h.dispatchedAt, () => undefined)));
    const acked = acks.filter((ms): ms is number => ms !== undefined);
    const ours = () => fal.submits.slice(submitsBefore).flatMap((s) => (s.requestId ? [s.requestId] : []));
    const state = () => `${ours().length} at fal, ${watch.finished} finished, ${acked.length} acknowledged, ${fal.requests.length} fal requests, ${discord.requests.length} Discord requests`;
    await waitUntil(() => ours().length + watch.failed >= acked.length, options.submitTimeoutMs, `${acked.length} jobs to reach fal`, 50, state);
    const rampMs = performance.now() - started;
    const ramp = await subject.endPhase();

    log(`memory (${subjectKind}): ${ours().length} jobs in flight at fal; holding ${options.holdMs / 1000} s`);
    const falBefore = fal.requests.length;
    const discordBefore = discord.requests.length;
    const holdStarted = performance.now();
    await sleep(options.holdMs);
    const holdSeconds = (performance.now() - holdStarted) / 1000;
    const falRequestsPerSecondInFlight = (fal.requests.length - falBefore) / holdSeconds;
    const discordRequestsPerSecondInFlight = (discord.requests.length - discordBefore) / holdSeconds;
    const inFlight = await subject.endPhase();
    // What the jobs in flight really hold: the heap after a full GC (the phase figures are over by now).
    const inFlightLive = await subject.memory(true);

    log(`memory (${subjectKind}): releasing every job`);
    const ids = ours();
    const releasedAt = performance.now();
    for (const id of ids) fal.release(id);
    await waitUntil(() => watch.finished >= ids.length, options.drainTimeoutMs, `${ids.length} jobs to be delivered`, 50, state).catch((error: unknown) =>
      log(`  ${(error as Error).message} (continuing)`),
    );
    const drainMs = performance.now() - releasedAt;
    const drain = await subject.endPhase();

    await sleep(options.settleMs);
    void watch.finished; // brings the delivered/failed counts up to date
    const end = await subject.memory(true);
    const r = (phase: PhaseHealth): PhaseHealth => ({
      durationMs: round(phase.durationMs, 0),
      eventLoopDelayP50Ms: round(phase.eventLoopDelayP50Ms),
      eventLoopDelayP99Ms: round(phase.eventLoopDelayP99Ms),
      eventLoopDelayMaxMs: round(phase.eventLoopDelayMaxMs),
      rssPeakMb: round(phase.rssPeakMb),
      heapUsedPeakMb: round(phase.heapUsedPeakMb),
    });
    const reading = (m: MemoryReading): MemoryReading => ({ rssMb: round(m.rssMb), heapUsedMb: round(m.heapUsedMb), externalMb: round(m.externalMb), arrayBuffersMb: round(m.arrayBuffersMb) });
    return {
      subject: subjectKind,
      settings: { jobs: options.jobs, dispatchSpanMs: options.dispatchSpanMs, holdMs: options.holdMs, referenceBytes: options.referenceBytes, settleMs: options.settleMs, ...subject.settings, gcExposed: start.gc },
      rssStartMb: round(start.rssMb),
      rssPeakMb: round(Math.max(await subject.peakRssMb(), ramp.rssPeakMb, inFlight.rssPeakMb, drain.rssPeakMb)),
      rssEndMb: round(end.rssMb),
      start: reading(start),
      inFlightLive: reading(inFlightLive),
      liveHeapPerJobKb: round(((inFlightLive.heapUsedMb - start.heapUsedMb) * 1024) / Math.max(1, ids.length), 1),
      end: reading(end),
      missedAcks: handles.length - acked.filter((ms) => ms <= 3000).length,
      jobsInFlight: ids.length,
      jobsDelivered: watch.delivered,
      jobsFailed: watch.failed,
      rampMs: round(rampMs, 0),
      drainMs: round(drainMs, 0),
      phases: { ramp: r(ramp), inFlight: r(inFlight), drain: r(drain) },
      ackLatencyMs: roundSummary(summarize(acked)),
      falRequestsPerSecondInFlight: round(falRequestsPerSecondInFlight, 0),
      discordRequestsPerSecondInFlight: round(discordRequestsPerSecondInFlight, 0),
      discordRequests: discord.requests.length,
    };
  } finally {
    await subject.stop();
  }
}
