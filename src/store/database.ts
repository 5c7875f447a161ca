import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

export type Db = Database.Database;

/** Opens (creating if needed) StoryCast's SQLite database in DATA_DIR. */
export function openDatabase(dataDir: string): Db {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, "storycast.sqlite"));
  db.pragma("journal_mode = WAL");
  // NORMAL in WAL mode: every commit survives the process being killed (what the restart
  // tests check); only a power cut or OS crash could lose the last commits. FULL would fsync
  // every write, ~0.3 ms each on the main thread, which delays other members' replies.
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  return db;
}

/** Adds columns a table created by an older version lacks (SQLite has no ADD COLUMN IF NOT EXISTS). */
export function addMissingColumns(db: Db, table: string, columns: Record<string, string>): void {
  const existing = new Set((db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name));
  for (const [name, definition] of Object.entries(columns)) {
    if (!existing.has(name)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${definition}`);
  }
}
