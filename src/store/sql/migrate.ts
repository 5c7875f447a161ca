import { Migrator, type Kysely } from "kysely";
import { withSessionLock } from "./advisory-lock.js";
import type { Database, SqlDialectName } from "./schema.js";
import { migrationProvider } from "./migrations/index.js";

/**
 * Key of the session advisory lock that serialises migrations on PostgreSQL: a constant, so
 * every StoryCast process sharing a database contends for the same lock ("StoryCast" in ASCII).
 */
export const MIGRATION_LOCK_KEY = 0x53746f727943;

/**
 * Brings the schema to the latest version; returns the names of the migrations this call ran.
 * On PostgreSQL it runs under a session advisory lock held on one dedicated connection, so of
 * several processes starting at once one migrates and the others wait, then find nothing to do.
 * (Kysely's own lock is taken only after it creates its bookkeeping tables, which can race.)
 */
export async function migrateToLatest(db: Kysely<Database>, dialect: SqlDialectName): Promise<string[]> {
  if (dialect === "sqlite") return runMigrator(db, dialect);
  return withSessionLock(db, MIGRATION_LOCK_KEY, (connection) => runMigrator(connection, dialect));
}

async function runMigrator(db: Kysely<Database>, dialect: SqlDialectName): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === "Error")?.migrationName;
    throw new Error(`database migration ${failed ?? "(before any migration)"} failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return (results ?? []).filter((result) => result.status === "Success").map((result) => result.migrationName);
}
