import type { Kysely, Migration } from "kysely";
import type { SqlDialectName } from "../schema.js";
import { addMissingColumns } from "./add-missing-columns.js";
import { columnTypes } from "./column-types.js";

/**
 * Lease columns: which process follows a job, until when, and a fencing token bumped on every
 * claim. And the deployment-wide line for fal: when a job began waiting for a place at fal and
 * when it was given one (MAX_CONCURRENT_JOBS counts across every process).
 */
export function jobLeasesMigration(dialect: SqlDialectName): Migration {
  const { timestamp } = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await addMissingColumns(db, dialect, "jobs", {
        owner: "TEXT",
        lease_until: timestamp.toUpperCase(),
        fence: "INTEGER NOT NULL DEFAULT 0",
        waiting_since: timestamp.toUpperCase(),
        fal_slot_at: timestamp.toUpperCase(),
      });
      // Renewal finds a process's jobs by owner; the takeover scan and the fal line read unfinished jobs by state.
      await db.schema.createIndex("jobs_owner").ifNotExists().on("jobs").column("owner").execute();
    },
  };
}
