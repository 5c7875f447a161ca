import type { ServerSettings } from "../domain/server-policy.js";
import type { JobKind } from "../domain/fal-endpoints.js";
import type { Prices } from "../domain/pricing.js";

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

/** Use of one kind of job (what GenerationSettings.kind names; rows without one are imagine). */
export interface KindUsage {
  kind: JobKind;
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
  /** Replaces the server's settings wholesale (copying a deployment, tests); a change from what is there goes through updateSettings. */
  saveSettings(guildId: string, settings: ServerSettings): Promise<void>;
  /**
   * Reads the settings, applies `change` and writes the result, atomically: an update by another
   * process waits for this one and then sees what it wrote, so two admins saving different settings
   * at once both keep theirs. `change` runs inside the transaction (keep it quick, no I/O); if it
   * throws, nothing is written and the error comes out as thrown. Resolves with what was saved.
   */
  updateSettings(guildId: string, change: (current: ServerSettings) => ServerSettings): Promise<ServerSettings>;
  // A server's usage (the next two and the usageBy… reports) counts the jobs its rules applied to
  // (NewJob.rulesServerId): a control pressed in a DM on one of its results counts for it; a
  // member's own install in it, where its settings did not apply, does not.
  memberImagesSince(guildId: string, userId: string, since: number): Promise<number>;
  spendSince(guildId: string, since: number, prices: Prices): Promise<number>;
  /** A member's images made where no server's settings applied (DMs, user installs), wherever that was. */
  memberImagesOutsideServersSince(userId: string, since: number): Promise<number>;
  /** What every job cost since `since`, in every server, DM and user install. */
  totalSpendSince(since: number, prices: Prices): Promise<number>;
  usageByMemberSince(guildId: string, since: number, prices: Prices): Promise<MemberUsage[]>;
  usageByDaySince(guildId: string, since: number, prices: Prices): Promise<DayUsage[]>;
  /** Usage per kind of job (the whole server's, or one member's with `userId`), most spent first. */
  usageByKindSince(guildId: string, since: number, prices: Prices, userId?: string): Promise<KindUsage[]>;
}
