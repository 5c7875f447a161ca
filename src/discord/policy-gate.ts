import type { BaseInteraction } from "discord.js";
import type { AppContext } from "../app-context.js";
import { admissionCheck } from "../domain/admission-check.js";
import { checkRules, type ServerSettings } from "../domain/server-policy.js";
import type { Speed } from "../domain/fal-enums.js";
import { checkQueueCapacity } from "../domain/queue-capacity.js";
import type { AdmissionCheck } from "../store/job-store.js";

/** The server's settings for an interaction (none in DMs). */
export async function serverSettingsFor(interaction: BaseInteraction, ctx: AppContext): Promise<ServerSettings> {
  return interaction.guildId ? ctx.servers.settings(interaction.guildId) : {};
}

/** What a request that passed the gate carries to the job's creation. */
export interface Admission {
  /** The budgets, for store.create (absent in DMs): checked in the transaction that writes the job. */
  admit: AdmissionCheck | undefined;
  /**
   * Gives back the place in StoryCast's queue held since the gate. Call it right after
   * handing the job to the runner (which then counts it), or once the request is refused.
   */
  release: () => void;
}

/**
 * Checks a paid generation against StoryCast's queue cap and the server rules that need no
 * usage (channel, role, count, speed); throws a UserFacingError that names the rule. The
 * budgets are returned as an admission check, to run where the job row is written; the queue
 * place is held until `release`, since the job's creation now awaits the store and a burst
 * must not all pass the cap meanwhile.
 */
export function enforcePolicy(interaction: BaseInteraction, ctx: AppContext, settings: ServerSettings, generation: { speed?: Speed | undefined; numImages: number; costUsd: number }): Admission {
  // The process-wide queue cap (MAX_QUEUED_JOBS) applies in DMs too.
  checkQueueCapacity({ waiting: ctx.runner.waiting, maxQueued: ctx.config.maxQueuedJobs, concurrency: ctx.config.maxConcurrentJobs });
  if (!interaction.guildId) return { admit: undefined, release: ctx.runner.holdQueuePlace() };
  const member = interaction.member;
  const roles = !member ? [] : Array.isArray(member.roles) ? member.roles : [...member.roles.cache.keys()];
  const channel = interaction.channel;
  checkRules(settings, {
    channelId: interaction.channelId ?? "",
    parentChannelId: channel?.isThread() ? channel.parentId : null,
    memberRoleIds: roles,
    ...generation,
  });
  const admit = admissionCheck(settings, { guildId: interaction.guildId, userId: interaction.user.id, generation: { numImages: generation.numImages, costUsd: generation.costUsd } }, ctx.config.prices, new Date(ctx.now()));
  return { admit, release: ctx.runner.holdQueuePlace() };
}
