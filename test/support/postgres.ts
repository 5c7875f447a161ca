import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";

export interface TestDatabase {
  /** URL of a fresh, empty database only this caller uses. */
  url: string;
  /** Drops the database (ending any connection still open to it). */
  drop(): Promise<void>;
}

/** The server vitest's globalSetup provides (test/support/postgres-global-setup.ts). */
export function postgresAdminUrl(): string {
  return inject("postgresAdminUrl");
}

/** A fresh database on the test server, so test files (and tests) never see each other's rows. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = postgresAdminUrl();
  const name = `storycast_test_${randomBytes(6).toString("hex")}`;
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
