import type { PriceTable } from "../domain/pricing.js";
import type { ServerSettings } from "../domain/server-policy.js";
import type { Speed } from "../domain/fal-enums.js";
import type { Db } from "./database.js";
import type { DayUsage, MemberUsage, ServerStore } from "./server-store.js";

/** Jobs that may have cost money: everything except those that ended before reaching fal. */
const CHARGEABLE = "NOT (state_kind IN ('failed', 'cancelled') AND fal_request_id IS NULL)";

interface UsageRow {
  key: string;
  speed: Speed | null;
  images: number;
}

/** Server settings (one JSON row per server) and usage queries over the jobs table. */
export function createSqliteServerStore(db: Db): ServerStore {
  db.exec("CREATE TABLE IF NOT EXISTS server_settings (guild_id TEXT PRIMARY KEY, settings TEXT NOT NULL)");
  const select = db.prepare<[string], { settings: string }>("SELECT settings FROM server_settings WHERE guild_id = ?");
  const upsert = db.prepare("INSERT INTO server_settings (guild_id, settings) VALUES (?, ?) ON CONFLICT (guild_id) DO UPDATE SET settings = excluded.settings");
  const memberImages = db.prepare<[string, string, number], { n: number | null }>(
    `SELECT SUM(num_images) AS n FROM jobs WHERE guild_id = ? AND user_id = ? AND created_at >= ? AND ${CHARGEABLE}`,
  );
  const bySpeed = db.prepare<[string, number], UsageRow>(
    `SELECT '' AS key, speed, SUM(num_images) AS images FROM jobs WHERE guild_id = ? AND created_at >= ? AND ${CHARGEABLE} GROUP BY speed`,
  );
  const byMember = db.prepare<[string, number], UsageRow>(
    `SELECT user_id AS key, speed, SUM(num_images) AS images FROM jobs WHERE guild_id = ? AND created_at >= ? AND ${CHARGEABLE} GROUP BY user_id, speed`,
  );
  const byDay = db.prepare<[string, number], UsageRow>(
    `SELECT strftime('%Y-%m-%d', created_at / 1000, 'unixepoch') AS key, speed, SUM(num_images) AS images
     FROM jobs WHERE guild_id = ? AND created_at >= ? AND ${CHARGEABLE} GROUP BY key, speed ORDER BY key`,
  );

  /** Folds (key, speed, images) rows into per-key totals of images and dollars. */
  const totals = (rows: UsageRow[], prices: PriceTable) => {
    const byKey = new Map<string, { images: number; spendUsd: number }>();
    for (const row of rows) {
      const entry = byKey.get(row.key) ?? { images: 0, spendUsd: 0 };
      entry.images += row.images;
      entry.spendUsd += row.images * (row.speed ? prices[row.speed] : 0);
      byKey.set(row.key, entry);
    }
    return byKey;
  };

  return {
    async settings(guildId) {
      const row = select.get(guildId);
      return row ? (JSON.parse(row.settings) as ServerSettings) : {};
    },
    async saveSettings(guildId, settings) {
      upsert.run(guildId, JSON.stringify(settings));
    },
    async memberImagesSince(guildId, userId, since) {
      return memberImages.get(guildId, userId, since)?.n ?? 0;
    },
    async spendSince(guildId, since, prices) {
      return totals(bySpeed.all(guildId, since), prices).get("")?.spendUsd ?? 0;
    },
    async usageByMemberSince(guildId, since, prices): Promise<MemberUsage[]> {
      return [...totals(byMember.all(guildId, since), prices)].map(([userId, t]) => ({ userId, ...t })).sort((a, b) => b.spendUsd - a.spendUsd);
    },
    async usageByDaySince(guildId, since, prices): Promise<DayUsage[]> {
      return [...totals(byDay.all(guildId, since), prices)].map(([day, t]) => ({ day, ...t }));
    },
  };
}
