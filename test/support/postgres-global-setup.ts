import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "./embedded-postgres-server.js";
// postgres.ts declares what this provides (vitest's ProvidedContext).
import type {} from "./postgres.js";

/**
 * One PostgreSQL server for the whole run: TEST_DATABASE_URL when given, otherwise a real
 * PostgreSQL from the embedded-postgres package, started here and stopped (its files deleted)
 * when the run ends. Test files each make their own database on it (createTestDatabase).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.TEST_DATABASE_URL;
  if (given) {
    project.provide("postgresAdminUrl", given);
    return async () => undefined;
  }
  // Enough connections for every test file's pools running in parallel; no fsync: tests never need a power cut survived.
  const server = await startEmbeddedPostgres({ flags: ["-c", "max_connections=200", "-c", "fsync=off"] });
  project.provide("postgresAdminUrl", server.adminUrl);
  return server.stop;
}
