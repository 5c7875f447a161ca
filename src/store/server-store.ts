import type { ServerSettings } from "../domain/server-policy.js";
import type { PriceTable } from "../domain/pricing.js";

export interface MemberUsage {
  userId: string;
  images: number;
  spendUsd: number;
}

export interface DayUsage {
  day: string; // YYYY-MM-DD, UTC
  images: number;
  spendUsd: number;
}

/**
 * Server settings, and usage summed from the job rows. A job counts from the moment it
 * is written (so parallel requests cannot overrun a limit) unless it ended before fal
 * ever saw it (failed or cancelled with no fal request id): those cost nothing.
 */
export interface ServerStore {
  settings(guildId: string): Promise<ServerSettings>;
  saveSettings(guildId: string, settings: ServerSettings): Promise<void>;
  memberImagesSince(guildId: string, userId: string, since: number): Promise<number>;
  spendSince(guildId: string, since: number, prices: PriceTable): Promise<number>;
  usageByMemberSince(guildId: string, since: number, prices: PriceTable): Promise<MemberUsage[]>;
  usageByDaySince(guildId: string, since: number, prices: PriceTable): Promise<DayUsage[]>;
}
