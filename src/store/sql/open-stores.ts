import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Logger } from "../../logger.js";
import type { CharacterStore } from "../character-store.js";
import type { JobStore } from "../job-store.js";
import type { ServerStore } from "../server-store.js";
import type { StoryStore } from "../story-store.js";
import { openSqlDatabase } from "./open-sql-database.js";
import type { Database, SqlDialectName } from "./schema.js";
import { createSqlCharacterStore } from "./sql-character-store.js";
import { createSqlJobStore } from "./sql-job-store.js";
import { createSqlServerStore } from "./sql-server-store.js";
import { createSqlStoryStore } from "./sql-story-store.js";

export const DEFAULT_LEASE_MS = 20_000;

export interface Stores {
  jobs: JobStore;
  characters: CharacterStore;
  servers: ServerStore;
  stories: StoryStore;
  dialect: SqlDialectName;
  db: Kysely<Database>;
  /** The migrations this open ran. */
  migrated: string[];
  /** Closes the database (the same as jobs.close()); safe to call more than once. */
  close(): Promise<void>;
}

export interface OpenStoresOptions {
  dataDir: string;
  databaseUrl?: string | undefined;
  now: () => number;
  logger?: Pick<Logger, "error"> | undefined;
  /** This process's identity for job and storybook leases (default: a new random one). */
  owner?: string;
  /** How long a job or storybook lease lasts without renewal (default 20 s). */
  leaseMs?: number;
}

/** Opens the database (SQLite in dataDir, or PostgreSQL at databaseUrl), migrated, with every store on it. */
export async function openStores(options: OpenStoresOptions): Promise<Stores> {
  const { db, dialect, close, migrated } = await openSqlDatabase(options);
  // One identity and lease length for the process's jobs and storybooks alike.
  const lease = { owner: options.owner ?? randomUUID(), leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS };
  return {
    jobs: createSqlJobStore(db, dialect, options.now, close, lease),
    characters: createSqlCharacterStore(db, dialect, options.now),
    servers: createSqlServerStore(db, dialect),
    stories: createSqlStoryStore(db, dialect, options.now, lease),
    dialect,
    db,
    close,
    migrated,
  };
}
