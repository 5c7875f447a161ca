import { sql, type Kysely, type Migration } from "kysely";
import type { SqlDialectName } from "../schema.js";
import { addMissingColumns } from "./add-missing-columns.js";

/**
 * The server whose settings applied to each job (`rules_guild_id`): null outside servers (DMs,
 * and servers StoryCast is in only through a member's own install), where USER_DAILY_IMAGES
 * counts a member's images instead. `guild_id` cannot tell: a user-install job in a server has
 * that server's id though its settings did not apply. Rows from before: every job then came from
 * a server's install or a DM, so the rules' server is the job's server.
 */
export function rulesServerMigration(dialect: SqlDialectName): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await addMissingColumns(db, dialect, "jobs", { rules_guild_id: "TEXT" });
      // Only rows from before the column: re-running after an interruption (SQLite DDL is outside
      // transactions) happens before any job is written with the column, so nothing is overwritten.
      await sql`UPDATE jobs SET rules_guild_id = guild_id WHERE rules_guild_id IS NULL AND guild_id IS NOT NULL`.execute(db);
      // The outside-server daily count reads one member's recent jobs; the global cap, everyone's today.
      await db.schema.createIndex("jobs_member_usage").ifNotExists().on("jobs").columns(["user_id", "created_at"]).execute();
      await db.schema.createIndex("jobs_created_at").ifNotExists().on("jobs").column("created_at").execute();
    },
  };
}
