import type { BaseInteraction } from "discord.js";
import type { AppContext } from "../app-context.js";
import { admissionCheck } from "../domain/admission-check.js";
import { checkGeneration, checkPlace, type ServerSettings } from "../domain/server-policy.js";
import type { Speed } from "../domain/fal-enums.js";
import { checkQueueCapacity } from "../domain/queue-capacity.js";
import { checkUserInstall } from "../domain/user-install-policy.js";
import type { Job } from "../domain/job.js";
import type { AdmissionCheck } from "../store/job-store.js";
import { interactionInstallContext } from "./install-context-of.js";

/**
 * The settings of the server whose rules apply to an interaction: none in DMs, and none in a
 * server StoryCast is in only through a member's own install (that server never chose them).
 */
export async function serverSettingsFor(interaction: BaseInteraction, ctx: AppContext, rulesFrom?: string): Promise<ServerSettings> {
  const serverId = rulesFrom ?? interactionInstallContext(interaction).serverId;
  return serverId ? ctx.servers.settings(serverId) : {};
}

/**
 * The server whose rules a control on a result borrows: where the control is pressed outside any
 * server with StoryCast (a result that came by DM), the rules of the server the result was made
 * under still apply, so a server's limits cannot be bypassed from a DM. Undefined otherwise: the
 * rules of where it is pressed apply, as for a command.
 */
export function borrowedRules(interaction: BaseInteraction, source: Pick<Job, "rulesServerId">): string | undefined {
  if (interactionInstallContext(interaction).serverId !== null) return undefined;
  return source.rulesServerId ?? undefined;
}

/**
 * Refuses a paid request from a member USER_INSTALL does not let use StoryCast where only their
 * own install brought it (a UserFacingError saying why). Checked again by enforcePolicy.
 */
export function checkMayUseHere(interaction: BaseInteraction, ctx: AppContext, where = interactionInstallContext(interaction)): void {
  checkUserInstall(ctx.config, { viaUserInstall: where.viaUserInstall, userId: interaction.user.id });
}

/** What a request that passed the gate carries to the job's creation. */
export interface Admission {
  /** The budgets, for store.create: checked in the transaction that writes the job. */
  admit: AdmissionCheck;
  /** The server whose rules and budgets were checked (null outside servers): the job row records it, and is counted there. */
  rulesServerId: string | null;
  /**
   * Gives back the place in StoryCast's queue held since the gate. Call it right after
   * handing the job to the runner (which then counts it), or once the request is refused.
   */
  release: () => void;
}

/**
 * Checks a paid generation against who may use StoryCast here (USER_INSTALL), its queue cap and
 * the server rules that need no usage (channel, role, count, speed); throws a UserFacingError
 * that names the rule. The budgets (the server's, or outside servers the member's own daily
 * images, and the operator's global daily cap) are returned as an admission check, to run where
 * the job row is written; the queue place is held until `release`, since the job's creation now
 * awaits the store and a burst must not all pass the cap meanwhile.
 */
export function enforcePolicy(interaction: BaseInteraction, ctx: AppContext, settings: ServerSettings, generation: Generation, rulesFrom?: string): Admission {
  const { admit, rulesServerId } = rulesAndBudgets(interaction, ctx, settings, generation, rulesFrom);
  return { admit, rulesServerId, release: ctx.runner.holdQueuePlace() };
}

/**
 * The same checks before a price is offered, with the budgets read as they stand now: a member
 * is not asked to accept a price that a limit would then refuse. Nothing is held or written;
 * enforcePolicy checks everything again, bindingly, when the job is written.
 */
export async function precheckPolicy(interaction: BaseInteraction, ctx: AppContext, settings: ServerSettings, generation: Generation, rulesFrom?: string): Promise<void> {
  await rulesAndBudgets(interaction, ctx, settings, generation, rulesFrom).admit(ctx.servers);
}

type Generation = { speed?: Speed | undefined; numImages: number; costUsd: number };

/**
 * The checks that need no usage (throwing a UserFacingError), and the budgets as an admission
 * check, with the server they are that server's. With `rulesFrom` (borrowedRules) that server's
 * settings and budgets apply, except its channel and role rules: the member is not in one of
 * its channels now.
 */
function rulesAndBudgets(interaction: BaseInteraction, ctx: AppContext, settings: ServerSettings, generation: Generation, rulesFrom?: string): Pick<Admission, "admit" | "rulesServerId"> {
  // Every paid request on the operator's fal key: refused before anything is held or written.
  const where = interactionInstallContext(interaction);
  checkMayUseHere(interaction, ctx, where);
  const rulesServerId = rulesFrom ?? where.serverId;
  // The process-wide queue cap (MAX_QUEUED_JOBS) applies in DMs too.
  checkQueueCapacity({ waiting: ctx.runner.waiting, maxQueued: ctx.config.maxQueuedJobs, concurrency: ctx.config.maxConcurrentJobs });
  if (rulesServerId) {
    if (!rulesFrom) {
      const member = interaction.member;
      const channel = interaction.channel;
      checkPlace(settings, {
        channelId: interaction.channelId ?? "",
        parentChannelId: channel?.isThread() ? channel.parentId : null,
        memberRoleIds: !member ? [] : Array.isArray(member.roles) ? member.roles : [...member.roles.cache.keys()],
      });
    }
    checkGeneration(settings, generation);
  }
  const request = { serverId: rulesServerId, userId: interaction.user.id, generation: { numImages: generation.numImages, costUsd: generation.costUsd } };
  return { admit: admissionCheck(settings, request, ctx.config, ctx.config.prices, new Date(ctx.now())), rulesServerId };
}
