import { UserFacingError } from "./errors.js";
import { formatDollars } from "./pricing.js";
import { describeReset, nextUtcMidnight } from "./server-policy.js";

/** The operator's limits (config), which no server's settings replace. */
export interface OperatorLimits {
  /** Images a member may make per UTC day where no server's settings apply (USER_DAILY_IMAGES). */
  userDailyImages: number;
  /** Dollars StoryCast may spend per UTC day across everything (GLOBAL_DAILY_CAP_USD); undefined: no cap. */
  globalDailyCapUsd: number | undefined;
}

/**
 * The member's images today outside servers: checked where no server's settings apply (a
 * server's own daily limit, or none, decides there). Throws a UserFacingError naming the limit
 * and when it resets.
 */
export function checkOutsideServerImages(limits: OperatorLimits, request: { numImages: number }, imagesToday: number, now: Date): void {
  if (imagesToday + request.numImages <= limits.userDailyImages) return;
  const left = Math.max(0, limits.userDailyImages - imagesToday);
  throw new UserFacingError(
    `Daily limit reached: outside the servers that added StoryCast, members may make ${limits.userDailyImages} images a day; you have made ${imagesToday} today` +
      `${left > 0 ? ` and have ${left} left` : ""}. It resets ${describeReset(nextUtcMidnight(now), now)}.`,
  );
}

/** StoryCast's spend today everywhere plus this request against the operator's cap (none set: nothing to check). */
export function checkGlobalSpend(limits: OperatorLimits, request: { costUsd: number }, spentTodayUsd: number, now: Date): void {
  const cap = limits.globalDailyCapUsd;
  // A millionth of a dollar of slack: sums of prices like $0.03 carry binary rounding, and a cap
  // met exactly must admit.
  if (cap === undefined || spentTodayUsd + request.costUsd <= cap + 1e-6) return;
  throw new UserFacingError(
    `StoryCast has reached today's spending limit set by its operator: ${formatDollars(spentTodayUsd)} of ${formatDollars(cap)} spent, ` +
      `and this request would cost ${formatDollars(request.costUsd)}. It resets ${describeReset(nextUtcMidnight(now), now)}.`,
  );
}
