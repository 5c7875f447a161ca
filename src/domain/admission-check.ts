import type { AdmissionCheck } from "../store/job-store.js";
import type { Prices } from "./pricing.js";
import { checkUsage, startOfUtcDay, startOfUtcMonth, type ServerSettings } from "./server-policy.js";

/** Who asks for a generation in which server, and what it would cost. */
export interface AdmissionRequest {
  guildId: string;
  userId: string;
  /** The images the member gets, and what the job costs (every step at its endpoint's price). */
  generation: { numImages: number; costUsd: number };
}

/**
 * The server's budgets (member images today, spend this month) as a check the job store runs
 * in the transaction that writes the job, so the usage it reads cannot change before the row
 * is written. Only the usage a set budget needs is read. `now` is fixed when the request
 * arrives, so the day and month counted are the ones the member was told about.
 */
export function admissionCheck(settings: ServerSettings, request: AdmissionRequest, prices: Prices, now: Date): AdmissionCheck {
  return async (usage) => {
    const { guildId, userId, generation } = request;
    const memberImagesToday = settings.dailyImageLimit === undefined ? 0 : await usage.memberImagesSince(guildId, userId, startOfUtcDay(now));
    const serverSpendThisMonthUsd = settings.monthlySpendCapUsd === undefined ? 0 : await usage.spendSince(guildId, startOfUtcMonth(now), prices);
    checkUsage(settings, generation, { memberImagesToday, serverSpendThisMonthUsd }, now);
  };
}
