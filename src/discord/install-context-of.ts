import { PermissionFlagsBits, type BaseInteraction } from "discord.js";
import { installContextOf, type InstallContext } from "../domain/install-context.js";

/** The install context of a discord.js interaction (see domain/install-context). */
export function interactionInstallContext(interaction: BaseInteraction): InstallContext {
  // discord.js wraps the raw map; toJSON gives it back as Discord sent it (undefined if absent).
  const owners = interaction.authorizingIntegrationOwners?.toJSON() as Readonly<Record<string, string | undefined>> | undefined;
  return installContextOf({
    guildId: interaction.guildId,
    authorizingOwners: owners && Object.keys(owners).length > 0 ? owners : null,
    context: interaction.context ?? null,
    mayUseExternalApps: interaction.memberPermissions?.has(PermissionFlagsBits.UseExternalApps) ?? null,
  });
}
