import { addMissingColumns, type Db } from "./database.js";
import type { NewStory, Scene, Story, StorybookState, StoryStore } from "./story-store.js";

interface StoryRow {
  id: string;
  guild_id: string;
  channel_id: string;
  thread_id: string;
  title: string;
  creator_id: string;
  created_at: number;
  ended_at: number | null;
  cast_ids: string;
  defaults: string;
  storybook_state: string;
  storybook: string | null;
}

interface SceneRow {
  story_id: string;
  number: number;
  job_id: string;
  author_id: string;
  author_name: string;
  prompt: string;
  character_name: string;
  created_at: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS stories (
  id TEXT PRIMARY KEY,
  guild_id TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  thread_id TEXT NOT NULL UNIQUE,
  title TEXT NOT NULL,
  creator_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  ended_at INTEGER,
  cast_ids TEXT NOT NULL DEFAULT '[]',
  defaults TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS scenes (
  story_id TEXT NOT NULL,
  number INTEGER NOT NULL,
  job_id TEXT NOT NULL,
  author_id TEXT NOT NULL,
  author_name TEXT NOT NULL,
  prompt TEXT NOT NULL,
  character_name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (story_id, number)
);
`;

/** Added after the first version: the storybook's state (kind in its own column, details as JSON). */
const LATER_COLUMNS = {
  storybook_state: "TEXT NOT NULL DEFAULT 'none'",
  storybook: "TEXT",
};

/** Story sessions and their numbered scenes in the shared SQLite database. */
export function createSqliteStoryStore(db: Db, now: () => number = Date.now): StoryStore {
  db.exec(SCHEMA);
  addMissingColumns(db, "stories", LATER_COLUMNS);
  const insert = db.prepare(
    `INSERT INTO stories (id, guild_id, channel_id, thread_id, title, creator_id, created_at, cast_ids, defaults)
     VALUES (@id, @guildId, @channelId, @threadId, @title, @creatorId, @createdAt, @cast, @defaults)`,
  );
  const byId = db.prepare<[string], StoryRow>("SELECT * FROM stories WHERE id = ?");
  const byThread = db.prepare<[string], StoryRow>("SELECT * FROM stories WHERE thread_id = ?");
  const setCast = db.prepare("UPDATE stories SET cast_ids = ? WHERE id = ?");
  const end = db.prepare("UPDATE stories SET ended_at = ? WHERE id = ? AND ended_at IS NULL");
  // One statement, so two members ending the story at once cannot both build it.
  const begin = db.prepare(
    `UPDATE stories SET ended_at = COALESCE(ended_at, ?), storybook_state = 'building', storybook = ?
     WHERE id = ? AND storybook_state IN ('none', 'failed')`,
  );
  const settle = db.prepare("UPDATE stories SET storybook_state = ?, storybook = ? WHERE id = ? AND storybook_state = 'building'");
  const building = db.prepare<[], StoryRow>("SELECT * FROM stories WHERE storybook_state = 'building' ORDER BY ended_at");
  const nextNumber = db.prepare<[string], { n: number | null }>("SELECT MAX(number) AS n FROM scenes WHERE story_id = ?");
  const insertScene = db.prepare(
    `INSERT INTO scenes (story_id, number, job_id, author_id, author_name, prompt, character_name, created_at)
     VALUES (@storyId, @number, @jobId, @authorId, @authorName, @prompt, @characterName, @createdAt)`,
  );
  const scenes = db.prepare<[string], SceneRow>("SELECT * FROM scenes WHERE story_id = ? ORDER BY number");

  const mustGet = (id: string) => fromRow(byId.get(id)!);
  const addScene = db.transaction((scene: Omit<Scene, "number" | "createdAt">): Scene => {
    const number = (nextNumber.get(scene.storyId)?.n ?? 0) + 1;
    const full: Scene = { ...scene, number, createdAt: now() };
    insertScene.run(full);
    return full;
  });

  return {
    async create(story: NewStory) {
      insert.run({ ...story, createdAt: now(), cast: JSON.stringify(story.cast), defaults: JSON.stringify(story.defaults) });
      return mustGet(story.id);
    },
    async byId(storyId) {
      const row = byId.get(storyId);
      return row ? fromRow(row) : undefined;
    },
    async byThread(threadId) {
      const row = byThread.get(threadId);
      return row ? fromRow(row) : undefined;
    },
    async setCast(storyId, cast) {
      setCast.run(JSON.stringify(cast), storyId);
      return mustGet(storyId);
    },
    async end(storyId) {
      end.run(now(), storyId);
      return mustGet(storyId);
    },
    async beginStorybook(storyId, request) {
      const claimed = begin.run(now(), JSON.stringify({ kind: "building", request }), storyId).changes === 1;
      return claimed ? mustGet(storyId) : undefined;
    },
    async settleStorybook(storyId, outcome) {
      settle.run(outcome.kind, JSON.stringify(outcome), storyId);
      return mustGet(storyId);
    },
    async buildingStorybooks() {
      return building.all().map(fromRow);
    },
    async addScene(scene) {
      return addScene(scene);
    },
    async scenes(storyId) {
      return scenes.all(storyId).map((row) => ({
        storyId: row.story_id,
        number: row.number,
        jobId: row.job_id,
        authorId: row.author_id,
        authorName: row.author_name,
        prompt: row.prompt,
        characterName: row.character_name,
        createdAt: row.created_at,
      }));
    },
  };
}

function fromRow(row: StoryRow): Story {
  return {
    id: row.id,
    guildId: row.guild_id,
    channelId: row.channel_id,
    threadId: row.thread_id,
    title: row.title,
    creatorId: row.creator_id,
    createdAt: row.created_at,
    endedAt: row.ended_at ?? undefined,
    cast: JSON.parse(row.cast_ids) as string[],
    defaults: JSON.parse(row.defaults) as Story["defaults"],
    storybook: row.storybook_state === "none" || !row.storybook ? { kind: "none" } : (JSON.parse(row.storybook) as StorybookState),
  };
}
