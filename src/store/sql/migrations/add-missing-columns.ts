import { sql, type Kysely } from "kysely";
import type { SqlDialectName } from "../schema.js";

/**
 * Adds the columns a table lacks, so a migration can run again after it was interrupted
 * (SQLite runs DDL outside transactions) and can adopt tables an older release created.
 * `columns` maps a column name to its definition (type and constraints, written for both dialects).
 */
export async function addMissingColumns(
  db: Kysely<unknown>,
  dialect: SqlDialectName,
  table: string,
  columns: Record<string, string>,
): Promise<void> {
  if (dialect === "postgres") {
    for (const [name, definition] of Object.entries(columns)) {
      await sql.raw(`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${name} ${definition}`).execute(db);
    }
    return;
  }
  // SQLite has no ADD COLUMN IF NOT EXISTS.
  const existing = await sql<{ name: string }>`SELECT name FROM pragma_table_info(${table})`.execute(db);
  const names = new Set(existing.rows.map((row) => row.name));
  for (const [name, definition] of Object.entries(columns)) {
    if (!names.has(name)) await sql.raw(`ALTER TABLE ${table} ADD COLUMN ${name} ${definition}`).execute(db);
  }
}
