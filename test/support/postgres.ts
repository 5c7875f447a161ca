import { inject } from "vitest";
import { createDatabaseOn, type FreshDatabase } from "./embedded-postgres-server.js";

declare module "vitest" {
  interface ProvidedContext {
    /** A PostgreSQL URL with the right to create databases (test/support/postgres-global-setup.ts provides it). */
    postgresAdminUrl: string;
  }
}

export type TestDatabase = FreshDatabase;

/** The server vitest's globalSetup provides (test/support/postgres-global-setup.ts). */
export function postgresAdminUrl(): string {
  return inject("postgresAdminUrl");
}

/** A fresh database on the test server, so test files (and tests) never see each other's rows. */
export function createTestDatabase(): Promise<TestDatabase> {
  return createDatabaseOn(postgresAdminUrl());
}
