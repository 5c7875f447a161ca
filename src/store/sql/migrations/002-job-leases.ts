import type { Kysely, Migration } from "kysely";
import type { SqlDialectName } from "../schema.js";
import { addMissingColumns } from "./add-missing-columns.js";
import { columnTypes } from "./column-types.js";

/** Lease columns: which process follows a job, until when, and a fencing token bumped on every claim. */
export function jobLeasesMigration(dialect: SqlDialectName): Migration {
  const { timestamp } = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await addMissingColumns(db, dialect, "jobs", {
        owner: "TEXT",
        lease_until: timestamp.toUpperCase(),
        fence: "INTEGER NOT NULL DEFAULT 0",
        cancel_requested: "INTEGER NOT NULL DEFAULT 0",
      });
    },
  };
}
