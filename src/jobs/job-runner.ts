import type { FalInput } from "../domain/fal-endpoints.js";
import { UserFacingError } from "../domain/errors.js";
import type { Job } from "../domain/job.js";
import { isFinal, requestIdOf } from "../domain/job-state.js";
import { classifyFalError } from "../fal/fal-errors.js";
import { systemClock } from "../util/clock.js";
import { createJobSteps, type Finished } from "./job-steps.js";
import { transitionIfAllowed } from "./transition-if-allowed.js";
import type { InputLoader, JobRunnerDeps } from "./job-types.js";

/**
 * Drives jobs through their states (see domain/job-state.ts): host inputs, wait for a
 * slot, submit once, follow the queue, fetch and download the result, hand it to the
 * reporter. Every state is written before the action it guards.
 */
export function createJobRunner(deps: JobRunnerDeps) {
  const { store, fal, reporter, slots } = deps;
  const { logFor, failJob, followSteps, deliver, hostWithinLimit, runHosted, track, running, stop, hosting } = createJobSteps(deps);
  const clock = deps.clock ?? systemClock;
  /** Queue places held by requests between the queue cap and their job's start. */
  let held = 0;

  const runner = {
    /** Runs a new job (row already written in state pending) from its input files (loaded once it has an upload slot) to delivery. */
    start(job: Job, load: InputLoader): Promise<void> {
      // The tracked run below only sees the hosting's outcome, never the files: the input bytes
      // exist only inside the upload slot, not while the job waits nor as long as it lives.
      const hostingInputs = hostWithinLimit(job, load);
      return track(job, async (controller) => {
        const hosted = await hostingInputs;
        if ("inputError" in hosted) {
          // Bad input found by the download (not an image, too big): nothing reached fal, nothing is charged.
          const { inputError } = hosted;
          const message = inputError instanceof UserFacingError ? inputError.message : "Your images could not be downloaded from Discord. Please attach them again.";
          await failJob(job, message, inputError instanceof UserFacingError ? undefined : inputError);
          return;
        }
        if ("error" in hosted) {
          await failJob(job, `Your images could not be uploaded to fal. ${classifyFalError(hosted.error).userMessage}`, hosted.error);
          return;
        }
        await runHosted(job, hosted.input, controller);
      });
    },

    /** Runs a job whose inputs are already on fal storage (a reroll, an upscale of a result). */
    startHosted(job: Job, input: FalInput): Promise<void> {
      return track(job, (controller) => runHosted(job, input, controller));
    },

    /**
     * Picks up a job left unfinished by a previous run, from what its row says. A job
     * that was mid-submit is never submitted again: fal may already have charged for it.
     */
    resume(job: Job): Promise<void> {
      return track(job, async (controller) => {
        const log = logFor(job, requestIdOf(job.state));
        switch (job.state.kind) {
          case "pending":
            if (job.falInput) {
              log.info("resuming a job that had not reached fal yet");
              await runHosted(job, job.falInput, controller);
            } else {
              await failJob(job, "StoryCast restarted before your images reached fal, so nothing was charged. Please run the command again.");
            }
            return;
          case "submitting":
            if (!(await transitionIfAllowed(store, job.id, { kind: "submit_unknown" }))) {
              log.info("a job found mid-submit had already ended; nothing to resume");
              return;
            }
            log.error("restart found a job mid-submit; not resubmitting");
            await reporter.fail(
              job,
              "StoryCast restarted while sending your job to fal, so it can't tell whether fal took it. It was not sent again (that could charge twice). If no images appear, please try again.",
            );
            return;
          case "queued": {
            log.info("resuming job at fal");
            slots.take();
            let finished: Finished | undefined;
            try {
              finished = await followSteps(job, controller.signal);
            } finally {
              slots.release();
            }
            if (finished) await deliver(finished.job, finished.result);
            return;
          }
          case "completed":
            log.info("delivering a job finished before the restart");
            await deliver(job, job.state.result);
            return;
          default:
            return;
        }
      });
    },

    /**
     * Cancels a job: cancels it on fal if submitted, stops following it, and ends the
     * reply. Returns false if it is too late: the job already finished (on fal too: then
     * it was paid for and is delivered as usual) or is mid-submit.
     */
    async cancel(jobId: string): Promise<boolean> {
      // A job another process is following (its server's shard runs there, or it took the job
      // over) is taken over here first: only the holder of a job's lease may end it.
      if (!store.holds(jobId)) {
        const taken = await store.takeOver(jobId, ["pending", "queued"]);
        if (!taken) return false;
        const cancelled = await runner.cancelHeld(jobId);
        // Not cancelled after all (fal had finished it): this process holds it now, so it finishes it.
        if (!cancelled) void runner.resume((await store.get(jobId)) ?? taken);
        return cancelled;
      }
      return runner.cancelHeld(jobId);
    },

    /** cancel() of a job this process holds. */
    async cancelHeld(jobId: string): Promise<boolean> {
      const job = await store.get(jobId);
      if (!job || isFinal(job.state.kind) || job.state.kind === "completed" || job.state.kind === "submitting") return false;
      const requestId = requestIdOf(job.state);
      if (requestId) {
        const outcome = await fal.cancel(requestId).catch((error: unknown) => logFor(job, requestId).warn({ err: error }, "fal cancel failed"));
        // fal finished this step first (it is paid for). The job's last step: too late, it is delivered.
        // A step before the last (a two-character scene's first): the next is not submitted yet, so it can still stop there.
        const stepsLeft = job.pipeline !== null && job.pipeline.step < job.pipeline.steps;
        if (outcome === "already_completed" && !stepsLeft) return false;
      }
      const current = await store.get(jobId);
      // The job may have moved on while fal was asked (its follower fetched the result, or it was submitted).
      if (!current || (current.state.kind !== "pending" && current.state.kind !== "queued") || requestIdOf(current.state) !== requestId) return false;
      // ...or between that read and this write: the store refuses the move, and the follower's outcome stands.
      if (!(await transitionIfAllowed(store, jobId, { kind: "cancelled", ...(requestId ? { requestId } : {}) }))) return false;
      running.get(jobId)?.abort();
      logFor(job, requestId).info("job cancelled by its requester");
      await reporter.fail(job, "Cancelled. Nothing more will be generated for this request.");
      return true;
    },

    /**
     * Stops working on a job another process took over (this one's lease ran out): its run is
     * aborted and writes nothing more; the other process finishes it.
     */
    abandon(jobId: string): void {
      running.get(jobId)?.abort();
    },

    /**
     * Stops following jobs (they stay in the store, to be resumed on the next start) and
     * waits up to `timeoutMs` for deliveries already under way to finish. Returns the ids
     * of the jobs still working when the time ran out (none after a clean stop).
     */
    async drain(timeoutMs: number): Promise<string[]> {
      stop();
      const deadline = clock.now() + timeoutMs;
      while (running.size > 0 && clock.now() < deadline) await clock.sleep(50);
      return [...running.keys()];
    },

    /**
     * Holds a place in the queue for a request that passed the queue cap but whose job row is
     * still being written (an await): without it, a burst would all see the same free places.
     * The returned function gives the place back (once); call it right after start/startHosted,
     * which count the job themselves from then on, or when the request is refused.
     */
    holdQueuePlace(): () => void {
      held += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        held -= 1;
      };
    },

    /** Jobs not yet at fal: loading/uploading their inputs or waiting for either slot, or about to (what MAX_QUEUED_JOBS caps). */
    get waiting(): number {
      return held + hosting() + slots.waiting;
    },

    /** Jobs this process is working on (waiting for a slot, at fal, or being delivered). */
    get active(): number {
      return running.size;
    },
  };
  return runner;
}

export type JobRunner = ReturnType<typeof createJobRunner>;
