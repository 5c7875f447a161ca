import type { Kysely, Selectable } from "kysely";
import { StoryEndedError, type NewStory, type Scene, type Story, type StorybookState, type StoryStore } from "../story-store.js";
import { LockSpace, lockForTransaction } from "./advisory-lock.js";
import type { Database, SqlDialectName, StoriesTable } from "./schema.js";

type StoryRow = Selectable<StoriesTable>;

export interface StorybookLease {
  /** This process's identity (the same as its job store's). */
  owner: string;
  /** How long a storybook lease lasts without renewal. */
  leaseMs: number;
}

/** Story sessions and their numbered scenes over Kysely; a building storybook is leased to the process building it. */
export function createSqlStoryStore(db: Kysely<Database>, dialect: SqlDialectName, now: () => number, lease: StorybookLease): StoryStore {
  const { owner, leaseMs } = lease;
  /** The storybooks this process builds: renewal reports the ones it lost. */
  const building = new Set<string>();
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
    async updateCast(storyId, change) {
      await db.transaction().execute(async (trx) => {
        // The story row, locked on PostgreSQL: a second cast change waits here and then reads this one's cast.
        const row = await trx
          .selectFrom("stories")
          .select("cast_ids")
          .where("id", "=", storyId)
          .$if(dialect === "postgres", (query) => query.forUpdate())
          .executeTakeFirst();
        if (!row) throw new Error(`story ${storyId} not found`);
        const cast = change(JSON.parse(row.cast_ids) as string[]);
        await trx.updateTable("stories").set({ cast_ids: JSON.stringify(cast) }).where("id", "=", storyId).execute();
      });
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
          storybook_owner: owner,
          storybook_lease_until: now() + leaseMs,
        }))
        .where("id", "=", storyId)
        .where("storybook_state", "in", ["none", "failed"])
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return undefined;
      building.add(storyId);
      return mustGet(storyId);
    },
    async settleStorybook(storyId, outcome) {
      building.delete(storyId);
      await db
        .updateTable("stories")
        .set({ storybook_state: outcome.kind, storybook: JSON.stringify(outcome), storybook_owner: null, storybook_lease_until: null })
        .where("id", "=", storyId)
        .where("storybook_state", "=", "building")
        // Only the holder of the build records its outcome: a process that lost it leaves the row to the new owner.
        .where("storybook_owner", "=", owner)
        .execute();
      return mustGet(storyId);
    },
    async buildingStorybooks() {
      const rows = await db.selectFrom("stories").selectAll().where("storybook_state", "=", "building").orderBy("ended_at").orderBy("id").execute();
      return rows.map(fromRow);
    },
    async claimStorybooks(options = {}) {
      const at = now();
      const orphans = db
        .selectFrom("stories")
        .select("id")
        .where("storybook_state", "=", "building")
        .where((eb) =>
          options.everything
            ? eb.or([eb("storybook_owner", "is", null), eb("storybook_owner", "!=", owner)])
            : eb.or([eb("storybook_owner", "is", null), eb("storybook_lease_until", "is", null), eb("storybook_lease_until", "<", at)]),
        )
        // Two processes scanning at once split the orphans instead of waiting on each other's rows;
        // a row one of them claimed no longer matches when the other reads it.
        .$if(dialect === "postgres", (query) => query.forUpdate().skipLocked());
      const rows = await db
        .updateTable("stories")
        .set({ storybook_owner: owner, storybook_lease_until: at + leaseMs })
        .where("id", "in", orphans)
        .where("storybook_state", "=", "building")
        .returningAll()
        .execute();
      const claimed = rows.map(fromRow).sort((a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0) || a.id.localeCompare(b.id));
      for (const story of claimed) building.add(story.id);
      return claimed;
    },
    async renewStorybooks() {
      if (building.size === 0) return [];
      await db
        .updateTable("stories")
        .set({ storybook_lease_until: now() + leaseMs })
        .where("storybook_owner", "=", owner)
        .where("storybook_state", "=", "building")
        .execute();
      const ids = [...building];
      const rows = await db.selectFrom("stories").select(["id", "storybook_owner", "storybook_state"]).where("id", "in", ids).execute();
      const byId = new Map(rows.map((row) => [row.id, row]));
      const lost: string[] = [];
      for (const id of ids) {
        const row = byId.get(id);
        if (row?.storybook_state === "building" && row.storybook_owner !== owner) lost.push(id);
        // Settled, gone or another's: no longer this process's to renew.
        if (row?.storybook_state !== "building" || row.storybook_owner !== owner) building.delete(id);
      }
      return lost;
    },
    async releaseStorybooks() {
      building.clear();
      await db
        .updateTable("stories")
        .set({ storybook_owner: null, storybook_lease_until: null })
        .where("storybook_owner", "=", owner)
        .where("storybook_state", "=", "building")
        .execute();
    },
    async ownsStorybook(storyId) {
      const row = await db.selectFrom("stories").select("id").where("id", "=", storyId).where("storybook_state", "=", "building").where("storybook_owner", "=", owner).executeTakeFirst();
      return row !== undefined;
    },
    async addScene(scene) {
      return db.transaction().execute(async (trx) => {
        // Numbering is read-then-write: on PostgreSQL, adders of one story's scenes queue on a lock
        // (an advisory one, so it holds even for a story row not written yet); the primary key
        // (story_id, number) would turn any slip into an error, never a duplicate number.
        if (dialect === "postgres") await lockForTransaction(trx, LockSpace.storyScenes, scene.storyId);
        // Refused in the transaction that numbers the scene, not by a check before it: ending the
        // story (an UPDATE of this row) waits for this share lock, or this read waits for the end
        // to commit and then sees it. A story row not written (yet) refuses nothing.
        const story = await trx
          .selectFrom("stories")
          .select("ended_at")
          .where("id", "=", scene.storyId)
          .$if(dialect === "postgres", (query) => query.forShare())
          .executeTakeFirst();
        if (story && story.ended_at !== null) throw new StoryEndedError(scene.storyId);
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
