import type { Kysely, Selectable } from "kysely";
import type { NewStory, Scene, Story, StorybookState, StoryStore } from "../story-store.js";
import { LockSpace, lockForTransaction } from "./advisory-lock.js";
import type { Database, SqlDialectName, StoriesTable } from "./schema.js";

type StoryRow = Selectable<StoriesTable>;

/** Story sessions and their numbered scenes over Kysely. */
export function createSqlStoryStore(db: Kysely<Database>, dialect: SqlDialectName, now: () => number): StoryStore {
  const byId = async (storyId: string) => {
    const row = await db.selectFrom("stories").selectAll().where("id", "=", storyId).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  };
  const mustGet = async (storyId: string) => {
    const story = await byId(storyId);
    if (!story) throw new Error(`story ${storyId} not found`);
    return story;
  };

  return {
    async create(story: NewStory) {
      await db
        .insertInto("stories")
        .values({
          id: story.id,
          guild_id: story.guildId,
          channel_id: story.channelId,
          thread_id: story.threadId,
          title: story.title,
          creator_id: story.creatorId,
          created_at: now(),
          ended_at: null,
          cast_ids: JSON.stringify(story.cast),
          defaults: JSON.stringify(story.defaults),
          storybook: null,
        })
        .execute();
      return mustGet(story.id);
    },
    byId,
    async byThread(threadId) {
      const row = await db.selectFrom("stories").selectAll().where("thread_id", "=", threadId).executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },
    async setCast(storyId, cast) {
      await db.updateTable("stories").set({ cast_ids: JSON.stringify(cast) }).where("id", "=", storyId).execute();
      return mustGet(storyId);
    },
    async end(storyId) {
      await db.updateTable("stories").set({ ended_at: now() }).where("id", "=", storyId).where("ended_at", "is", null).execute();
      return mustGet(storyId);
    },
    async beginStorybook(storyId, request) {
      // One conditional UPDATE: of two members (or processes) ending the story at once, exactly one
      // changes the row (PostgreSQL re-checks the WHERE after waiting for the first's row lock).
      const result = await db
        .updateTable("stories")
        .set((eb) => ({
          ended_at: eb.fn.coalesce("ended_at", eb.val(now())),
          storybook_state: "building",
          storybook: JSON.stringify({ kind: "building", request } satisfies StorybookState),
        }))
        .where("id", "=", storyId)
        .where("storybook_state", "in", ["none", "failed"])
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1 ? mustGet(storyId) : undefined;
    },
    async settleStorybook(storyId, outcome) {
      await db
        .updateTable("stories")
        .set({ storybook_state: outcome.kind, storybook: JSON.stringify(outcome) })
        .where("id", "=", storyId)
        .where("storybook_state", "=", "building")
        .execute();
      return mustGet(storyId);
    },
    async buildingStorybooks() {
      const rows = await db.selectFrom("stories").selectAll().where("storybook_state", "=", "building").orderBy("ended_at").orderBy("id").execute();
      return rows.map(fromRow);
    },
    async addScene(scene) {
      return db.transaction().execute(async (trx) => {
        // Numbering is read-then-write: on PostgreSQL, adders of one story's scenes queue on a lock
        // (an advisory one, so it holds even for a story row not written yet); the primary key
        // (story_id, number) would turn any slip into an error, never a duplicate number.
        if (dialect === "postgres") await lockForTransaction(trx, LockSpace.storyScenes, scene.storyId);
        const last = await trx
          .selectFrom("scenes")
          .select((eb) => eb.fn.max("number").as("n"))
          .where("story_id", "=", scene.storyId)
          .executeTakeFirst();
        const full: Scene = { ...scene, number: Number(last?.n ?? 0) + 1, createdAt: now() };
        await trx
          .insertInto("scenes")
          .values({
            story_id: full.storyId,
            number: full.number,
            job_id: full.jobId,
            author_id: full.authorId,
            author_name: full.authorName,
            prompt: full.prompt,
            character_name: full.characterName,
            created_at: full.createdAt,
          })
          .execute();
        return full;
      });
    },
    async scenes(storyId) {
      const rows = await db.selectFrom("scenes").selectAll().where("story_id", "=", storyId).orderBy("number").execute();
      return rows.map((row) => ({
        storyId: row.story_id,
        number: Number(row.number),
        jobId: row.job_id,
        authorId: row.author_id,
        authorName: row.author_name,
        prompt: row.prompt,
        characterName: row.character_name,
        createdAt: Number(row.created_at),
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
    createdAt: Number(row.created_at),
    endedAt: row.ended_at === null ? undefined : Number(row.ended_at),
    cast: JSON.parse(row.cast_ids) as string[],
    defaults: JSON.parse(row.defaults) as Story["defaults"],
    storybook: row.storybook_state === "none" || !row.storybook ? { kind: "none" } : (JSON.parse(row.storybook) as StorybookState),
  };
}
