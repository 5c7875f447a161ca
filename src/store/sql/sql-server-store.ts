import type { Kysely } from "kysely";
import type { ServerSettings } from "../../domain/server-policy.js";
import type { ServerStore } from "../server-store.js";
import { LockSpace, lockForTransaction } from "./advisory-lock.js";
import type { Database, SqlDialectName } from "./schema.js";
import { memberImagesOutsideServersSince, memberImagesSince, spendSince, totalSpendSince, usageByDaySince, usageByKindSince, usageByMemberSince } from "./usage-queries.js";

/** Server settings (one JSON row per server) and usage summed over the jobs table. */
export function createSqlServerStore(db: Kysely<Database>, dialect: SqlDialectName): ServerStore {
  const read = async (on: Kysely<Database>, guildId: string): Promise<ServerSettings> => {
    const row = await on.selectFrom("server_settings").select("settings").where("guild_id", "=", guildId).executeTakeFirst();
    return row ? (JSON.parse(row.settings) as ServerSettings) : {};
  };
  const write = async (on: Kysely<Database>, guildId: string, settings: ServerSettings): Promise<void> => {
    const json = JSON.stringify(settings);
    await on
      .insertInto("server_settings")
      .values({ guild_id: guildId, settings: json })
      .onConflict((conflict) => conflict.column("guild_id").doUpdateSet({ settings: json }))
      .execute();
  };
  return {
    settings: (guildId) => read(db, guildId),
    saveSettings: (guildId, settings) => write(db, guildId, settings),
    async updateSettings(guildId, change) {
      return db.transaction().execute(async (trx) => {
        // PostgreSQL: updaters of one server queue on an advisory lock (a row lock would not exist
        // yet for a server that never saved settings). SQLite: the transaction already excludes
        // every other query of the one process (see open-sql-database.ts).
        if (dialect === "postgres") await lockForTransaction(trx, LockSpace.serverSettings, guildId);
        const next = change(await read(trx, guildId));
        await write(trx, guildId, next);
        return next;
      });
    },
    memberImagesSince: (guildId, userId, since) => memberImagesSince(db, guildId, userId, since),
    spendSince: (guildId, since, prices) => spendSince(db, guildId, since, prices),
    memberImagesOutsideServersSince: (userId, since) => memberImagesOutsideServersSince(db, userId, since),
    totalSpendSince: (since, prices) => totalSpendSince(db, since, prices),
    usageByMemberSince: (guildId, since, prices) => usageByMemberSince(db, guildId, since, prices),
    usageByDaySince: (guildId, since, prices) => usageByDaySince(db, guildId, since, prices),
    usageByKindSince: (guildId, since, prices, userId) => usageByKindSince(db, guildId, since, prices, userId),
  };
}
