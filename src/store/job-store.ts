import type { FalInput } from "../domain/fal-endpoints.js";
import type { DeliveryPlan, FinishedStep, Job, JobOrigin, JobPipeline } from "../domain/job.js";
import type { JobState, JobStateKind } from "../domain/job-state.js";
import type { GenerationSettings } from "../domain/imagine-request.js";
import type { ServerStore } from "./server-store.js";

export interface NewJob {
  id: string;
  origin: JobOrigin;
  settings: GenerationSettings;
  falInput?: FalInput | null;
  /** A job of several fal steps starts at step 1 (see JobPipeline). */
  pipeline?: JobPipeline | null;
  /**
   * What the job costs at the prices in force (every step), as the member was told: what usage
   * counts. Absent: priced like a first-release job (the character endpoint's price by speed).
   */
  costUsd?: number;
  rerollOf?: string | null;
  /** The saved character whose reference the job uses, if any. */
  characterId?: string | null;
  /**
   * The server whose settings apply to the job (InstallContext.serverId): null outside servers
   * (DMs, user installs), where the member's own daily limit counts it. Absent: origin.guildId.
   */
  rulesServerId?: string | null;
}

/**
 * A write to a job this process no longer holds: another process took it over (this one's lease
 * ran out, or a member cancelled it from there). The job is that process's now; stop working on it.
 */
export class LeaseLostError extends Error {
  constructor(readonly jobId: string) {
    super(`job ${jobId} is held by another process now`);
  }
}

/** A job's place in the deployment-wide line for fal (MAX_CONCURRENT_JOBS across every process). */
export type FalLinePlace = { granted: true } | { granted: false; position: number };

/** The usage reads an admission check may make, inside the transaction that writes the job. */
export type UsageReader = Pick<ServerStore, "memberImagesSince" | "spendSince" | "memberImagesOutsideServersSince" | "totalSpendSince">;

/**
 * Decides whether a new job may be written, from the usage so far; throws (a UserFacingError
 * naming the rule) to refuse. Runs inside the transaction that writes the job row, so no
 * concurrent request — in this process or another — can be counted between the check and the write.
 */
export interface AdmissionCheck {
  (usage: UsageReader): Promise<void> | void;
  /**
   * The check reads the spend of every job everywhere (the operator's global cap): creations in
   * every server and DM then take turns for it, not only those of the same server or member.
   */
  readonly readsGlobalSpend?: boolean;
}

/**
 * Where jobs live: SQLite (embedded, one process) or PostgreSQL (shared by many processes).
 * Every write is durable when its promise resolves.
 */
export interface JobStore {
  /**
   * Writes a new job in state pending. With `admit`, the check and the write are one
   * transaction that concurrent creations for the same server (or, outside servers, the same
   * member; with `admit.readsGlobalSpend`, anywhere) cannot interleave with; a
   * refusal (the check throws) writes nothing and rejects with the check's error.
   */
  create(job: NewJob, admit?: AdmissionCheck): Promise<Job>;
  get(id: string): Promise<Job | undefined>;
  /** Records the current step's fal input (and, with it, what later steps need). */
  setFalInput(id: string, input: FalInput, pipeline?: JobPipeline): Promise<void>;
  /**
   * A step fal finished, of a job with another step to go: in one write (checked like a
   * transition: the job must be queued, under `finished.requestId`, at a step before its last) records the step's result in
   * the pipeline and moves the job to the next step, pending, with that step's fal input. The
   * job keeps its place at fal. Resolves with the job as written.
   */
  advanceStep(id: string, finished: FinishedStep, nextInput: FalInput): Promise<Job>;
  /** Moves a job to a new state; rejects if the state machine forbids the move (checked and written in one transaction). */
  transition(id: string, state: JobState): Promise<Job>;
  /** Records how a result is split and which parts are posted (written after every part). */
  setDelivery(id: string, plan: DeliveryPlan): Promise<void>;
  /** Jobs not yet in a final state, oldest first. */
  unfinished(): Promise<Job[]>;
  // Leases. A job is worked on by one live process: the one holding its lease. Jobs this store
  // creates or claims are held by it; its writes to a job (setFalInput, transition, setDelivery)
  // carry the job's fencing token and reject with LeaseLostError once another process has claimed
  // it, so a process that was presumed dead cannot overwrite the work of the one that took over.

  /** This store's process identity: the owner of the leases it holds. */
  readonly owner: string;
  /**
   * Claims unfinished jobs that no live process holds (never leased, released by a clean stop, or
   * whose lease ran out), oldest first, at most `limit`. `everything`: every unfinished job not
   * held by this store, whatever its lease says (the start of the one process of a SQLite store).
   */
  claimOrphans(limit: number, options?: { everything?: boolean }): Promise<Job[]>;
  /** Takes the job over from whichever process holds it, if its state is one of `kinds` (to cancel it from here). */
  takeOver(id: string, kinds: readonly JobStateKind[]): Promise<Job | undefined>;
  /** True when this store holds the job's lease. */
  holds(id: string): boolean;
  /** Extends every lease this store holds; resolves with the ids of jobs another process has taken over since. */
  renewLeases(): Promise<string[]>;
  /** Gives up every lease (a clean stop), so another process, or the next start, takes the jobs over at once. */
  releaseLeases(): Promise<void>;

  // The fal line: MAX_CONCURRENT_JOBS counts jobs at fal across every process on the database.

  /**
   * Gives the job a place at fal when fewer than `cap` jobs hold one (granted, submitting or
   * queued) across the deployment and no job of a live process has waited longer; otherwise
   * records that it waits and says its place in line (1 = next).
   */
  enterFal(id: string, cap: number): Promise<FalLinePlace>;
  /** The job stopped waiting without a place (cancelled, or this process is stopping). */
  leaveFalLine(id: string): Promise<void>;

  /** True when the store answers a trivial query (for health checks). */
  healthy(): Promise<boolean>;
  /** Closes the database (all stores opened with it). */
  close(): Promise<void>;
}
