import type { Kysely } from "kysely";
import { hash32, withSessionLock } from "./advisory-lock.js";
import type { Database, SqlDialectName } from "./schema.js";

/** Namespace of deployment-wide session locks (apart from the transaction locks' spaces and the migration lock). */
const DEPLOYMENT_LOCK_SPACE = 100;

/**
 * Runs `task` while holding a deployment-wide lock named `name`: of several processes doing the
 * same start-up step at once (registering the commands), one runs it while the others wait, and
 * then run it against what the first one left. PostgreSQL: a session advisory lock on one
 * connection, released however `task` ends (and by the server if the process dies). SQLite has
 * one process: no lock needed.
 */
export async function withDeploymentLock<T>(db: Kysely<Database>, dialect: SqlDialectName, name: string, task: () => Promise<T>): Promise<T> {
  if (dialect === "sqlite") return task();
  return withSessionLock(db, [DEPLOYMENT_LOCK_SPACE, hash32(name)], () => task());
}
