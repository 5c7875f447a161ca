import type { Kysely, Migration } from "kysely";
import type { SqlDialectName } from "../schema.js";
import { addMissingColumns } from "./add-missing-columns.js";
import { columnTypes } from "./column-types.js";

/**
 * The schema of the last release before migrations (the old src/store/sqlite-*.ts). Every
 * statement is "if not exists", and columns that release added over time are added when
 * missing, so this migration adopts a SQLite file any earlier release wrote, without losing a row.
 */
export function initialMigration(dialect: SqlDialectName): Migration {
  const { timestamp, bytes } = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("jobs")
        .ifNotExists()
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("created_at", timestamp, (c) => c.notNull())
        .addColumn("updated_at", timestamp, (c) => c.notNull())
        .addColumn("origin", "text", (c) => c.notNull())
        .addColumn("settings", "text", (c) => c.notNull())
        .addColumn("fal_input", "text")
        .addColumn("state_kind", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("fal_request_id", "text")
        .addColumn("reroll_of", "text")
        .addColumn("message_ids", "text", (c) => c.notNull().defaultTo("[]"))
        .execute();
      // Added one by one by earlier SQLite releases.
      await addMissingColumns(db, dialect, "jobs", {
        guild_id: "TEXT",
        user_id: "TEXT",
        num_images: "INTEGER NOT NULL DEFAULT 0",
        speed: "TEXT",
        character_id: "TEXT",
        delivery: "TEXT",
      });
      await db.schema.createIndex("jobs_state_kind").ifNotExists().on("jobs").column("state_kind").execute();
      await db.schema.createIndex("jobs_usage").ifNotExists().on("jobs").columns(["guild_id", "created_at"]).execute();

      await db.schema
        .createTable("characters")
        .ifNotExists()
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("scope", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("name_key", "text", (c) => c.notNull())
        .addColumn("reference_url", "text", (c) => c.notNull())
        .addColumn("mask_url", "text")
        .addColumn("description", "text")
        .addColumn("creator_id", "text", (c) => c.notNull())
        .addColumn("created_at", timestamp, (c) => c.notNull())
        .addColumn("times_used", "integer", (c) => c.notNull().defaultTo(0))
        // Named, so the store can tell this violation from any other (see isDuplicateName).
        .addUniqueConstraint("characters_scope_name_key", ["scope", "name_key"])
        .execute();
      await addMissingColumns(db, dialect, "characters", {
        reference_bytes: bytes,
        reference_type: "TEXT",
        mask_bytes: bytes,
        mask_type: "TEXT",
      });

      await db.schema
        .createTable("server_settings")
        .ifNotExists()
        .addColumn("guild_id", "text", (c) => c.primaryKey())
        .addColumn("settings", "text", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("stories")
        .ifNotExists()
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("guild_id", "text", (c) => c.notNull())
        .addColumn("channel_id", "text", (c) => c.notNull())
        .addColumn("thread_id", "text", (c) => c.notNull().unique())
        .addColumn("title", "text", (c) => c.notNull())
        .addColumn("creator_id", "text", (c) => c.notNull())
        .addColumn("created_at", timestamp, (c) => c.notNull())
        .addColumn("ended_at", timestamp)
        .addColumn("cast_ids", "text", (c) => c.notNull().defaultTo("[]"))
        .addColumn("defaults", "text", (c) => c.notNull().defaultTo("{}"))
        .execute();
      await addMissingColumns(db, dialect, "stories", {
        storybook_state: "TEXT NOT NULL DEFAULT 'none'",
        storybook: "TEXT",
      });

      await db.schema
        .createTable("scenes")
        .ifNotExists()
        .addColumn("story_id", "text", (c) => c.notNull())
        .addColumn("number", "integer", (c) => c.notNull())
        .addColumn("job_id", "text", (c) => c.notNull())
        .addColumn("author_id", "text", (c) => c.notNull())
        .addColumn("author_name", "text", (c) => c.notNull())
        .addColumn("prompt", "text", (c) => c.notNull())
        .addColumn("character_name", "text", (c) => c.notNull())
        .addColumn("created_at", timestamp, (c) => c.notNull())
        .addPrimaryKeyConstraint("scenes_pkey", ["story_id", "number"])
        .execute();
    },
  };
}
