import type { ImageSize, Speed, Style } from "../domain/fal-enums.js";

/** A story session: a thread, its cast of saved characters, and the defaults its scenes use. */
export interface Story {
  id: string;
  guildId: string;
  channelId: string;
  threadId: string;
  title: string;
  creatorId: string;
  createdAt: number;
  endedAt: number | undefined;
  cast: string[]; // character ids, in the order they joined
  defaults: { style?: Style; size?: ImageSize; speed?: Speed };
  storybook: StorybookState;
}

/** The interaction that asked for the storybook: where to post it, and who to tell. Kept so a restart can finish the job. */
export interface StorybookRequest {
  userId: string;
  applicationId: string;
  interactionToken: string;
  interactionAt: number;
  attachmentSizeLimit: number;
}

/**
 * The storybook's life, on the story row so it survives restarts: none → building → posted | failed;
 * a failed one (or an old ended story that never got one) may be built again.
 */
export type StorybookState =
  | { kind: "none" }
  | { kind: "building"; request: StorybookRequest }
  | { kind: "posted"; messageId: string }
  | { kind: "failed"; reason: string };

/** One scene of a story, numbered when it is asked for so the order is the order of the telling. */
export interface Scene {
  storyId: string;
  number: number;
  jobId: string;
  authorId: string;
  authorName: string;
  prompt: string;
  characterName: string;
  createdAt: number;
}

/** The story ended (/story end) before the scene could be numbered: nothing was written. */
export class StoryEndedError extends Error {
  constructor(readonly storyId: string) {
    super(`story ${storyId} has ended`);
  }
}

export type NewStory = Omit<Story, "createdAt" | "endedAt" | "storybook">;

export interface StoryStore {
  create(story: NewStory): Promise<Story>;
  byId(storyId: string): Promise<Story | undefined>;
  byThread(threadId: string): Promise<Story | undefined>;
  /**
   * Reads the cast, applies `change` and writes the result, atomically: a cast change by another
   * process waits for this one and then sees what it wrote, so no member's add or remove is lost.
   * `change` runs inside the transaction (keep it quick, no I/O); if it throws, nothing is written
   * and the error comes out as thrown. Resolves with the updated story.
   */
  updateCast(storyId: string, change: (cast: string[]) => string[]): Promise<Story>;
  end(storyId: string): Promise<Story>;
  /**
   * Ends the story (no more scenes) and claims its storybook for building, atomically, with this
   * process as the build's owner (leased like a job: see claimStorybooks). Returns undefined when
   * a storybook is already being built or was posted.
   */
  beginStorybook(storyId: string, request: StorybookRequest): Promise<Story | undefined>;
  /** Records how a building storybook ended (and ends its lease); only by the process holding it (else the row is left as it is). */
  settleStorybook(storyId: string, outcome: Extract<StorybookState, { kind: "posted" | "failed" }>): Promise<Story>;
  /** Stories whose storybook was being built (e.g. when the bot stopped), oldest first, whoever builds them. */
  buildingStorybooks(): Promise<Story[]>;
  /**
   * Takes over, for this process, the building storybooks no live process holds: no owner, or a
   * lease that ran out (`everything`: every one not already this process's, as on SQLite at start,
   * where no other process can be building). Oldest first; each one is claimed by one caller only.
   */
  claimStorybooks(options?: { everything?: boolean }): Promise<Story[]>;
  /** Extends the leases of the storybooks this process builds; resolves with those another process took over meanwhile. */
  renewStorybooks(): Promise<string[]>;
  /** Gives up this process's storybook leases (a clean stop), so another process resumes them at once. */
  releaseStorybooks(): Promise<void>;
  /** Whether this process still holds the build of the story's storybook (not settled, released or taken over). */
  ownsStorybook(storyId: string): Promise<boolean>;
  /** Appends a scene with the next number, atomically; rejects with StoryEndedError (writing nothing) once the story has ended. */
  addScene(scene: Omit<Scene, "number" | "createdAt">): Promise<Scene>;
  scenes(storyId: string): Promise<Scene[]>;
}
