import { sql, type Kysely } from "kysely";
import type { JobKind } from "../../domain/fal-endpoints.js";
import type { Speed } from "../../domain/fal-enums.js";
import type { Prices } from "../../domain/pricing.js";
import type { Database } from "./schema.js";

/**
 * Usage summed from the job rows, on any executor (the database, or a transaction: the
 * admission check of JobStore.create reads through the transaction that writes the job).
 */

/** Jobs that may have cost money: everything except those that ended before reaching fal. */
const chargeable = sql<boolean>`NOT (state_kind IN ('failed', 'cancelled') AND fal_request_id IS NULL)`;

const MS_PER_DAY = 86_400_000;

export interface UsageTotal {
  images: number;
  spendUsd: number;
}

interface SpeedRow {
  key: string | number;
  speed: string | null;
  // SUM over an INTEGER column: bigint on PostgreSQL, parsed as a number by our pool; Number() in case.
  images: number | string | null;
  /** The stored costs (every step at its endpoint's price when the job was made). */
  cost: number | string | null;
  /** Images of rows from before costs were stored: priced now, by speed, at the character endpoint's price. */
  unpriced: number | string | null;
}

/** The sums every usage query selects beside its key and speed. */
const sums = [
  sql<number | string | null>`SUM(num_images)`.as("images"),
  sql<number | string | null>`SUM(cost_usd)`.as("cost"),
  sql<number | string | null>`SUM(CASE WHEN cost_usd IS NULL THEN num_images ELSE 0 END)`.as("unpriced"),
];

export async function memberImagesSince(db: Kysely<Database>, guildId: string, userId: string, since: number): Promise<number> {
  const row = await db
    .selectFrom("jobs")
    .select((eb) => eb.fn.sum<number | string | null>("num_images").as("n"))
    .where("rules_guild_id", "=", guildId)
    .where("user_id", "=", userId)
    .where("created_at", ">=", since)
    .where(chargeable)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function spendSince(db: Kysely<Database>, guildId: string, since: number, prices: Prices): Promise<number> {
  const rows = await db
    .selectFrom("jobs")
    .select([sql.lit("").as("key"), "speed", ...sums])
    .where("rules_guild_id", "=", guildId)
    .where("created_at", ">=", since)
    .where(chargeable)
    .groupBy("speed")
    .execute();
  return totals(rows, prices).get("")?.spendUsd ?? 0;
}

/**
 * A member's images made where no server's settings applied (DMs, user installs), across every
 * place: what USER_DAILY_IMAGES counts.
 */
export async function memberImagesOutsideServersSince(db: Kysely<Database>, userId: string, since: number): Promise<number> {
  const row = await db
    .selectFrom("jobs")
    .select((eb) => eb.fn.sum<number | string | null>("num_images").as("n"))
    .where("rules_guild_id", "is", null)
    .where("user_id", "=", userId)
    .where("created_at", ">=", since)
    .where(chargeable)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** What every job since `since` cost, everywhere (all servers, DMs, user installs): what GLOBAL_DAILY_CAP_USD counts. */
export async function totalSpendSince(db: Kysely<Database>, since: number, prices: Prices): Promise<number> {
  const rows = await db
    .selectFrom("jobs")
    .select([sql.lit("").as("key"), "speed", ...sums])
    .where("created_at", ">=", since)
    .where(chargeable)
    .groupBy("speed")
    .execute();
  return totals(rows, prices).get("")?.spendUsd ?? 0;
}

export async function usageByMemberSince(db: Kysely<Database>, guildId: string, since: number, prices: Prices) {
  const rows = await db
    .selectFrom("jobs")
    .select((eb) => [eb.fn.coalesce("user_id", sql.lit("")).as("key"), "speed", ...sums])
    .where("rules_guild_id", "=", guildId)
    .where("created_at", ">=", since)
    .where(chargeable)
    .groupBy(["user_id", "speed"])
    .execute();
  return [...totals(rows, prices)].map(([userId, total]) => ({ userId, ...total })).sort((a, b) => b.spendUsd - a.spendUsd);
}

/** Per UTC day: grouped by whole days since the epoch (integer division on both dialects), named in JS. */
export async function usageByDaySince(db: Kysely<Database>, guildId: string, since: number, prices: Prices) {
  const day = sql<number>`created_at / ${sql.lit(MS_PER_DAY)}`;
  const rows = await db
    .selectFrom("jobs")
    .select([day.as("key"), "speed", ...sums])
    .where("rules_guild_id", "=", guildId)
    .where("created_at", ">=", since)
    .where(chargeable)
    .groupBy([day, "speed"])
    .orderBy(day)
    .execute();
  return [...totals(rows, prices)].map(([key, total]) => ({ day: new Date(Number(key) * MS_PER_DAY).toISOString().slice(0, 10), ...total }));
}

/**
 * Per kind of job (imagine, edit, remix, upscale, duo), for the whole server or one member
 * (`userId`); most spent first. Every kind counts at the cost stored with its jobs.
 */
export async function usageByKindSince(db: Kysely<Database>, guildId: string, since: number, prices: Prices, userId?: string) {
  const rows = await db
    .selectFrom("jobs")
    .select(["kind as key", "speed", ...sums])
    .where("rules_guild_id", "=", guildId)
    .$if(userId !== undefined, (query) => query.where("user_id", "=", userId!))
    .where("created_at", ">=", since)
    .where(chargeable)
    .groupBy(["kind", "speed"])
    .execute();
  return [...totals(rows, prices)].map(([kind, total]) => ({ kind: kind as JobKind, ...total })).sort((a, b) => b.spendUsd - a.spendUsd || (a.kind < b.kind ? -1 : 1));
}

/** Folds (key, speed, sums) rows into per-key totals of images and dollars, keys in row order. */
function totals(rows: SpeedRow[], prices: Prices): Map<string, UsageTotal> {
  const byKey = new Map<string, UsageTotal>();
  for (const row of rows) {
    const key = String(row.key);
    const entry = byKey.get(key) ?? { images: 0, spendUsd: 0 };
    entry.images += Number(row.images ?? 0);
    entry.spendUsd += Number(row.cost ?? 0) + Number(row.unpriced ?? 0) * (row.speed ? prices.character[row.speed as Speed] : 0);
    byKey.set(key, entry);
  }
  return byKey;
}
