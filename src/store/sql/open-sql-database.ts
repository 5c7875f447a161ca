import Sqlite from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../../logger.js";
import { migrateToLatest } from "./migrate.js";
import type { Database, SqlDialectName } from "./schema.js";

export interface SqlDatabase {
  db: Kysely<Database>;
  dialect: SqlDialectName;
  close(): Promise<void>;
  /** The migrations this open ran (none when another process, or an earlier start, already had). */
  migrated: string[];
}

export interface OpenSqlDatabaseOptions {
  /** Where the SQLite file lives (ignored when databaseUrl is given). */
  dataDir: string;
  /** A postgres:// or postgresql:// URL: use PostgreSQL instead of SQLite. */
  databaseUrl?: string | undefined;
  logger?: Pick<Logger, "error"> | undefined;
  /** Connections per process on PostgreSQL. */
  poolSize?: number | undefined;
}

/** Opens the database (SQLite file in dataDir, or PostgreSQL at databaseUrl) and migrates it to the latest schema. */
export async function openSqlDatabase(options: OpenSqlDatabaseOptions): Promise<SqlDatabase> {
  const opened = options.databaseUrl ? await openPostgres(options.databaseUrl, options) : openSqlite(options.dataDir);
  try {
    return { ...opened, migrated: await migrateToLatest(opened.db, opened.dialect) };
  } catch (error) {
    await opened.close();
    throw error;
  }
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

function openSqlite(dataDir: string): Omit<SqlDatabase, "migrated"> {
  mkdirSync(dataDir, { recursive: true });
  const file = new Sqlite(join(dataDir, "storycast.sqlite"));
  file.pragma("journal_mode = WAL");
  // NORMAL in WAL mode: every commit survives the process being killed (what the restart tests
  // check); only a power cut or OS crash could lose the last commits. FULL would fsync every
  // write, ~0.3 ms each on the main thread, which delays other members' replies.
  file.pragma("synchronous = NORMAL");
  file.pragma("busy_timeout = 5000");
  // SQLite is the one-process store: Kysely's SqliteDialect runs every query of the process on
  // this one connection, behind a mutex held for a whole transaction, so a transaction already
  // excludes every other query; no row locks are needed (nor possible) here.
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: file }) });
  return { db, dialect: "sqlite", close: once(() => db.destroy()) };
}

/** pg type ids whose text we parse ourselves: int8 (timestamps, COUNT, SUM of integers) becomes a JS number. */
const INT8_OID = 20;

async function openPostgres(url: string, options: OpenSqlDatabaseOptions): Promise<Omit<SqlDatabase, "migrated">> {
  if (!isPostgresUrl(url)) throw new Error(`DATABASE_URL must start with postgres:// or postgresql:// (got ${describeUrl(url)})`);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 10_000,
    // On this pool only (not pg's global parsers): ms timestamps fit a double exactly until year 287396.
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8_OID && format !== "binary" ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format ?? "text")) as typeof pg.types.getTypeParser,
    },
  });
  // An idle connection the server drops emits 'error' on the pool; unhandled it would end the process.
  pool.on("error", (error) => {
    if (options.logger) options.logger.error({ err: error }, "PostgreSQL connection lost (the pool opens a new one)");
    else console.error(`PostgreSQL connection lost (the pool opens a new one): ${oneLine(error)}`);
  });
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new Error(`cannot connect to PostgreSQL at ${describeUrl(url)}: ${withoutPassword(oneLine(error), url)}`);
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: "postgres", close: once(() => db.destroy()) };
}

/** Closing twice (the job store and the app both may) ends the pool once; pg throws on a second end. */
function once(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= close());
}

/** host:port/database of a URL, never its user or password. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ""}${parsed.pathname}`;
  } catch {
    return "(an unparsable URL)";
  }
}

/** Belt and braces: no driver message should quote the password, but a log line must never carry it. */
function withoutPassword(text: string, url: string): string {
  let password = "";
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    // An unparsable URL fails earlier, in pg, with no password to hide.
  }
  return password ? text.split(password).join("[redacted]") : text;
}

function oneLine(error: unknown): string {
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = typeof message === "string" && message ? message : String(error);
  return `${text.replace(/\s+/g, " ").trim()}${typeof code === "string" && !text.includes(code) ? ` (${code})` : ""}`;
}
