import { ApplicationIntegrationType, InteractionContextType } from "discord.js";

/**
 * Where a command is offered. "anywhere": servers with StoryCast, its DMs, and, once the
 * operator allows user installs, any server or group DM a member brings it into.
 * "server": only servers that installed StoryCast (stories, settings, server usage).
 */
export type CommandScope = "anywhere" | "server";

/** The registration fields for a scope (Discord: `integration_types` and `contexts` of a command). */
export function scopeFields(scope: CommandScope, userInstall: boolean): { integration_types: ApplicationIntegrationType[]; contexts: InteractionContextType[] } {
  if (scope === "server") return { integration_types: [ApplicationIntegrationType.GuildInstall], contexts: [InteractionContextType.Guild] };
  return userInstall
    ? {
        integration_types: [ApplicationIntegrationType.GuildInstall, ApplicationIntegrationType.UserInstall],
        contexts: [InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel],
      }
    : { integration_types: [ApplicationIntegrationType.GuildInstall], contexts: [InteractionContextType.Guild, InteractionContextType.BotDM] };
}
