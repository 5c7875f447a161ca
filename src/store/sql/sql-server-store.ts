import type { Kysely } from "kysely";
import type { ServerSettings } from "../../domain/server-policy.js";
import type { ServerStore } from "../server-store.js";
import type { Database } from "./schema.js";
import { memberImagesSince, spendSince, usageByDaySince, usageByMemberSince } from "./usage-queries.js";

/** Server settings (one JSON row per server) and usage summed over the jobs table. */
export function createSqlServerStore(db: Kysely<Database>): ServerStore {
  return {
    async settings(guildId) {
      const row = await db.selectFrom("server_settings").select("settings").where("guild_id", "=", guildId).executeTakeFirst();
      return row ? (JSON.parse(row.settings) as ServerSettings) : {};
    },
    async saveSettings(guildId, settings) {
      const json = JSON.stringify(settings);
      await db
        .insertInto("server_settings")
        .values({ guild_id: guildId, settings: json })
        .onConflict((conflict) => conflict.column("guild_id").doUpdateSet({ settings: json }))
        .execute();
    },
    memberImagesSince: (guildId, userId, since) => memberImagesSince(db, guildId, userId, since),
    spendSince: (guildId, since, prices) => spendSince(db, guildId, since, prices),
    usageByMemberSince: (guildId, since, prices) => usageByMemberSince(db, guildId, since, prices),
    usageByDaySince: (guildId, since, prices) => usageByDaySince(db, guildId, since, prices),
  };
}
