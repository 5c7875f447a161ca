import type { BaseInteraction } from "discord.js";
import type { AppContext } from "../app-context.js";
import { checkPolicy, startOfUtcDay, startOfUtcMonth, type ServerSettings } from "../domain/server-policy.js";
import type { Speed } from "../domain/fal-enums.js";
import { checkQueueCapacity } from "../domain/queue-capacity.js";

/** The server's settings for an interaction (none in DMs). */
export function serverSettingsFor(interaction: BaseInteraction, ctx: AppContext): ServerSettings {
  return interaction.guildId ? ctx.servers.settings(interaction.guildId) : {};
}

/**
 * Checks a paid generation against StoryCast's queue cap, the server's rules and the
 * usage so far; throws a UserFacingError that names the rule. Call it before writing the job row.
 */
export function enforcePolicy(interaction: BaseInteraction, ctx: AppContext, settings: ServerSettings, generation: { speed: Speed; numImages: number }): void {
  // The process-wide queue cap (MAX_QUEUED_JOBS) applies in DMs too.
  checkQueueCapacity({ waiting: ctx.runner.waiting, maxQueued: ctx.config.maxQueuedJobs, concurrency: ctx.config.maxConcurrentJobs });
  if (!interaction.guildId) return;
  const now = new Date(ctx.now());
  const member = interaction.member;
  const roles = !member ? [] : Array.isArray(member.roles) ? member.roles : [...member.roles.cache.keys()];
  const channel = interaction.channel;
  checkPolicy(
    settings,
    {
      channelId: interaction.channelId ?? "",
      parentChannelId: channel?.isThread() ? channel.parentId : null,
      memberRoleIds: roles,
      ...generation,
    },
    {
      memberImagesToday: ctx.servers.memberImagesSince(interaction.guildId, interaction.user.id, startOfUtcDay(now)),
      serverSpendThisMonthUsd: ctx.servers.spendSince(interaction.guildId, startOfUtcMonth(now), ctx.config.prices),
    },
    ctx.config.prices,
    now,
  );
}
