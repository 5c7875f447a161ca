import type { RESTPostAPIApplicationCommandsJSONBody } from "discord.js";
import type { Config } from "../config.js";
import type { Command, MessageCommand } from "./command.js";
import { scopeFields } from "./install-scopes.js";

/**
 * What is registered with Discord: every slash and message command, with where it is offered.
 * `integration_types` and `contexts` apply only to global commands (Discord: "only for
 * globally-scoped commands"), so commands registered to one server (DISCORD_GUILD_ID) go without.
 */
export function commandBodies(
  config: Pick<Config, "guildId" | "userInstall">,
  lists: { commands: readonly Command[]; messageCommands: readonly MessageCommand[] },
): RESTPostAPIApplicationCommandsJSONBody[] {
  // Definitions say where they are offered only through their `scope` (install-scopes.ts).
  return [...lists.commands, ...lists.messageCommands].map((command) =>
    config.guildId ? command.definition : { ...command.definition, ...scopeFields(command.scope, config.userInstall !== "off") },
  );
}
