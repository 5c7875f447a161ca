import Sqlite from "better-sqlite3";
import { sql } from "kysely";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { JobOrigin } from "../../src/domain/job.js";
import { DuplicateCharacterError } from "../../src/store/character-store.js";
import { migrateToLatest } from "../../src/store/sql/migrate.js";
import { openStores } from "../../src/store/sql/open-stores.js";

/**
 * Files written by releases before migrations, with the DDL those releases ran (copied from
 * src/store/sqlite-*.ts as they were), so the test keeps proving adoption whatever becomes of them.
 */
const FIRST_RELEASE = `
CREATE TABLE jobs (
  id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, origin TEXT NOT NULL, settings TEXT NOT NULL,
  fal_input TEXT, state_kind TEXT NOT NULL, state TEXT NOT NULL, fal_request_id TEXT, reroll_of TEXT, message_ids TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX jobs_state_kind ON jobs (state_kind);
CREATE TABLE characters (
  id TEXT PRIMARY KEY, scope TEXT NOT NULL, name TEXT NOT NULL, name_key TEXT NOT NULL,
  reference_url TEXT NOT NULL, mask_url TEXT, description TEXT, creator_id TEXT NOT NULL,
  created_at INTEGER NOT NULL, times_used INTEGER NOT NULL DEFAULT 0, UNIQUE (scope, name_key)
);
CREATE TABLE stories (id TEXT PRIMARY KEY, guild_id TEXT NOT NULL, channel_id TEXT NOT NULL, thread_id TEXT NOT NULL UNIQUE, title TEXT NOT NULL,
  creator_id TEXT NOT NULL, created_at INTEGER NOT NULL, ended_at INTEGER, cast_ids TEXT NOT NULL DEFAULT '[]', defaults TEXT NOT NULL DEFAULT '{}');
CREATE TABLE scenes (
  story_id TEXT NOT NULL, number INTEGER NOT NULL, job_id TEXT NOT NULL, author_id TEXT NOT NULL, author_name TEXT NOT NULL,
  prompt TEXT NOT NULL, character_name TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (story_id, number)
);
`;

/** What the last release added over time (the LATER_COLUMNS of each old store) and its other tables. */
const LAST_RELEASE_ADDITIONS = `
ALTER TABLE jobs ADD COLUMN guild_id TEXT;
ALTER TABLE jobs ADD COLUMN user_id TEXT;
ALTER TABLE jobs ADD COLUMN num_images INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN speed TEXT;
ALTER TABLE jobs ADD COLUMN character_id TEXT;
ALTER TABLE jobs ADD COLUMN delivery TEXT;
CREATE INDEX IF NOT EXISTS jobs_usage ON jobs (guild_id, created_at);
ALTER TABLE characters ADD COLUMN reference_bytes BLOB;
ALTER TABLE characters ADD COLUMN reference_type TEXT;
ALTER TABLE characters ADD COLUMN mask_bytes BLOB;
ALTER TABLE characters ADD COLUMN mask_type TEXT;
ALTER TABLE stories ADD COLUMN storybook_state TEXT NOT NULL DEFAULT 'none';
ALTER TABLE stories ADD COLUMN storybook TEXT;
CREATE TABLE IF NOT EXISTS server_settings (guild_id TEXT PRIMARY KEY, settings TEXT NOT NULL);
`;

const origin: JobOrigin = { userId: "u1", guildId: "g1", channelId: "c", applicationId: "a", interactionToken: "tok", interactionAt: 0, attachmentSizeLimit: 1000, private: false };
const settings = { prompt: "old prompt", imageSize: "square_hd", speed: "TURBO", numImages: 2 } as const;
const delivered = { kind: "delivered", requestId: "req-old", result: { seed: 1, images: [{ url: "https://fal/r.png" }] } };
const T = Date.UTC(2025, 5, 1);

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const legacyFile = (ddl: string) => {
  const dir = mkdtempSync(join(tmpdir(), "storycast-adopt-"));
  dirs.push(dir);
  const file = new Sqlite(join(dir, "storycast.sqlite"));
  file.pragma("journal_mode = WAL");
  file.exec(ddl);
  return { dir, file };
};
const appliedMigrations = (dir: string) => {
  const file = new Sqlite(join(dir, "storycast.sqlite"), { readonly: true });
  try {
    return (file.prepare("SELECT name FROM kysely_migration ORDER BY name").all() as { name: string }[]).map((row) => row.name);
  } finally {
    file.close();
  }
};

describe("migration 001 adopts SQLite files of earlier releases", () => {
  it("when the last release's file is opened, then every row reads back and new writes work", async () => {
    const { dir, file } = legacyFile(FIRST_RELEASE + LAST_RELEASE_ADDITIONS);
    // Rows as the last release's stores wrote them.
    file.prepare(
      `INSERT INTO jobs (id, created_at, updated_at, origin, settings, fal_input, state_kind, state, fal_request_id, reroll_of, message_ids, guild_id, user_id, num_images, speed, character_id, delivery)
       VALUES ('j-old', ?, ?, ?, ?, NULL, 'delivered', ?, 'req-old', NULL, '["m1"]', 'g1', 'u1', 2, 'TURBO', 'c-old', ?)`,
    ).run(T, T + 10, JSON.stringify(origin), JSON.stringify(settings), JSON.stringify(delivered), JSON.stringify({ parts: [{ images: [0], messageId: "m1" }], links: [] }));
    file.prepare(`INSERT INTO jobs (id, created_at, updated_at, origin, settings, state_kind, state, guild_id, user_id, num_images, speed)
       VALUES ('j-queued', ?, ?, ?, ?, 'queued', '{"kind":"queued","requestId":"req-q"}', 'g1', 'u1', 2, 'TURBO')`).run(T + 1, T + 1, JSON.stringify(origin), JSON.stringify(settings));
    file.prepare(`INSERT INTO characters (id, scope, name, name_key, reference_url, creator_id, created_at, times_used, reference_bytes, reference_type)
       VALUES ('c-old', 'g:g1', 'Mira', 'mira', 'https://fal/m.png', 'u1', ?, 3, ?, 'image/png')`).run(T, Buffer.from([0, 1, 2, 255]));
    file.prepare("INSERT INTO server_settings (guild_id, settings) VALUES ('g1', '{\"dailyImageLimit\":4}')").run();
    file.prepare(`INSERT INTO stories (id, guild_id, channel_id, thread_id, title, creator_id, created_at, cast_ids, storybook_state, storybook)
       VALUES ('s-old', 'g1', 'c', 't-old', 'Tale', 'u1', ?, '["c-old"]', 'building', ?)`).run(T, JSON.stringify({ kind: "building", request: { userId: "u1" } }));
    file.prepare(`INSERT INTO scenes VALUES ('s-old', 1, 'j-old', 'u1', 'Ann', 'first', 'Mira', ?)`).run(T);
    file.close();

    const stores = await openStores({ dataDir: dir, now: () => T + 1000 });
    try {
      expect(await stores.jobs.get("j-old")).toMatchObject({ createdAt: T, updatedAt: T + 10, origin, settings, state: delivered, messageIds: ["m1"] });
      expect((await stores.jobs.unfinished()).map((job) => job.id)).toEqual(["j-queued"]);
      expect(await stores.characters.byName("g:g1", "MIRA")).toMatchObject({ id: "c-old", timesUsed: 3, createdAt: T });
      expect((await stores.characters.storedImages("c-old")).reference?.bytes).toEqual(Buffer.from([0, 1, 2, 255]));
      expect(await stores.characters.recentScenes("c-old", 5)).toEqual(["https://fal/r.png"]);
      expect(await stores.servers.settings("g1")).toEqual({ dailyImageLimit: 4 });
      expect(await stores.servers.memberImagesSince("g1", "u1", 0)).toBe(4);
      expect((await stores.stories.buildingStorybooks()).map((story) => story.id)).toEqual(["s-old"]);
      const next = await stores.stories.addScene({ storyId: "s-old", jobId: "j-new", authorId: "u1", authorName: "Ann", prompt: "second", characterName: "Mira" });
      expect(next.number).toBe(2);
      // The columns migrations added after adoption work on the old rows.
      const lease = await stores.db.selectFrom("jobs").select(["owner", "lease_until", "fence", "waiting_since", "fal_slot_at"]).where("id", "=", "j-old").executeTakeFirstOrThrow();
      expect(lease).toEqual({ owner: null, lease_until: null, fence: 0, waiting_since: null, fal_slot_at: null });
      expect((await stores.db.selectFrom("jobs").select("kind").where("id", "=", "j-old").executeTakeFirstOrThrow()).kind).toBe("imagine");
      await stores.db.insertInto("meta").values({ key: "commands", value: "v1" }).execute();
      const journal = await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(stores.db);
      expect(journal.rows[0]?.journal_mode).toBe("wal");
      // Opened again: nothing left to migrate.
      expect(await migrateToLatest(stores.db, "sqlite")).toEqual([]);
    } finally {
      await stores.close();
    }
    expect(appliedMigrations(dir)).toEqual(["001_initial", "002_job_leases", "003_meta", "004_storybook_leases", "005_job_steps", "006_job_kind", "007_rules_server", "008_rules_usage_index"]);
  });

  it("when a first-release file (before any later column) is opened, then its rows stay usable with the later columns at their defaults", async () => {
    const { dir, file } = legacyFile(FIRST_RELEASE);
    file.prepare(`INSERT INTO jobs (id, created_at, updated_at, origin, settings, state_kind, state) VALUES ('j1', ?, ?, ?, ?, 'pending', '{"kind":"pending"}')`)
      .run(T, T, JSON.stringify(origin), JSON.stringify(settings));
    file.prepare(`INSERT INTO characters (id, scope, name, name_key, reference_url, creator_id, created_at) VALUES ('old', 'g:1', 'Old', 'old', 'https://fal/old.png', 'u1', 1)`).run();
    file.prepare(`INSERT INTO stories (id, guild_id, channel_id, thread_id, title, creator_id, created_at, ended_at) VALUES ('s1', 'g', 'c', 't1', 'Old', 'u1', 1, 2)`).run();
    file.close();

    const stores = await openStores({ dataDir: dir, now: () => 5000 });
    try {
      expect(await stores.jobs.get("j1")).toMatchObject({ state: { kind: "pending" }, delivery: null, messageIds: [] });
      expect(await stores.characters.byName("g:1", "old")).toMatchObject({ referenceUrl: "https://fal/old.png" });
      expect(await stores.characters.storedImages("old")).toEqual({});
      // A story ended before storybook states: none, so it may be built now.
      expect(await stores.stories.byId("s1")).toMatchObject({ endedAt: 2, storybook: { kind: "none" } });
      expect((await stores.stories.beginStorybook("s1", { userId: "u1", applicationId: "a", interactionToken: "t", interactionAt: 1, attachmentSizeLimit: 1 }))?.storybook.kind).toBe("building");
      // The first release had no usage columns: such jobs count nothing, new ones do.
      await stores.jobs.create({ id: "j2", origin, settings: { ...settings, numImages: 1 } });
      expect(await stores.servers.memberImagesSince("g1", "u1", 0)).toBe(1);
      await expect(stores.characters.create({ id: "n", scope: "g:1", name: "OLD", referenceUrl: "u", maskUrl: undefined, description: undefined, creatorId: "u1" })).rejects.toBeInstanceOf(DuplicateCharacterError);
    } finally {
      await stores.close();
    }
  });
});
