import { openStores } from "../../src/store/sql/open-stores.js";
import type { JobStore } from "../../src/store/job-store.js";

/** The real job store on a SQLite file in `dataDir` (migrated), as one process of the app opens it. */
export async function openSqliteJobStore(dataDir: string, now: () => number = Date.now): Promise<JobStore> {
  return (await openStores({ dataDir, now })).jobs;
}
