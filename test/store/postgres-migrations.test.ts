import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIGRATION_LOCK_KEY, migrateToLatest } from "../../src/store/sql/migrate.js";
import { openSqlDatabase } from "../../src/store/sql/open-sql-database.js";
import type { Database } from "../../src/store/sql/schema.js";
import { createTestDatabase, postgresAdminUrl, type TestDatabase } from "../support/postgres.js";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

describe("PostgreSQL migrations", () => {
  it("when three processes migrate one empty database at the same moment, then each migration runs exactly once", async () => {
    // Three Kysely instances with their own pools, as three processes would have.
    const instances = Array.from({ length: 3 }, () => new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 2 }) }) }));
    try {
      const ran = await Promise.all(instances.map((db) => migrateToLatest(db, "postgres")));
      // One of them ran them all, the others found nothing left to do.
      expect(ran.map((names) => names.length).sort()).toEqual([0, 0, 8]);
      expect(ran.flat().sort()).toEqual(["001_initial", "002_job_leases", "003_meta", "004_storybook_leases", "005_job_steps", "006_job_kind", "007_rules_server", "008_rules_usage_index"]);
      const applied = await sql<{ name: string; n: number }>`SELECT name, COUNT(*)::int AS n FROM kysely_migration GROUP BY name ORDER BY name`.execute(instances[0]!);
      expect(applied.rows).toEqual([
        { name: "001_initial", n: 1 },
        { name: "002_job_leases", n: 1 },
        { name: "003_meta", n: 1 },
        { name: "004_storybook_leases", n: 1 },
        { name: "005_job_steps", n: 1 },
        { name: "006_job_kind", n: 1 },
        { name: "007_rules_server", n: 1 },
        { name: "008_rules_usage_index", n: 1 },
      ]);
      // The migration lock was released: another session can take it at once.
      const free = await sql<{ ok: boolean }>`SELECT pg_try_advisory_lock(${sql.lit(MIGRATION_LOCK_KEY)}) AS ok`.execute(instances[1]!);
      expect(free.rows[0]?.ok).toBe(true);
      await sql`SELECT pg_advisory_unlock_all()`.execute(instances[1]!);
    } finally {
      await Promise.all(instances.map((db) => db.destroy()));
    }
  });

  it("when another process holds the migration lock, then migrating waits for it before touching the schema", async () => {
    const waiting = await createTestDatabase();
    const holder = new pg.Client({ connectionString: waiting.url });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: waiting.url, max: 2 }) }) });
    try {
      await holder.connect();
      await holder.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
      const migrating = migrateToLatest(db, "postgres");
      await until(async () => {
        const blocked = await holder.query<{ n: number }>(
          "SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%pg_advisory_lock%'",
        );
        return blocked.rows[0]?.n === 1;
      });
      const before = await holder.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'");
      expect(before.rows[0]?.n).toBe(0); // not even Kysely's bookkeeping tables
      await holder.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`);
      expect(await migrating).toEqual(["001_initial", "002_job_leases", "003_meta", "004_storybook_leases", "005_job_steps", "006_job_kind", "007_rules_server", "008_rules_usage_index"]);
    } finally {
      await holder.end();
      await db.destroy();
      await waiting.drop();
    }
  });

  it("when the schema is created, then timestamps are BIGINT, images BYTEA and the lease columns exist", async () => {
    const opened = await openSqlDatabase({ dataDir: "/nonexistent-unused", databaseUrl: database.url });
    try {
      const columns = await sql<{ table_name: string; column_name: string; data_type: string }>`
        SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public'`.execute(opened.db);
      const typeOf = (table: string, column: string) => columns.rows.find((row) => row.table_name === table && row.column_name === column)?.data_type;
      expect(typeOf("jobs", "created_at")).toBe("bigint");
      expect(typeOf("jobs", "lease_until")).toBe("bigint");
      expect(typeOf("jobs", "fence")).toBe("integer");
      expect(typeOf("jobs", "owner")).toBe("text");
      expect(typeOf("jobs", "waiting_since")).toBe("bigint");
      expect(typeOf("jobs", "fal_slot_at")).toBe("bigint");
      expect(typeOf("stories", "ended_at")).toBe("bigint");
      expect(typeOf("scenes", "created_at")).toBe("bigint");
      expect(typeOf("characters", "reference_bytes")).toBe("bytea");
      expect(typeOf("meta", "value")).toBe("text");
      // int8 comes back as a number on our pool, without changing pg's global parsers.
      const row = await sql<{ big: unknown }>`SELECT 9007199254740991::bigint AS big`.execute(opened.db);
      expect(row.rows[0]?.big).toBe(Number.MAX_SAFE_INTEGER);
      expect(pg.types.getTypeParser(20, "text")("5")).toBe("5");
    } finally {
      await opened.close();
    }
  });

  it("when PostgreSQL is unreachable or refuses the password, then opening fails with one line that never shows the password", async () => {
    const admin = new URL(postgresAdminUrl());
    const secret = "s3cret-Passw0rd";
    const unreachable = `postgres://storycast:${secret}@127.0.0.1:1/storycast`;
    const refusing = `postgres://${admin.username}:${secret}@${admin.host}/postgres`;
    for (const url of [unreachable, refusing]) {
      const error = await openSqlDatabase({ dataDir: "/nonexistent-unused", databaseUrl: url }).then(
        () => new Error("opened"),
        (rejection: unknown) => rejection as Error,
      );
      expect(error.message).toMatch(/^cannot connect to PostgreSQL at 127\.0\.0\.1:\d+\/\w+: /);
      expect(error.message).not.toContain(secret);
      expect(error.message).not.toContain("\n");
    }
    await expect(openSqlDatabase({ dataDir: "/nonexistent-unused", databaseUrl: `mysql://root:${secret}@db/x` })).rejects.toThrow(
      /^DATABASE_URL must start with postgres:\/\/ or postgresql:\/\/ \(got db\/x\)$/,
    );
  });
});

/** Polls a condition (here: what PostgreSQL reports), failing after 10 s. */
async function until(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met within 10 s");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
