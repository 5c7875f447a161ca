import { addMissingColumns, openDatabase, type Db } from "./database.js";
import type { DeliveryPlan, Job } from "../domain/job.js";
import { ALL_STATE_KINDS, canTransition, isFinal, type JobState } from "../domain/job-state.js";
import type { AdmissionCheck, JobStore, NewJob } from "./job-store.js";
import { createSqliteServerStore } from "./sqlite-server-store.js";

interface JobRow {
  id: string;
  created_at: number;
  updated_at: number;
  origin: string;
  settings: string;
  fal_input: string | null;
  state_kind: string;
  state: string;
  fal_request_id: string | null;
  reroll_of: string | null;
  message_ids: string;
  delivery: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  origin TEXT NOT NULL,
  settings TEXT NOT NULL,
  fal_input TEXT,
  state_kind TEXT NOT NULL,
  state TEXT NOT NULL,
  fal_request_id TEXT,
  reroll_of TEXT,
  message_ids TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS jobs_state_kind ON jobs (state_kind);
`;

/** Columns added after the first version; kept as plain columns so usage can be summed in SQL. */
const LATER_COLUMNS = {
  guild_id: "TEXT",
  user_id: "TEXT",
  num_images: "INTEGER NOT NULL DEFAULT 0",
  speed: "TEXT",
  character_id: "TEXT",
  delivery: "TEXT",
};

const FINAL_KINDS = ALL_STATE_KINDS.filter(isFinal);

/** Job store in a SQLite file under DATA_DIR (WAL mode, synchronous writes). Owns and closes the database. */
export function openSqliteJobStore(dataDir: string, now: () => number = Date.now): JobStore {
  return createSqliteJobStore(openDatabase(dataDir), now);
}

/** Job store on an open database; `close()` closes that database. */
export function createSqliteJobStore(db: Db, now: () => number = Date.now): JobStore {
  db.exec(SCHEMA);
  addMissingColumns(db, "jobs", LATER_COLUMNS);
  db.exec("CREATE INDEX IF NOT EXISTS jobs_usage ON jobs (guild_id, created_at)");

  const insert = db.prepare(
    `INSERT INTO jobs (id, created_at, updated_at, origin, settings, fal_input, state_kind, state, reroll_of, guild_id, user_id, num_images, speed, character_id)
     VALUES (@id, @now, @now, @origin, @settings, @falInput, 'pending', '{"kind":"pending"}', @rerollOf, @guildId, @userId, @numImages, @speed, @characterId)`,
  );
  const select = db.prepare<[string], JobRow>("SELECT * FROM jobs WHERE id = ?");
  const updateInput = db.prepare("UPDATE jobs SET fal_input = ?, updated_at = ? WHERE id = ?");
  const updateState = db.prepare(
    "UPDATE jobs SET state_kind = ?, state = ?, fal_request_id = COALESCE(?, fal_request_id), updated_at = ? WHERE id = ?",
  );
  const updateDelivery = db.prepare("UPDATE jobs SET delivery = ?, message_ids = ?, updated_at = ? WHERE id = ?");
  const selectUnfinished = db.prepare<[], JobRow>(
    `SELECT * FROM jobs WHERE state_kind NOT IN (${FINAL_KINDS.map((kind) => `'${kind}'`).join(",")}) ORDER BY created_at`,
  );

  // The usage an admission check reads comes from the same database (the jobs table it is about to write).
  const usage = createSqliteServerStore(db);
  // better-sqlite3 transactions cannot span an await, and an admission check may await; so
  // creations run one at a time in this process, each check seeing every earlier job written.
  let creations: Promise<unknown> = Promise.resolve();
  const oneAtATime = <T>(work: () => Promise<T>): Promise<T> => {
    const result = creations.then(work);
    creations = result.catch(() => undefined); // a refused creation must not block the next
    return result;
  };

  const get = (id: string): Job | undefined => {
    const row = select.get(id);
    return row ? fromRow(row) : undefined;
  };
  const mustGet = (id: string): Job => {
    const job = get(id);
    if (!job) throw new Error(`job ${id} not found`);
    return job;
  };

  return {
    create(job: NewJob, admit?: AdmissionCheck): Promise<Job> {
      return oneAtATime(async () => {
        if (admit) await admit(usage);
        insert.run({
          id: job.id,
          now: now(),
          origin: JSON.stringify(job.origin),
          settings: JSON.stringify(job.settings),
          falInput: job.falInput ? JSON.stringify(job.falInput) : null,
          rerollOf: job.rerollOf ?? null,
          guildId: job.origin.guildId,
          userId: job.origin.userId,
          numImages: job.settings.numImages,
          speed: job.settings.speed,
          characterId: job.characterId ?? null,
        });
        return mustGet(job.id);
      });
    },
    async get(id) {
      return get(id);
    },
    async setFalInput(id, input) {
      updateInput.run(JSON.stringify(input), now(), id);
    },
    async transition(id, state: JobState): Promise<Job> {
      // Check and write in one transaction so two callers cannot both move a job out of a state.
      return db.transaction(() => {
        const current = mustGet(id);
        if (!canTransition(current.state.kind, state.kind)) {
          throw new Error(`job ${id}: cannot go from ${current.state.kind} to ${state.kind}`);
        }
        const requestId = "requestId" in state ? (state.requestId ?? null) : null;
        updateState.run(state.kind, JSON.stringify(state), requestId, now(), id);
        return mustGet(id);
      })();
    },
    async setDelivery(id, plan: DeliveryPlan) {
      const messageIds = plan.parts.flatMap((part) => (part.messageId ? [part.messageId] : []));
      updateDelivery.run(JSON.stringify(plan), JSON.stringify(messageIds), now(), id);
    },
    async unfinished() {
      return selectUnfinished.all().map(fromRow);
    },
    async healthy() {
      try {
        return db.prepare("SELECT 1 AS ok").get() !== undefined;
      } catch {
        return false;
      }
    },
    async close() {
      if (db.open) db.close();
    },
  };
}

function fromRow(row: JobRow): Job {
  return {
    id: row.id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    origin: JSON.parse(row.origin) as Job["origin"],
    settings: JSON.parse(row.settings) as Job["settings"],
    falInput: row.fal_input ? (JSON.parse(row.fal_input) as Job["falInput"]) : null,
    state: JSON.parse(row.state) as JobState,
    rerollOf: row.reroll_of,
    messageIds: JSON.parse(row.message_ids) as string[],
    delivery: row.delivery ? (JSON.parse(row.delivery) as DeliveryPlan) : null,
  };
}
