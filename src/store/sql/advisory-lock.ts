import { sql, type Kysely } from "kysely";
import type { Database } from "./schema.js";

/**
 * Namespaces of the two-key transaction advisory locks (pg_advisory_xact_lock(int, int)), which
 * live apart from the one-key migration lock. A hash collision between two names only makes
 * two unrelated transactions wait for each other; it never lets two related ones interleave.
 */
export const LockSpace = {
  /** Job admission: one server's (or one member's DMs') limit checks and job writes. */
  admission: 1,
  /** Numbering one story's scenes. */
  storyScenes: 2,
  /** The deployment-wide line for fal (MAX_CONCURRENT_JOBS). */
  falLine: 3,
  /** Read-change-write of one server's settings. */
  serverSettings: 4,
  /**
   * Job admission under the operator's global daily cap: every creation reads everyone's spend.
   * Taken before the admission lock of the job's server or member, always in that order.
   */
  globalSpend: 5,
} as const;

/** Takes a PostgreSQL lock held until the transaction ends (commit or rollback). */
export async function lockForTransaction(trx: Kysely<Database>, space: number, name: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${sql.lit(space)}, ${sql.lit(hash32(name))})`.execute(trx);
}

/** FNV-1a, as a signed 32-bit integer (the type pg_advisory_xact_lock's keys take). */
export function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, "utf8")) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}

/**
 * Runs `task` on one connection while it holds a PostgreSQL session advisory lock (one bigint key,
 * or a pair of ints), released however `task` ends — and by the server if the process dies.
 */
export async function withSessionLock<T>(db: Kysely<Database>, key: number | readonly [number, number], task: (connection: Kysely<Database>) => Promise<T>): Promise<T> {
  const args = typeof key === "number" ? sql`${sql.lit(key)}` : sql`${sql.lit(key[0])}, ${sql.lit(key[1])}`;
  return db.connection().execute(async (connection) => {
    await sql`SELECT pg_advisory_lock(${args})`.execute(connection);
    try {
      return await task(connection);
    } finally {
      await sql`SELECT pg_advisory_unlock(${args})`.execute(connection);
    }
  });
}
