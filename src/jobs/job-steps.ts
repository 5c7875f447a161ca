import { endpointFor, type FalInput } from "../domain/fal-endpoints.js";
import { firstStepInput, type HostedInputs } from "../domain/fal-input.js";
import { acceptedAtOf, type Job, type JobPipeline } from "../domain/job.js";
import { isFinal, requestIdOf, type FalResult } from "../domain/job-state.js";
import { classifyFalError, isNetworkError, wasRefusedConnection } from "../fal/fal-errors.js";
import { SubmitOutcomeUnknownError, type FalStatus } from "../fal/fal-service.js";
import { UserFacingError } from "../domain/errors.js";
import { backoffDelay } from "../util/backoff.js";
import { systemClock } from "../util/clock.js";
import { LeaseLostError } from "../store/job-store.js";
import { createJobDelivery } from "./job-delivery.js";
import { createJobSlots } from "./job-slots.js";
import { transitionIfAllowed } from "./transition-if-allowed.js";
import type { HostedFile, InputFile, InputFiles, InputLoader, JobRunnerDeps } from "./job-types.js";
import { secondStepInput } from "./second-step.js";

/** A job fal finished, as recorded (completed), with its result. */
export interface Finished {
  job: Job;
  result: FalResult;
}

/** What following a step gives: the finished job, the job moved on to its next step (pending), or nothing (it ended otherwise). */
export type StepOutcome = Finished | { next: Job } | undefined;

/** Consecutive failures to follow a job after which it is given up (each request is itself retried by fal's client). */
const MAX_STATUS_FAILURES = 3;

/**
 * The steps a job goes through (see domain/job-state.ts), each writing its state before
 * the action it guards: host inputs, wait for a slot, submit once, follow, fetch; delivery
 * is in job-delivery.ts.
 * job-runner.ts composes them into start / reroll / resume / cancel.
 */
export function createJobSteps(deps: JobRunnerDeps) {
  const { store, fal, reporter, slots } = deps;
  const clock = deps.clock ?? systemClock;
  const now = () => clock.now();
  const running = new Map<string, AbortController>();
  const uploads = createJobSlots(deps.concurrentUploads ?? 4);
  const logFor = (job: Job, requestId?: string) =>
    deps.logger.child({ jobId: job.id, guildId: job.origin.guildId, userId: job.origin.userId, ...(requestId ? { requestId } : {}) });

  const { deliver } = createJobDelivery(deps, { logFor, retryLater });

  /**
   * Discord stayed down through every attempt: try again later (and on the next start), so
   * a paid image is never left undelivered just because nobody restarted the bot.
   */
  function retryLater(job: Job, result: FalResult, inMs: number): void {
    clock.schedule(() => {
      if (stopped) return; // the next start resumes it from the store
      // The read stays outside track(): a store that cannot answer (the bot is stopping) must
      // not turn a paid, completed job into a failed one. deliver() checks the state again.
      store
        .get(job.id)
        .then((later) => (later?.state.kind === "completed" ? track(later, () => deliver(later, result)) : undefined))
        .catch((error: unknown) => logFor(job).warn({ err: error }, "could not retry the delivery (the bot is stopping?); the next start will"));
    }, inMs);
  }

  async function hostInputs(job: Job, files: InputFiles): Promise<FalInput> {
    // A two-character scene without its second character would pay for the first step and then
    // have nothing to paint in: refused here, before anything is uploaded or submitted.
    const twoCharacters = job.settings.kind === "duo";
    if (twoCharacters !== (files.second !== undefined)) {
      throw new Error(`job ${job.id}: ${twoCharacters ? "a two-character scene was given no second character" : "a second character was given to a one-character job"}`);
    }
    const lifetime = job.origin.private ? "private-input" : "one-off-input";
    // One upload per file: the same file may fill two inputs (a Remix of a message's image, which
    // is both the image and the character's reference).
    const uploads = new Map<InputFile, Promise<string>>();
    const upload = async (file: InputFile | HostedFile | undefined) => {
      if (file === undefined) return undefined;
      if ("url" in file) return file.url;
      let hosted = uploads.get(file);
      if (!hosted) uploads.set(file, (hosted = fal.upload(file.bytes, file.contentType, file.fileName, lifetime)));
      return hosted;
    };
    const [reference, mask, styleReference, image, imageMask, secondReference, secondMask] = await Promise.all([
      upload(files.reference),
      upload(files.mask),
      upload(files.styleReference),
      upload(files.image),
      upload(files.imageMask),
      upload(files.second?.reference),
      upload(files.second?.mask),
    ]);
    const hosted: HostedInputs = {};
    if (reference) hosted.reference = reference;
    if (mask) hosted.mask = mask;
    if (styleReference) hosted.styleReference = styleReference;
    if (image) hosted.image = image;
    if (imageMask) hosted.imageMask = imageMask;
    const input = firstStepInput(job.settings, hosted);
    // A duo's second character is hosted now, with the first step's inputs: the second step needs only fal's first image then.
    const pipeline: JobPipeline | undefined =
      job.pipeline && secondReference ? { ...job.pipeline, second: { reference: secondReference, ...(secondMask ? { mask: secondMask } : {}) } } : undefined;
    await store.setFalInput(job.id, input, pipeline);
    return input;
  }

  /** Submits the job's current step once; resolves with the job as recorded at fal (queued), or undefined when it was not (or may not have been) taken. */
  async function submit(job: Job, input: FalInput): Promise<Job | undefined> {
    // Written before the submit. A cancel may have ended the job since runHosted looked: then
    // the store refuses the move and nothing is sent (and nothing charged).
    if (!(await transitionIfAllowed(store, job.id, { kind: "submitting" }))) {
      logFor(job).info("the job ended (cancelled) before its submit; not submitting");
      return undefined;
    }
    let requestId: string;
    try {
      requestId = await fal.submit(endpointFor(job.settings.kind ?? "imagine", job.pipeline?.step ?? 1), input, job.origin.private ? "private" : "public");
    } catch (error) {
      const failure = classifyFalError(error);
      // An HTTP answer or a refused connection means fal did not take the job. A timeout
      // or a dropped connection leaves it unknown; resubmitting could charge twice.
      if ((isNetworkError(error) && !wasRefusedConnection(error)) || error instanceof SubmitOutcomeUnknownError) {
        logFor(job).error({ err: error }, "submit outcome unknown; not resubmitting");
        await outcomeUnknown(job);
        return undefined;
      }
      await failJob(job, failure.userMessage, error, failure.kind === "unauthorized" ? "error" : "warn");
      return undefined;
    }
    let queued: Job;
    try {
      queued = await store.transition(job.id, { kind: "queued", requestId, acceptedAt: now() });
    } catch (error) {
      // fal took (and charges for) the job, but the store did not keep its request id (the
      // database failed): never "failed, nothing charged", never submitted again. The row
      // stays submitting until this succeeds; a restart says the same if it does not.
      logFor(job, requestId).error({ err: error }, "fal accepted the job but its request id could not be stored; not following it");
      await outcomeUnknown(job);
      return undefined;
    }
    logFor(job, requestId).info("submitted to fal");
    return queued;
  }

  /** A job left submitting whose fate at fal StoryCast cannot follow: recorded as such and the member told; never resubmitted. */
  async function outcomeUnknown(job: Job): Promise<void> {
    const unknown = await store.transition(job.id, { kind: "submit_unknown" });
    await reporter.fail(
      unknown,
      "fal did not confirm that it accepted this job, so StoryCast did not send it again (that could charge twice). " +
        "If images do not appear, try again.",
    );
  }

  /**
   * Follows a submitted job until fal finishes it, then fetches the result. Holds a slot
   * throughout. fal is always asked first, so a job fal finished while StoryCast was away
   * (or waiting) is delivered however old it is; the time limit counts fal's time only,
   * from the accepted submit, and cancels only a job still queued or running past it.
   * Updates come over fal's status stream (one request for the whole wait); when a stream
   * closes early it is confirmed with one status read and reopened.
   */
  async function follow(job: Job, requestId: string, signal: AbortSignal): Promise<StepOutcome> {
    const log = logFor(job, requestId);
    // `job` is the row as it was queued (from the submit's write, or as a restart read it).
    const acceptedAt = acceptedAtOf(job);
    let failures = 0;
    const showStatus = (status: FalStatus) => {
      failures = 0;
      const elapsedMs = now() - acceptedAt;
      void reporter.progress(job, status.kind === "queued" ? { phase: "queued", position: status.position, elapsedMs } : { phase: "generating", elapsedMs });
    };
    const deadline = acceptedAt + deps.jobTimeoutMs;
    while (!signal.aborted) {
      try {
        const status = await fal.status(requestId, signal);
        if (status.kind === "done") break;
        failures = 0;
        if (now() >= deadline) return await cancelOverdue(job, requestId);
        showStatus(status);
        if (await fal.watch(requestId, showStatus, AbortSignal.any([signal, clock.timeout(deadline - now())]))) break;
        // The stream closed before the end (its time limit, a proxy, the job deadline): ask again, then reopen.
        if (!signal.aborted && now() < deadline) await clock.sleep(deps.pollIntervalMs, signal);
      } catch (error) {
        if (signal.aborted) return undefined;
        const failure = classifyFalError(error);
        failures += 1;
        if (failure.kind !== "transient" || failures >= MAX_STATUS_FAILURES) {
          await failJob(job, failure.userMessage, error);
          return undefined;
        }
        log.warn({ err: error, failures }, "following the job failed; will retry");
        await clock.sleep(backoffDelay(failures, deps.pollIntervalMs, 30_000), signal);
      }
    }
    if (signal.aborted) return undefined;
    return fetchResult(job, requestId);
  }

  async function fetchResult(job: Job, requestId: string): Promise<StepOutcome> {
    let result: FalResult;
    try {
      result = await fal.result(requestId);
    } catch (error) {
      await failJob(job, classifyFalError(error).userMessage, error);
      return undefined;
    }
    if (job.pipeline && job.pipeline.step < job.pipeline.steps) return nextStep(job, requestId, result);
    // A cancel that fal answered before it finished may have ended the job meanwhile: then it is
    // not ours to deliver (the requester was told it was cancelled).
    const completed = await transitionIfAllowed(store, job.id, { kind: "completed", requestId, result });
    if (!completed) {
      logFor(job, requestId).info("the job ended (cancelled) while its result was fetched; not delivering it");
      return undefined;
    }
    return { job: completed, result };
  }

  /**
   * A step before the last finished: prepares the next step's input, then records both in one
   * write (the job pending again, at the next step). A crash before that write leaves the job
   * queued at this step: a restart fetches this step's result again, never submitting it twice.
   */
  async function nextStep(job: Job, requestId: string, result: FalResult): Promise<StepOutcome> {
    const log = logFor(job, requestId);
    let input: FalInput;
    try {
      input = await secondStepInput(fal, job, result);
    } catch (error) {
      // The first step was paid for: its image is linked so the member keeps what they paid for.
      const link = result.images[0]?.url;
      const why = error instanceof UserFacingError ? error.message : classifyFalError(error).userMessage;
      await failJob(
        job,
        `The scene was made, but the second character could not be painted in: ${why}${link ? `\nThe scene as it came out of the first step: ${link}` : ""}`,
        error,
      );
      return undefined;
    }
    const current = await store.get(job.id);
    if (!current || current.state.kind !== "queued" || requestIdOf(current.state) !== requestId) {
      log.info("the job ended (cancelled) while its next step was prepared; not going on");
      return undefined;
    }
    let next: Job;
    try {
      next = await store.advanceStep(job.id, { requestId, input: current.falInput ?? input, result }, input);
    } catch (error) {
      // A cancel between the read above and this write: the store refused the move, and the cancel stands.
      const latest = await store.get(job.id);
      if (!(error instanceof LeaseLostError) && latest && (latest.state.kind !== "queued" || requestIdOf(latest.state) !== requestId)) {
        log.info({ state: latest.state.kind }, "the job ended (cancelled) while its next step was recorded; not going on");
        return undefined;
      }
      throw error;
    }
    log.info({ step: next.pipeline?.step, steps: next.pipeline?.steps }, "step finished; going on to the next");
    return { next };
  }

  /**
   * With a place at fal held: follows a submitted step, then submits and follows each later step
   * (each submitted once), until the last finishes. Resolves with it, or undefined if the job ended otherwise.
   */
  async function followSteps(queued: Job, signal: AbortSignal): Promise<Finished | undefined> {
    let current = queued;
    for (;;) {
      const outcome = await follow(current, requestIdOf(current.state)!, signal);
      if (!outcome || !("next" in outcome)) return outcome;
      if (signal.aborted || !outcome.next.falInput) return undefined;
      const submitted = await submit(outcome.next, outcome.next.falInput);
      if (!submitted) return undefined;
      current = submitted;
    }
  }

  /**
   * The job is still at fal past its limit: cancel it. If fal finished it in the meantime
   * (the cancel came too late), the member paid for it, so it is delivered after all.
   */
  async function cancelOverdue(job: Job, requestId: string): Promise<StepOutcome> {
    const log = logFor(job, requestId);
    const outcome = await fal.cancel(requestId).catch((error: unknown) => log.warn({ err: error }, "cancel after timeout failed"));
    if (outcome === "already_completed") {
      log.info("the job finished while it was being cancelled; delivering it");
      return fetchResult(job, requestId);
    }
    await failJob(job, `The job took longer than ${describeDuration(deps.jobTimeoutMs)} at fal, so it was cancelled there. Please try again.`);
    return undefined;
  }

  async function failJob(job: Job, message: string, error?: unknown, level: "warn" | "error" = "warn"): Promise<void> {
    const current = (await store.get(job.id)) ?? job;
    if (isFinal(current.state.kind)) return;
    const requestId = requestIdOf(current.state);
    // Another writer (a cancel) may end the job between the read and this write: its ending stands.
    if (!(await transitionIfAllowed(store, job.id, { kind: "failed", reason: message, ...(requestId ? { requestId } : {}) }))) {
      logFor(job, requestId).info(`the job had already ended; not marking it failed (${message})`);
      return;
    }
    logFor(job, requestId)[level]({ err: error }, `job failed: ${message}`);
    await reporter.fail(current, message);
  }

  /**
   * Loads and hosts a job's inputs, a few jobs at a time, so a burst of requests neither
   * downloads nor uploads everything at once: the bytes exist only inside the slot.
   */
  async function hostWithinLimit(
    job: Job,
    load: InputLoader,
  ): Promise<{ input: FalInput } | { error: unknown } | { inputError: unknown }> {
    // A job waiting for an upload slot is shown its place (with the Cancel button), like one waiting for fal.
    await uploads.acquire(job.id, new AbortController().signal, (position) => void reporter.progress(job, { phase: "waiting", position }));
    try {
      let files: InputFiles;
      try {
        files = await load();
      } catch (inputError) {
        return { inputError };
      }
      // Shown once the inputs passed their checks, so a bad image's message is the first thing the member sees.
      void reporter.progress(job, { phase: "uploading" });
      return await hostInputs(job, files).then((input) => ({ input }), (error: unknown) => ({ error }));
    } finally {
      uploads.release();
    }
  }

  /** Waits for a slot, submits, follows and delivers; the slot is freed as soon as fal is done. */
  async function runHosted(job: Job, input: FalInput, controller: AbortController): Promise<void> {
    const granted = await slots.acquire(job.id, controller.signal, (position) => void reporter.progress(job, { phase: "waiting", position }));
    if (!granted) return;
    let finished: Finished | undefined;
    try {
      // A job no longer pending (cancelled meanwhile) is refused by the submit's own write.
      if (controller.signal.aborted) return;
      const queued = await submit(job, input);
      // The place at fal is kept from one step to the next: a duo is one job at fal throughout.
      if (queued) finished = await followSteps(queued, controller.signal);
    } finally {
      slots.release();
    }
    if (finished) await deliver(finished.job, finished.result);
  }

  /** Set once the runner drains: nothing new starts (a scheduled redelivery waits for the next start). */
  let stopped = false;
  function stop(): void {
    stopped = true;
    for (const controller of running.values()) controller.abort();
  }

  /**
   * Runs `task` as the job's one tracked run; any unexpected error ends the job with an
   * apology. A job already being worked on is not started twice.
   */
  async function track(job: Job, task: (controller: AbortController) => Promise<void>): Promise<void> {
    if (stopped || running.has(job.id)) return;
    const controller = new AbortController();
    running.set(job.id, controller);
    try {
      await task(controller);
    } catch (error) {
      if (error instanceof LeaseLostError) {
        // Another process holds the job now (this one was presumed dead, or the job was cancelled
        // from there): it is that process's to finish; writing anything here would be refused anyway.
        logFor(job).warn("another process took this job over; leaving it to that process");
        return;
      }
      await failJob(job, "Something went wrong on StoryCast's side.", error, "error").catch((failError: unknown) =>
        logFor(job).error({ err: failError }, "could not record a failed job"),
      );
    } finally {
      running.delete(job.id);
    }
  }

  /** Jobs loading or uploading their inputs, or waiting for an upload slot to do so. */
  const hosting = () => uploads.running + uploads.waiting;

  return { logFor, failJob, followSteps, deliver, hostWithinLimit, runHosted, track, running, stop, hosting };
}

function describeDuration(ms: number): string {
  const minutes = ms / 60_000;
  return minutes >= 1 && Number.isInteger(minutes) ? `${minutes} minute${minutes === 1 ? "" : "s"}` : `${Math.round(ms / 1000)} seconds`;
}

