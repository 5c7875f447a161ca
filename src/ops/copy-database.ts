import type { Kysely } from "kysely";
import type { Database } from "../store/sql/schema.js";

/** Each table StoryCast keeps, with the columns that identify a row (what makes a second copy a no-op). */
const TABLES = [
  { table: "server_settings", key: ["guild_id"] },
  { table: "characters", key: ["id"] },
  { table: "stories", key: ["id"] },
  { table: "scenes", key: ["story_id", "number"] },
  { table: "jobs", key: ["id"] },
  { table: "meta", key: ["key"] },
] as const;

// Characters carry image copies (up to megabytes each): copy in small batches.
const BATCH = 50;

export interface CopyReport {
  table: string;
  read: number;
  copied: number;
  alreadyThere: number;
}

/**
 * Copies every row of `source` into `target` (both migrated to the same version). Rows whose key
 * is already in the target are left as they are, so running it again copies nothing twice and
 * a copy interrupted half-way can simply be run again.
 */
export async function copyDatabase(source: Kysely<Database>, target: Kysely<Database>, onTable?: (report: CopyReport) => void): Promise<CopyReport[]> {
  const reports: CopyReport[] = [];
  for (const { table, key } of TABLES) {
    const report: CopyReport = { table, read: 0, copied: 0, alreadyThere: 0 };
    for (let offset = 0; ; offset += BATCH) {
      // Dynamic table names lose Kysely's row types; the rows go back into the same table unchanged.
      const rows = (await source.selectFrom(table as never).selectAll().orderBy(key as never).limit(BATCH).offset(offset).execute()) as Record<string, unknown>[];
      if (rows.length === 0) break;
      report.read += rows.length;
      // A copied job belongs to no process yet: the first process on the new database claims it at once.
      if (table === "jobs") for (const row of rows) Object.assign(row, { owner: null, lease_until: null });
      // Likewise a storybook being built: no process on the new database holds it yet.
      if (table === "stories") for (const row of rows) Object.assign(row, { storybook_owner: null, storybook_lease_until: null });
      const result = await target
        .insertInto(table as never)
        .values(rows as never)
        .onConflict((conflict) => conflict.columns(key as never).doNothing())
        .executeTakeFirst();
      const inserted = Number(result.numInsertedOrUpdatedRows ?? 0n);
      report.copied += inserted;
      report.alreadyThere += rows.length - inserted;
    }
    reports.push(report);
    onTable?.(report);
  }
  return reports;
}
