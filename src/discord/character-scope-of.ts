import type { BaseInteraction } from "discord.js";
import { characterScope } from "../domain/character-name.js";
import { interactionInstallContext } from "./install-context-of.js";

/**
 * The server whose saved characters an interaction sees: the server's own when StoryCast is
 * installed there; null where only the member's install brought it (a server it is not in, a
 * group DM) or in its DMs, i.e. the member's own characters, which follow them everywhere.
 */
export function characterServerOf(interaction: BaseInteraction): string | null {
  return interactionInstallContext(interaction).serverId;
}

/** The character scope (see domain/character-name) an interaction reads and writes. */
export function characterScopeOf(interaction: BaseInteraction): string {
  return characterScope(characterServerOf(interaction), interaction.user.id);
}
