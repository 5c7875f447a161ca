import { randomBytes } from "node:crypto";
import { ButtonStyle, ComponentType, MessageFlags, type APIActionRowComponent, type APIButtonComponent, type ButtonInteraction, type RepliableInteraction } from "discord.js";
import type { AppContext } from "../app-context.js";
import { needsConfirmation, type CostQuote } from "../domain/cost-quote.js";
import { formatDollars } from "../domain/pricing.js";
import { deferEphemeralOnce } from "./ack-within-budget.js";

/** How long a price offer waits for the member (ctx.clock time); well inside the interaction token's 15 minutes. */
export const CONFIRM_TIMEOUT_MS = 5 * 60_000;

/**
 * `confirm:<nonce>:go|cancel`. The nonce names one offer in this process's registry: an offer is
 * not stored (nothing is written before the member accepts), so after a restart its buttons are
 * unknown and answer that it expired.
 */
const PREFIX = "confirm";
type Action = "go" | "cancel";

export function confirmButtonId(nonce: string, action: Action): string {
  return `${PREFIX}:${nonce}:${action}`;
}

export function parseConfirmButtonId(customId: string): { nonce: string; action: Action } | undefined {
  const [prefix, nonce, action, ...rest] = customId.split(":");
  if (prefix !== PREFIX || !nonce || rest.length > 0 || (action !== "go" && action !== "cancel")) return undefined;
  return { nonce, action };
}

type Outcome = "confirmed" | "cancelled" | "expired" | "restarting";

interface Offer {
  /** Only the member who asked may answer. */
  userId: string;
  settle(outcome: Outcome): void;
  /** Resolves once confirmCost has told the member the outcome (or failed to). */
  told: Promise<void>;
}

interface Registry {
  waiting: Map<string, Offer>;
  /** Offers answered lately, so a second press (a double click) is told what happened rather than "expired". */
  answered: Map<string, Outcome>;
}

/** One registry per running bot (a restart in the same process, as in tests, starts with none). */
const registries = new WeakMap<AppContext, Registry>();
function registryOf(ctx: AppContext): Registry {
  let registry = registries.get(ctx);
  if (!registry) registries.set(ctx, (registry = { waiting: new Map(), answered: new Map() }));
  return registry;
}

/** Ends a waiting offer with `outcome` (first answer wins); remembers it for a while. */
function answer(ctx: AppContext, nonce: string, outcome: Outcome): void {
  const registry = registryOf(ctx);
  const offer = registry.waiting.get(nonce);
  if (!offer) return;
  registry.waiting.delete(nonce);
  registry.answered.set(nonce, outcome);
  ctx.clock.schedule(() => registry.answered.delete(nonce), CONFIRM_TIMEOUT_MS);
  offer.settle(outcome);
}

const NOTHING_CHARGED: Record<Exclude<Outcome, "confirmed">, string> = {
  cancelled: "Cancelled: nothing was generated and nothing was charged.",
  expired: `No answer within ${CONFIRM_TIMEOUT_MS / 60_000} minutes, so nothing was generated and nothing was charged. Run the command again when you're ready.`,
  restarting: "StoryCast is restarting, so this request was dropped before anything was generated: nothing was charged. Run the command again in a minute.",
};
const EXPIRED_AFTER_RESTART = "This price offer has expired (StoryCast restarted since): nothing was charged. Run the command again.";

function offerText(quote: CostQuote, endsAt: number): string {
  return [
    `💰 This will cost **${formatDollars(quote.costUsd)}** (${quote.lines.join(" + ")}).`,
    `Nothing is charged unless you press **Generate**. This offer ends <t:${Math.ceil(endsAt / 1000)}:R>.`,
  ].join("\n");
}

function offerRow(nonce: string, costUsd: number): APIActionRowComponent<APIButtonComponent> {
  return {
    type: ComponentType.ActionRow,
    components: [
      { type: ComponentType.Button, style: ButtonStyle.Success, label: `Generate for ${formatDollars(costUsd)}`, custom_id: confirmButtonId(nonce, "go") },
      { type: ComponentType.Button, style: ButtonStyle.Secondary, label: "Cancel", custom_id: confirmButtonId(nonce, "cancel") },
    ],
  };
}

/**
 * Asks the member to accept a request's price when it is above CONFIRM_COST_ABOVE_USD; resolves
 * true at once when it is not. Call it after the (ephemeral) acknowledgement and before anything
 * is written or paid. Before the offer, `precheck` (the rules and budgets, see offer-price.ts)
 * may refuse the request. The reply shows the price and its breakdown with [Generate for $X]
 * [Cancel]; it resolves true when the requester presses Generate, false when they cancel, when no answer
 * comes within CONFIRM_TIMEOUT_MS, or when the bot stops meanwhile — the reply then says that
 * nothing was charged. The caller carries on in the same reply (its progress edits replace the offer).
 */
export async function confirmCost(interaction: RepliableInteraction, ctx: AppContext, quote: CostQuote, precheck: () => Promise<void>): Promise<boolean> {
  if (!needsConfirmation(quote.costUsd, ctx.config.confirmCostAboveUsd)) return true;
  await deferEphemeralOnce(interaction);
  // A request a limit refuses is refused now (a UserFacingError), rather than after its price was accepted.
  await precheck();
  const registry = registryOf(ctx);
  const nonce = randomBytes(9).toString("base64url");
  let settle!: (outcome: Outcome) => void;
  const outcome = new Promise<Outcome>((resolve) => (settle = resolve));
  let toldMember!: () => void;
  registry.waiting.set(nonce, { userId: interaction.user.id, settle, told: new Promise<void>((resolve) => (toldMember = resolve)) });
  const stopTimer = ctx.clock.schedule(() => answer(ctx, nonce, "expired"), CONFIRM_TIMEOUT_MS);
  try {
    await interaction.editReply({ content: offerText(quote, ctx.now() + CONFIRM_TIMEOUT_MS), components: [offerRow(nonce, quote.costUsd)] });
    const result = await outcome;
    ctx.logger.info({ interactionId: interaction.id, userId: interaction.user.id, costUsd: quote.costUsd, outcome: result }, "price offer answered");
    // The buttons go at once (after Generate, the job's first progress edit may wait for a free
    // upload slot). The outcome stands whether or not Discord takes the edit: a member who
    // accepted gets the job, and an offer that ended costs nothing either way.
    const content = result === "confirmed" ? `✅ Confirmed: ${formatDollars(quote.costUsd)}. Starting…` : NOTHING_CHARGED[result];
    await interaction.editReply({ content, components: [] }).catch((error: unknown) => {
      ctx.logger.warn({ err: error, interactionId: interaction.id, outcome: result }, "could not update the price offer's message");
    });
    return result === "confirmed";
  } finally {
    stopTimer();
    registry.waiting.delete(nonce); // when showing the offer failed, nothing may answer it
    toldMember();
  }
}

/** The price offer's buttons; returns false for a button that is not one. Acknowledges within Discord's 3 s (no I/O before it). */
export async function handleConfirmButton(interaction: ButtonInteraction, ctx: AppContext): Promise<boolean> {
  const parsed = parseConfirmButtonId(interaction.customId);
  if (!parsed) return false;
  const registry = registryOf(ctx);
  const offer = registry.waiting.get(parsed.nonce);
  if (!offer) {
    const earlier = registry.answered.get(parsed.nonce);
    if (earlier) {
      const content = earlier === "confirmed" ? "Already confirmed: your request is under way." : NOTHING_CHARGED[earlier];
      await interaction.reply({ content, flags: MessageFlags.Ephemeral });
    } else {
      // Not known here: offered by a run of the bot that has stopped since. Its message loses the buttons.
      await interaction.update({ content: EXPIRED_AFTER_RESTART, components: [] });
    }
    return true;
  }
  if (offer.userId !== interaction.user.id) {
    await interaction.reply({ content: "Only the member who made this request can confirm or cancel it.", flags: MessageFlags.Ephemeral });
    return true;
  }
  // Decided on arrival, before any await: a second press right behind this one (a double click) finds it answered.
  answer(ctx, parsed.nonce, parsed.action === "go" ? "confirmed" : "cancelled");
  await interaction.deferUpdate();
  return true;
}

/**
 * At shutdown: every offer still waiting ends as "restarting" (nothing charged), and its reply
 * says so before the Discord client goes. Waits at most `maxMs` for those edits.
 */
export async function endPendingConfirmations(ctx: AppContext, maxMs = 2000): Promise<void> {
  const registry = registryOf(ctx);
  const offers = [...registry.waiting.entries()];
  if (offers.length === 0) return;
  for (const [nonce] of offers) answer(ctx, nonce, "restarting");
  await Promise.race([Promise.all(offers.map(([, offer]) => offer.told)), ctx.clock.sleep(maxMs)]);
}
