import type { StoredMessage } from "../../fakes/discord/index.js";

/**
 * Who a posted message notifies, by Discord's rules for `allowed_mentions` (docs "Message
 * Resource" → Allowed Mentions Object): without it every mention in the content pings;
 * with it, a user is pinged only when mentioned and allowed by `parse: ["users"]` or
 * listed in `users`, and @everyone/@here only with `parse: ["everyone"]`. Mentions in a
 * Components V2 text display notify like content (docs "Component Reference" → Text Display),
 * so the message's whole text is read. A mention
 * escaped with a backslash is plain text. Role mentions are not used by StoryCast.
 */
export function pingedBy(message: Pick<StoredMessage, "text" | "allowed_mentions">): string[] {
  const allowed = message.allowed_mentions as { parse?: string[]; users?: string[] } | undefined;
  const mentioned = [...message.text.matchAll(/(?<!\\)<@!?(\d+)>/g)].map((match) => match[1]!);
  const users = mentioned.filter((id) => !allowed || allowed.parse?.includes("users") || allowed.users?.includes(id));
  const everyone = /(?<!\\)@(everyone|here)/.test(message.text) && (!allowed || allowed.parse?.includes("everyone"));
  return [...new Set([...users, ...(everyone ? ["@everyone"] : [])])];
}
