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

export type NewStory = Omit<Story, "createdAt" | "endedAt" | "storybook">;

export interface StoryStore {
  create(story: NewStory): Promise<Story>;
  byId(storyId: string): Promise<Story | undefined>;
  byThread(threadId: string): Promise<Story | undefined>;
  setCast(storyId: string, cast: string[]): Promise<Story>;
  end(storyId: string): Promise<Story>;
  /**
   * Ends the story (no more scenes) and claims its storybook for building, atomically. Returns
   * undefined when a storybook is already being built or was posted.
   */
  beginStorybook(storyId: string, request: StorybookRequest): Promise<Story | undefined>;
  /** Records how a building storybook ended. */
  settleStorybook(storyId: string, outcome: Extract<StorybookState, { kind: "posted" | "failed" }>): Promise<Story>;
  /** Stories whose storybook was being built (e.g. when the bot stopped), oldest first. */
  buildingStorybooks(): Promise<Story[]>;
  /** Appends a scene with the next number, atomically. */
  addScene(scene: Omit<Scene, "number" | "createdAt">): Promise<Scene>;
  scenes(storyId: string): Promise<Scene[]>;
}
