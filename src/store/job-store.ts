import type { IdeogramCharacterInput } from "@fal-ai/client/endpoints";
import type { DeliveryPlan, Job, JobOrigin } from "../domain/job.js";
import type { JobState } from "../domain/job-state.js";
import type { GenerationSettings } from "../domain/imagine-request.js";

export interface NewJob {
  id: string;
  origin: JobOrigin;
  settings: GenerationSettings;
  falInput?: IdeogramCharacterInput | null;
  rerollOf?: string | null;
  /** The saved character whose reference the job uses, if any. */
  characterId?: string | null;
}

/**
 * Where jobs live. Small on purpose, so a server database can replace the embedded
 * SQLite one. Every write is durable when the call returns.
 */
export interface JobStore {
  create(job: NewJob): Job;
  get(id: string): Job | undefined;
  setFalInput(id: string, input: IdeogramCharacterInput): void;
  /** Moves a job to a new state; throws if the state machine forbids the move. */
  transition(id: string, state: JobState): Job;
  /** Records how a result is split and which parts are posted (written after every part). */
  setDelivery(id: string, plan: DeliveryPlan): void;
  /** Jobs not yet in a final state, oldest first. */
  unfinished(): Job[];
  /** True when the store answers a trivial query (for health checks). */
  healthy(): boolean;
  close(): void;
}
