import type { IdeogramCharacterInput } from "@fal-ai/client/endpoints";
import type { DeliveryPlan, Job, JobOrigin } from "../domain/job.js";
import type { JobState } from "../domain/job-state.js";
import type { GenerationSettings } from "../domain/imagine-request.js";
import type { ServerStore } from "./server-store.js";

export interface NewJob {
  id: string;
  origin: JobOrigin;
  settings: GenerationSettings;
  falInput?: IdeogramCharacterInput | null;
  rerollOf?: string | null;
  /** The saved character whose reference the job uses, if any. */
  characterId?: string | null;
}

/** The usage reads an admission check may make, inside the transaction that writes the job. */
export type UsageReader = Pick<ServerStore, "memberImagesSince" | "spendSince">;

/**
 * Decides whether a new job may be written, from the usage so far; throws (a UserFacingError
 * naming the rule) to refuse. Runs inside the transaction that writes the job row, so no
 * concurrent request — in this process or another — can be counted between the check and the write.
 */
export type AdmissionCheck = (usage: UsageReader) => Promise<void> | void;

/**
 * Where jobs live: SQLite (embedded, one process) or PostgreSQL (shared by many processes).
 * Every write is durable when its promise resolves.
 */
export interface JobStore {
  /**
   * Writes a new job in state pending. With `admit`, the check and the write are one
   * transaction that concurrent creations for the same server cannot interleave with; a
   * refusal (the check throws) writes nothing and rejects with the check's error.
   */
  create(job: NewJob, admit?: AdmissionCheck): Promise<Job>;
  get(id: string): Promise<Job | undefined>;
  setFalInput(id: string, input: IdeogramCharacterInput): Promise<void>;
  /** Moves a job to a new state; rejects if the state machine forbids the move (checked and written in one transaction). */
  transition(id: string, state: JobState): Promise<Job>;
  /** Records how a result is split and which parts are posted (written after every part). */
  setDelivery(id: string, plan: DeliveryPlan): Promise<void>;
  /** Jobs not yet in a final state, oldest first. */
  unfinished(): Promise<Job[]>;
  /** True when the store answers a trivial query (for health checks). */
  healthy(): Promise<boolean>;
  /** Closes the database (all stores opened with it). */
  close(): Promise<void>;
}
