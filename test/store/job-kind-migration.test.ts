import Sqlite from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { migrateToLatest } from "../../src/store/sql/migrate.js";
import { migrationProvider } from "../../src/store/sql/migrations/index.js";
import type { Database, SqlDialectName } from "../../src/store/sql/schema.js";
import { createTestDatabase } from "../support/postgres.js";

/** A database of each dialect, empty, with a way to drop it. */
async function emptyDatabase(dialect: SqlDialectName): Promise<{ db: Kysely<Database>; dispose(): Promise<void> }> {
  if (dialect === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "storycast-kind-"));
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new Sqlite(join(dir, "storycast.sqlite")) }) });
    return { db, dispose: async () => (await db.destroy(), rmSync(dir, { recursive: true, force: true })) };
  }
  const database = await createTestDatabase();
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 2 }) }) });
  return { db, dispose: async () => (await db.destroy(), await database.drop()) };
}

const row = (id: string, settings: object) => ({
  id, created_at: 1, updated_at: 1, origin: "{}", settings: JSON.stringify(settings), fal_input: null, state_kind: "delivered", state: "{}",
  fal_request_id: "r", reroll_of: null, guild_id: "g", user_id: "u", num_images: 1, speed: "TURBO", character_id: null, delivery: null,
  owner: null, lease_until: null, waiting_since: null, cost_usd: 0.1, pipeline: null, fal_slot_at: null,
});

describe.each(["sqlite", "postgres"] as const)("migration 006_job_kind on %s", (dialect) => {
  it("when rows written before it are migrated, then each gets the kind its settings name, or imagine", async () => {
    const { db, dispose } = await emptyDatabase(dialect);
    try {
      // The schema as release 005 left it, with rows from before the column existed.
      const migrated = await new Migrator({ db, provider: migrationProvider(dialect) }).migrateTo("005_job_steps");
      expect(migrated.error).toBeUndefined();
      await db.insertInto("jobs").values([row("old", { prompt: "p" }), row("edit", { prompt: "p", kind: "edit" }), row("duo", { prompt: "p", kind: "duo" })] as never).execute();

      expect(await migrateToLatest(db, dialect)).toEqual(["006_job_kind", "007_rules_server", "008_rules_usage_index"]);
      const kinds = await db.selectFrom("jobs").select(["id", "kind"]).orderBy("id").execute();
      expect(kinds).toEqual([{ id: "duo", kind: "duo" }, { id: "edit", kind: "edit" }, { id: "old", kind: "imagine" }]);
      // Run again (an interrupted SQLite migration is): nothing changes.
      await migrationProvider(dialect).getMigrations().then((all) => all["006_job_kind"]!.up(db as Kysely<unknown>));
      expect(await db.selectFrom("jobs").select(["id", "kind"]).orderBy("id").execute()).toEqual(kinds);
    } finally {
      await dispose();
    }
  });
});
