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
}

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

export type NewStory = Omit<Story, "createdAt" | "endedAt">;

export interface StoryStore {
  create(story: NewStory): Story;
  byThread(threadId: string): Story | undefined;
  setCast(storyId: string, cast: string[]): Story;
  end(storyId: string): Story;
  /** Appends a scene with the next number, atomically. */
  addScene(scene: Omit<Scene, "number" | "createdAt">): Scene;
  scenes(storyId: string): Scene[];
}
