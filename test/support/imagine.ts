import type { FakeDiscord, InteractionHandle, StoredMessage } from "../../fakes/discord/index.js";

/** PATCHes of an interaction's @original reply, in order: what the requester saw change. */
export function replyEdits(discord: FakeDiscord, handle: InteractionHandle): string[] {
  return discord.requests
    .filter((r) => r.method === "PATCH" && r.path.includes(handle.token) && r.path.endsWith("/messages/@original"))
    .map((r) => String((r.body as { content?: unknown } | undefined)?.content ?? ""));
}

/** Messages posted with this interaction's token that carry a result (its follow-ups). */
export function resultMessages(handle: InteractionHandle): StoredMessage[] {
  return handle.followups().filter((m) => m.content.includes(" · job "));
}

/** Waits until the reply's text matches, and returns the reply. */
export function waitForReply(discord: FakeDiscord, handle: InteractionHandle, pattern: RegExp, timeoutMs = 10_000): Promise<StoredMessage> {
  return discord.waitFor(
    () => {
      const original = handle.original();
      return original && pattern.test(original.content) ? original : undefined;
    },
    timeoutMs,
    `reply matching ${pattern} (reply is now: ${JSON.stringify(handle.original()?.content)})`,
  );
}

/** The text the user ends up seeing: an immediate reply's content, or the deferred reply once edited. */
export async function replyText(discord: FakeDiscord, handle: InteractionHandle): Promise<string> {
  const callback = await handle.callback();
  if (callback.type === 4) return String(callback.data.content ?? "");
  const reply = await discord.waitFor(() => { const o = handle.original(); return o?.content ? o : undefined; }, 10_000, "reply");
  return reply.content;
}
