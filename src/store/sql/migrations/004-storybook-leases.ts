import type { Kysely, Migration } from "kysely";
import type { SqlDialectName } from "../schema.js";
import { addMissingColumns } from "./add-missing-columns.js";
import { columnTypes } from "./column-types.js";

/**
 * Storybook leases: which process builds a story's storybook, and until when, so that of several
 * processes only one builds (and posts) it, and another takes it over when that one dies.
 */
export function storybookLeasesMigration(dialect: SqlDialectName): Migration {
  const { timestamp } = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await addMissingColumns(db, dialect, "stories", {
        storybook_owner: "TEXT",
        storybook_lease_until: timestamp.toUpperCase(),
      });
    },
  };
}
