import type { AppContext } from "../app-context.js";
import { quoteFor } from "../domain/cost-quote.js";
import type { GenerationSettings } from "../domain/imagine-request.js";
import { generationOf } from "../domain/pricing.js";
import type { ServerSettings } from "../domain/server-policy.js";
import { confirmCost } from "./confirm-cost.js";
import { checkMayUseHere, precheckPolicy } from "./policy-gate.js";
import type { JobInteraction } from "./record-job.js";

/**
 * The price offer of every paid path (confirm-cost.ts), made only for a request the rules and
 * budgets would let through as they stand now: a member over a limit is told so at once instead
 * of being asked to accept a price first. Resolves true when the job may go on to enforcePolicy,
 * which checks again, bindingly, where the job is written.
 */
export async function offerPrice(interaction: JobInteraction, ctx: AppContext, server: ServerSettings, settings: GenerationSettings, rulesFrom?: string): Promise<boolean> {
  // Every paid path comes here first: a member who may not use StoryCast here is told so, not asked to pay.
  checkMayUseHere(interaction, ctx);
  const { prices } = ctx.config;
  return await confirmCost(interaction, ctx, quoteFor(prices, settings), () => precheckPolicy(interaction, ctx, server, generationOf(prices, settings), rulesFrom));
}
