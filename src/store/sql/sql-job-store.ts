import type { Kysely, Selectable, UpdateObject } from "kysely";
import type { DeliveryPlan, Job, JobPipeline } from "../../domain/job.js";
import { ALL_STATE_KINDS, canTransition, isFinal, type JobState, type JobStateKind } from "../../domain/job-state.js";
import { LeaseLostError, type AdmissionCheck, type FalLinePlace, type JobStore, type NewJob, type UsageReader } from "../job-store.js";
import { createKeyedQueue } from "../../util/keyed-queue.js";
import { LockSpace, lockForTransaction } from "./advisory-lock.js";
import type { Database, JobsTable, SqlDialectName } from "./schema.js";
import { memberImagesOutsideServersSince, memberImagesSince, spendSince, totalSpendSince } from "./usage-queries.js";

type JobRow = Selectable<JobsTable>;

const FINAL_KINDS = ALL_STATE_KINDS.filter(isFinal);
/** States in which a job holds its place at fal (pending ones only once granted: fal_slot_at set). */
const AT_FAL_KINDS: JobStateKind[] = ["submitting", "queued"];

export interface LeaseOptions {
  /** This process's identity, unique per start. */
  owner: string;
  /** How long a lease lasts without renewal. */
  leaseMs: number;
}

/**
 * Jobs over Kysely, the same code for SQLite and PostgreSQL. `close()` closes the whole
 * database (every store opened on it), as the SQLite store did.
 */
export function createSqlJobStore(
  db: Kysely<Database>,
  dialect: SqlDialectName,
  now: () => number,
  closeDatabase: () => Promise<void>,
  lease: LeaseOptions,
): JobStore {
  const { owner, leaseMs } = lease;
  const queue = createKeyedQueue();
  /** The jobs this store holds, with the fencing token of its claim. */
  const held = new Map<string, number>();
  const holdRows = (rows: JobRow[]): Job[] => {
    for (const row of rows) held.set(row.id, row.fence);
    return rows.map(fromRow).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  };
  /** Throws unless this store holds the job under the claim recorded in `row`. */
  const checkHeld = (id: string, row: { owner: string | null; fence: number } | undefined): void => {
    if (!row || row.owner !== owner || row.fence !== held.get(id)) {
      held.delete(id);
      throw new LeaseLostError(id);
    }
  };
  /** An UPDATE of one held job: only under this store's claim, else LeaseLostError. */
  const fencedUpdate = async (id: string, values: UpdateObject<Database, "jobs">): Promise<void> => {
    const fence = held.get(id);
    if (fence === undefined) throw new LeaseLostError(id);
    const result = await db.updateTable("jobs").set(values).where("id", "=", id).where("owner", "=", owner).where("fence", "=", fence).executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) {
      held.delete(id);
      throw new LeaseLostError(id);
    }
  };
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
  /** Reads a job this store holds, its row locked on PostgreSQL for the rest of the transaction (LeaseLostError if not held). */
  const readHeldForUpdate = async (trx: Kysely<Database>, id: string): Promise<Job> => {
    const row = await trx
      .selectFrom("jobs")
      .selectAll()
      .where("id", "=", id)
      .$if(dialect === "postgres", (query) => query.forUpdate())
      .executeTakeFirst();
    if (!row) throw new Error(`job ${id} not found`);
    checkHeld(id, row);
    return fromRow(row);
  };
  const mustRead = async (executor: Kysely<Database>, id: string, forUpdate = false): Promise<Job> => {
    const job = await read(executor, id, forUpdate);
    if (!job) throw new Error(`job ${id} not found`);
    return job;
  };

  return {
    async create(job: NewJob, admit?: AdmissionCheck): Promise<Job> {
      const rulesServerId = job.rulesServerId === undefined ? job.origin.guildId : job.rulesServerId;
      // The budgets that can apply are the rules' server's, or outside servers the member's own.
      const scope = rulesServerId !== null ? `guild:${rulesServerId}` : `user:${job.origin.userId}`;
      const global = admit?.readsGlobalSpend === true;
      // With a check on PostgreSQL, this process's creations for one scope (every creation, under
      // a global cap) take turns before they take a connection (they would only wait for the same lock there).
      const turnKey = global ? "admit:global" : `admit:${scope}`;
      const inTurn = admit && dialect === "postgres" ? <T,>(task: () => Promise<T>) => queue(turnKey, task) : <T,>(task: () => Promise<T>) => task();
      return inTurn(() => db.transaction().execute(async (trx) => {
        if (admit) {
          // SQLite needs no lock: the one connection is held for the whole transaction (see
          // open-sql-database.ts). So `admit` must read through the reader it is given: a query on
          // another store would wait for that connection forever.
          if (dialect === "postgres") {
            // Under a global cap every creation reads everyone's spend: they all queue here first.
            // Always global before the scope's lock, in every process, so no two wait for each other.
            if (global) await lockForTransaction(trx, LockSpace.globalSpend, "global-spend");
            // Creations for one server (or one member's DMs) queue here, in every process. Under
            // READ COMMITTED each query after the lock sees what the previous holders committed,
            // so the check counts every job admitted before it. A DM has no server: the member's key.
            await lockForTransaction(trx, LockSpace.admission, scope);
          }
          const reader: UsageReader = {
            memberImagesSince: (guildId, userId, since) => memberImagesSince(trx, guildId, userId, since),
            spendSince: (guildId, since, prices) => spendSince(trx, guildId, since, prices),
            memberImagesOutsideServersSince: (userId, since) => memberImagesOutsideServersSince(trx, userId, since),
            totalSpendSince: (since, prices) => totalSpendSince(trx, since, prices),
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
            cost_usd: job.costUsd ?? null,
            rules_guild_id: rulesServerId,
            kind: job.settings.kind ?? "imagine",
            pipeline: job.pipeline ? JSON.stringify(job.pipeline) : null,
            delivery: null,
            owner,
            lease_until: at + leaseMs,
            fence: 1,
          })
          .execute();
        return mustRead(trx, job.id);
      })).then((created) => {
        held.set(created.id, 1);
        return created;
      });
    },
    get: (id) => read(db, id),
    async setFalInput(id, input, pipeline) {
      await fencedUpdate(id, { fal_input: JSON.stringify(input), ...(pipeline ? { pipeline: JSON.stringify(pipeline) } : {}), updated_at: now() });
    },
    async advanceStep(id, finished, nextInput): Promise<Job> {
      // Checked and written in one transaction, like transition: of two writers only one moves the step on.
      return db.transaction().execute(async (trx) => {
        const current = await readHeldForUpdate(trx, id);
        const pipeline = current.pipeline;
        if (current.state.kind !== "queued" || !pipeline || pipeline.step >= pipeline.steps) {
          throw new Error(`job ${id}: cannot move on from ${current.state.kind} at step ${pipeline?.step ?? 1} of ${pipeline?.steps ?? 1}`);
        }
        // The step finished must be the one the row is following: a late writer holding an older
        // step's result (or another request's) must not record it as this step's.
        if (current.state.requestId !== finished.requestId) {
          throw new Error(`job ${id}: cannot move on with request ${finished.requestId}: step ${pipeline.step} is request ${current.state.requestId}`);
        }
        const next = { ...pipeline, step: pipeline.step + 1, done: [...pipeline.done, finished] };
        await trx
          .updateTable("jobs")
          .set({
            state_kind: "pending",
            state: JSON.stringify({ kind: "pending" } satisfies JobState),
            fal_input: JSON.stringify(nextInput),
            pipeline: JSON.stringify(next),
            updated_at: now(),
          })
          .where("id", "=", id)
          .execute();
        return mustRead(trx, id);
      });
    },
    async transition(id, state: JobState): Promise<Job> {
      // Read, check and write in one transaction, the row locked on PostgreSQL: of two processes
      // moving a job out of a state at once, the second sees the first's move and is refused.
      return db.transaction().execute(async (trx) => {
        const current = await readHeldForUpdate(trx, id);
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
      await fencedUpdate(id, { delivery: JSON.stringify(plan), message_ids: JSON.stringify(messageIds), updated_at: now() });
    },
    async unfinished() {
      const rows = await db.selectFrom("jobs").selectAll().where("state_kind", "not in", FINAL_KINDS).orderBy("created_at").orderBy("id").execute();
      return rows.map(fromRow);
    },
    owner,
    async claimOrphans(limit, options = {}) {
      const at = now();
      const orphans = db
        .selectFrom("jobs")
        .select("id")
        .where("state_kind", "not in", FINAL_KINDS)
        .where((eb) =>
          options.everything
            ? eb.or([eb("owner", "is", null), eb("owner", "!=", owner)])
            : eb.or([eb("owner", "is", null), eb("lease_until", "is", null), eb("lease_until", "<", at)]),
        )
        .orderBy("created_at")
        .orderBy("id")
        .limit(limit)
        // Two processes scanning at once split the orphans instead of waiting on each other's rows.
        .$if(dialect === "postgres", (query) => query.forUpdate().skipLocked());
      const rows = await db
        .updateTable("jobs")
        .set((eb) => ({ owner, lease_until: at + leaseMs, fence: eb("fence", "+", 1) }))
        .where("id", "in", orphans)
        .returningAll()
        .execute();
      return holdRows(rows);
    },
    async takeOver(id, kinds) {
      const rows = await db
        .updateTable("jobs")
        .set((eb) => ({ owner, lease_until: now() + leaseMs, fence: eb("fence", "+", 1) }))
        .where("id", "=", id)
        .where("state_kind", "in", [...kinds])
        .returningAll()
        .execute();
      return holdRows(rows)[0];
    },
    holds: (id) => held.has(id),
    async renewLeases() {
      if (held.size === 0) return [];
      await db
        .updateTable("jobs")
        .set({ lease_until: now() + leaseMs })
        .where("owner", "=", owner)
        .where("state_kind", "not in", FINAL_KINDS)
        .execute();
      const ids = [...held.keys()];
      const rows = await db.selectFrom("jobs").select(["id", "owner", "fence", "state_kind"]).where("id", "in", ids).execute();
      const byId = new Map(rows.map((row) => [row.id, row]));
      const lost: string[] = [];
      for (const id of ids) {
        const row = byId.get(id);
        if (row && (row.owner !== owner || row.fence !== held.get(id))) lost.push(id);
        // A finished job (or one gone) needs no lease: stop tracking it.
        if (!row || row.owner !== owner || row.fence !== held.get(id) || isFinal(row.state_kind as JobStateKind)) held.delete(id);
      }
      return lost;
    },
    async releaseLeases() {
      held.clear();
      await db.updateTable("jobs").set({ owner: null, lease_until: null }).where("owner", "=", owner).execute();
    },
    async enterFal(id, cap): Promise<FalLinePlace> {
      // One at a time per process before the deployment-wide lock, as for creations above.
      return queue("fal-line", () => db.transaction().execute(async (trx) => {
        // One line for the whole deployment: every process's check-and-grant queues here.
        if (dialect === "postgres") await lockForTransaction(trx, LockSpace.falLine, "fal");
        const at = now();
        const me = await trx.selectFrom("jobs").select(["owner", "fence", "waiting_since", "fal_slot_at"]).where("id", "=", id).executeTakeFirst();
        checkHeld(id, me);
        if (me!.fal_slot_at !== null) return { granted: true };
        const since = me!.waiting_since ?? at;
        if (me!.waiting_since === null) await trx.updateTable("jobs").set({ waiting_since: since }).where("id", "=", id).execute();
        const inUse = await trx
          .selectFrom("jobs")
          .select((eb) => eb.fn.countAll<number | string>().as("n"))
          .where((eb) => eb.or([eb("state_kind", "in", AT_FAL_KINDS), eb.and([eb("state_kind", "=", "pending"), eb("fal_slot_at", "is not", null)])]))
          .executeTakeFirstOrThrow();
        // Jobs that waited longer, of live processes only: a dead process's waiting jobs hold
        // nobody up (they rejoin the line when another process takes them over).
        const ahead = await trx
          .selectFrom("jobs")
          .select((eb) => eb.fn.countAll<number | string>().as("n"))
          .where("state_kind", "=", "pending")
          .where("fal_slot_at", "is", null)
          .where("lease_until", ">=", at)
          .where((eb) => eb.or([eb("waiting_since", "<", since), eb.and([eb("waiting_since", "=", since), eb("id", "<", id)])]))
          .executeTakeFirstOrThrow();
        const [used, before] = [Number(inUse.n), Number(ahead.n)];
        if (used + before < cap) {
          await trx.updateTable("jobs").set({ fal_slot_at: at }).where("id", "=", id).execute();
          return { granted: true };
        }
        return { granted: false, position: before + 1 };
      }));
    },
    async leaveFalLine(id) {
      await db.updateTable("jobs").set({ waiting_since: null }).where("id", "=", id).where("fal_slot_at", "is", null).execute();
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
    pipeline: row.pipeline ? (JSON.parse(row.pipeline) as JobPipeline) : null,
    costUsd: row.cost_usd === null ? null : Number(row.cost_usd),
    rerollOf: row.reroll_of,
    messageIds: JSON.parse(row.message_ids) as string[],
    delivery: row.delivery ? (JSON.parse(row.delivery) as DeliveryPlan) : null,
    rulesServerId: row.rules_guild_id,
  };
}
