import type { AdmissionCheck } from "../store/job-store.js";
import { checkGlobalSpend, checkOutsideServerImages, type OperatorLimits } from "./operator-limits.js";
import type { Prices } from "./pricing.js";
import { checkUsage, startOfUtcDay, startOfUtcMonth, type ServerSettings } from "./server-policy.js";

/** Who asks for a generation, where, and what it would cost. */
export interface AdmissionRequest {
  /** The server whose settings apply (InstallContext.serverId); null outside servers (DMs, user installs). */
  serverId: string | null;
  userId: string;
  /** The images the member gets, and what the job costs (every step at its endpoint's price). */
  generation: { numImages: number; costUsd: number };
}

/**
 * The budgets as a check the job store runs in the transaction that writes the job, so the usage
 * it reads cannot change before the row is written: in a server, its budgets (member images
 * today, spend this month); outside servers, the member's own daily images (USER_DAILY_IMAGES);
 * everywhere, the operator's global daily cap. Only the usage a set limit needs is read. `now` is
 * fixed when the request arrives, so the day and month counted are the ones the member was told about.
 */
export function admissionCheck(settings: ServerSettings, request: AdmissionRequest, limits: OperatorLimits, prices: Prices, now: Date): AdmissionCheck {
  const check = async (usage: Parameters<AdmissionCheck>[0]): Promise<void> => {
    const { serverId, userId, generation } = request;
    const today = startOfUtcDay(now);
    if (serverId !== null) {
      const memberImagesToday = settings.dailyImageLimit === undefined ? 0 : await usage.memberImagesSince(serverId, userId, today);
      const serverSpendThisMonthUsd = settings.monthlySpendCapUsd === undefined ? 0 : await usage.spendSince(serverId, startOfUtcMonth(now), prices);
      checkUsage(settings, generation, { memberImagesToday, serverSpendThisMonthUsd }, now);
    } else {
      checkOutsideServerImages(limits, generation, await usage.memberImagesOutsideServersSince(userId, today), now);
    }
    if (limits.globalDailyCapUsd !== undefined) checkGlobalSpend(limits, generation, await usage.totalSpendSince(today, prices), now);
  };
  // The store serializes creations everywhere only when the check reads everyone's spend.
  return Object.assign(check, { readsGlobalSpend: limits.globalDailyCapUsd !== undefined });
}
