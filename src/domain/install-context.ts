/**
 * How StoryCast came to be where an interaction happened, from Discord's
 * `authorizing_integration_owners` (keys: "0" guild install, "1" user install) and `context`
 * (0 server, 1 the bot's DM, 2 a group DM or a DM between members).
 */
export interface InstallContext {
  /**
   * The server whose settings and limits apply: the interaction's server when StoryCast itself
   * is installed there. Null in DMs, group DMs, and servers it is in only through a member's install.
   */
  serverId: string | null;
  /** Only a member's own install brought StoryCast here: USER_INSTALL decides who may use it. */
  viaUserInstall: boolean;
  /**
   * StoryCast may answer the interaction but not post in the channel (a server or group DM it
   * is not part of): results go through the interaction's follow-ups, then by DM.
   */
  interactionOnly: boolean;
  /**
   * Discord shows every answer here only to the member: only their own install brought StoryCast
   * into a server that does not let them use external apps publicly (the Use External Apps
   * permission: "when disabled, … the responses will be ephemeral"). What StoryCast makes here is
   * private, whatever the member asked.
   */
  answersPrivate: boolean;
}

const GUILD_INSTALL = "0";
const BOT_DM = 1;

export function installContextOf(input: {
  guildId: string | null;
  /** Null for payloads without the field (older gateways): those come from a server install. */
  authorizingOwners: Readonly<Record<string, string | undefined>> | null;
  context: number | null;
  /** Whether the member has Use External Apps where they are; null outside servers. */
  mayUseExternalApps: boolean | null;
}): InstallContext {
  const guildInstalled = input.authorizingOwners === null || input.authorizingOwners[GUILD_INSTALL] !== undefined;
  return {
    serverId: guildInstalled ? input.guildId : null,
    viaUserInstall: !guildInstalled,
    interactionOnly: !guildInstalled && input.context !== BOT_DM,
    answersPrivate: !guildInstalled && input.guildId !== null && input.mayUseExternalApps === false,
  };
}
