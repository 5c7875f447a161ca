import { Routes, type APIMessage, type REST } from "discord.js";

/** How far back a lost post is looked for: it was sent moments before the interruption. */
const RECENT_MESSAGES = 50;

/**
 * Finds, among a channel's latest messages, one the bot (`authorId`, its application id)
 * posted that matches. For a post sent just before the process stopped, whose answer never
 * came back: Discord may have it already, and it must not be posted twice.
 */
export async function findRecentBotMessage(rest: REST, channelId: string, authorId: string, matches: (message: APIMessage) => boolean): Promise<APIMessage | undefined> {
  const recent = (await rest.get(Routes.channelMessages(channelId), { query: new URLSearchParams({ limit: String(RECENT_MESSAGES) }) })) as APIMessage[];
  return recent.find((message) => message.author.id === authorId && matches(message));
}
