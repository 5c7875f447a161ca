import type { Config } from "./config.js";
import type { FalService } from "./fal/fal-service.js";
import type { JobRunner } from "./jobs/job-runner.js";
import type { FalSlots } from "./jobs/job-slots.js";
import type { Logger } from "./logger.js";
import type { CharacterStore } from "./store/character-store.js";
import type { JobStore } from "./store/job-store.js";
import type { ServerStore } from "./store/server-store.js";
import type { StoryStore } from "./store/story-store.js";
import type { Clock } from "./util/clock.js";

/** What handlers need, passed in explicitly (no globals, no container). */
export interface AppContext {
  config: Config;
  logger: Logger;
  store: JobStore;
  characters: CharacterStore;
  servers: ServerStore;
  stories: StoryStore;
  fal: FalService;
  runner: JobRunner;
  slots: FalSlots;
  clock: Clock;
  /** clock.now, for brevity. */
  now: () => number;
  newJobId: () => string;
}
