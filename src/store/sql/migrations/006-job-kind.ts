import { sql, type Kysely, type Migration } from "kysely";
import type { SqlDialectName } from "../schema.js";
import { addMissingColumns } from "./add-missing-columns.js";

/**
 * What each job made (GenerationSettings.kind: imagine, edit, remix, upscale, duo) as a plain
 * column, so /usage sums spend per kind in SQL on both dialects without reading JSON. Rows from
 * before: the kind their settings name (rows written since migration 005 may have one), else
 * imagine (the only kind there was).
 */
export function jobKindMigration(dialect: SqlDialectName): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await addMissingColumns(db, dialect, "jobs", { kind: "TEXT NOT NULL DEFAULT 'imagine'" });
      // settings is TEXT holding JSON (always written by JSON.stringify); each dialect reads a field its own way.
      const kindInSettings = dialect === "postgres" ? sql`(settings::jsonb ->> 'kind')` : sql`json_extract(settings, '$.kind')`;
      await sql`UPDATE jobs SET kind = ${kindInSettings} WHERE ${kindInSettings} IS NOT NULL AND ${kindInSettings} <> kind`.execute(db);
    },
  };
}
