import type { Kysely, Selectable } from "kysely";
import type { DeliveryPlan, Job } from "../../domain/job.js";
import { ALL_STATE_KINDS, canTransition, isFinal, type JobState } from "../../domain/job-state.js";
import type { AdmissionCheck, JobStore, NewJob, UsageReader } from "../job-store.js";
import { LockSpace, lockForTransaction } from "./advisory-lock.js";
import type { Database, JobsTable, SqlDialectName } from "./schema.js";
import { memberImagesSince, spendSince } from "./usage-queries.js";

type JobRow = Selectable<JobsTable>;

const FINAL_KINDS = ALL_STATE_KINDS.filter(isFinal);

/**
 * Jobs over Kysely, the same code for SQLite and PostgreSQL. `close()` closes the whole
 * database (every store opened on it), as the SQLite store did.
 */
export function createSqlJobStore(
  db: Kysely<Database>,
  dialect: SqlDialectName,
  now: () => number,
  closeDatabase: () => Promise<void>,
): JobStore {
  const read = async (executor: Kysely<Database>, id: string, forUpdate = false): Promise<Job | undefined> => {
    const row = await executor
      .selectFrom("jobs")
      .selectAll()
      .where("id", "=", id)
      // SQLite has no row locks (and needs none: see open-sql-database.ts).
      .$if(forUpdate && dialect === "postgres", (query) => query.forUpdate())
      .executeTakeFirst();
    return row ? fromRow(row) : undefined;
  };
  const mustRead = async (executor: Kysely<Database>, id: string, forUpdate = false): Promise<Job> => {
    const job = await read(executor, id, forUpdate);
    if (!job) throw new Error(`job ${id} not found`);
    return job;
  };

  return {
    async create(job: NewJob, admit?: AdmissionCheck): Promise<Job> {
      return db.transaction().execute(async (trx) => {
        if (admit) {
          // SQLite needs no lock: the one connection is held for the whole transaction (see
          // open-sql-database.ts). So `admit` must read through the reader it is given: a query on
          // another store would wait for that connection forever.
          if (dialect === "postgres") {
            // Creations for one server (or one member's DMs) queue here, in every process. Under
            // READ COMMITTED each query after the lock sees what the previous holders committed,
            // so the check counts every job admitted before it. A DM has no server: the member's key.
            const scope = job.origin.guildId !== null ? `guild:${job.origin.guildId}` : `user:${job.origin.userId}`;
            await lockForTransaction(trx, LockSpace.admission, scope);
          }
          const reader: UsageReader = {
            memberImagesSince: (guildId, userId, since) => memberImagesSince(trx, guildId, userId, since),
            spendSince: (guildId, since, prices) => spendSince(trx, guildId, since, prices),
          };
          // A refusal throws out of the transaction: it rolls back and the caller gets this very error.
          await admit(reader);
        }
        const at = now();
        await trx
          .insertInto("jobs")
          .values({
            id: job.id,
            created_at: at,
            updated_at: at,
            origin: JSON.stringify(job.origin),
            settings: JSON.stringify(job.settings),
            fal_input: job.falInput ? JSON.stringify(job.falInput) : null,
            state_kind: "pending",
            state: JSON.stringify({ kind: "pending" } satisfies JobState),
            fal_request_id: null,
            reroll_of: job.rerollOf ?? null,
            guild_id: job.origin.guildId,
            user_id: job.origin.userId,
            num_images: job.settings.numImages,
            speed: job.settings.speed,
            character_id: job.characterId ?? null,
            delivery: null,
            owner: null,
            lease_until: null,
          })
          .execute();
        return mustRead(trx, job.id);
      });
    },
    get: (id) => read(db, id),
    async setFalInput(id, input) {
      await db.updateTable("jobs").set({ fal_input: JSON.stringify(input), updated_at: now() }).where("id", "=", id).execute();
    },
    async transition(id, state: JobState): Promise<Job> {
      // Read, check and write in one transaction, the row locked on PostgreSQL: of two processes
      // moving a job out of a state at once, the second sees the first's move and is refused.
      return db.transaction().execute(async (trx) => {
        const current = await mustRead(trx, id, true);
        if (!canTransition(current.state.kind, state.kind)) {
          throw new Error(`job ${id}: cannot go from ${current.state.kind} to ${state.kind}`);
        }
        const requestId = "requestId" in state ? (state.requestId ?? null) : null;
        await trx
          .updateTable("jobs")
          .set((eb) => ({
            state_kind: state.kind,
            state: JSON.stringify(state),
            fal_request_id: eb.fn.coalesce(eb.val(requestId), eb.ref("fal_request_id")),
            updated_at: now(),
          }))
          .where("id", "=", id)
          .execute();
        return mustRead(trx, id);
      });
    },
    async setDelivery(id, plan: DeliveryPlan) {
      const messageIds = plan.parts.flatMap((part) => (part.messageId ? [part.messageId] : []));
      await db
        .updateTable("jobs")
        .set({ delivery: JSON.stringify(plan), message_ids: JSON.stringify(messageIds), updated_at: now() })
        .where("id", "=", id)
        .execute();
    },
    async unfinished() {
      const rows = await db.selectFrom("jobs").selectAll().where("state_kind", "not in", FINAL_KINDS).orderBy("created_at").orderBy("id").execute();
      return rows.map(fromRow);
    },
    async healthy() {
      try {
        await db.selectNoFrom((eb) => eb.lit(1).as("ok")).execute();
        return true;
      } catch {
        return false;
      }
    },
    close: closeDatabase,
  };
}

function fromRow(row: JobRow): Job {
  return {
    id: row.id,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    origin: JSON.parse(row.origin) as Job["origin"],
    settings: JSON.parse(row.settings) as Job["settings"],
    falInput: row.fal_input ? (JSON.parse(row.fal_input) as Job["falInput"]) : null,
    state: JSON.parse(row.state) as JobState,
    rerollOf: row.reroll_of,
    messageIds: JSON.parse(row.message_ids) as string[],
    delivery: row.delivery ? (JSON.parse(row.delivery) as DeliveryPlan) : null,
  };
}
