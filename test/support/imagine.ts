import type { FakeDiscord, InteractionHandle, StoredMessage } from "../../fakes/discord/index.js";
import { textDisplaysOf } from "../../fakes/discord/state.js";

/** PATCHes of an interaction's @original reply, in order: what the requester saw change (a card's text included). */
export function replyEdits(discord: FakeDiscord, handle: InteractionHandle): string[] {
  return discord.requests
    .filter((r) => r.method === "PATCH" && r.path.includes(handle.token) && r.path.endsWith("/messages/@original"))
    .map((r) => {
      const body = r.body as { content?: unknown; components?: unknown[] } | undefined;
      return [typeof body?.content === "string" ? body.content : "", ...textDisplaysOf(body?.components ?? [])].filter((line) => line !== "").join("\n");
    });
}

/** Messages posted with this interaction's token that carry a result (its follow-ups). */
export function resultMessages(handle: InteractionHandle): StoredMessage[] {
  return handle.followups().filter((m) => m.text.includes(" · job "));
}

/** Waits until the reply's text matches, and returns the reply. */
export function waitForReply(discord: FakeDiscord, handle: InteractionHandle, pattern: RegExp, timeoutMs = 10_000): Promise<StoredMessage> {
  return discord.waitFor(
    () => {
      const original = handle.original();
      return original && pattern.test(original.text) ? original : undefined;
    },
    timeoutMs,
    // Asked at the timeout: what the reply said then.
    () => `reply matching ${pattern} (reply is now: ${JSON.stringify(handle.original()?.text)})`,
  );
}

/** The text the user ends up seeing: an immediate reply's content, or the deferred reply once edited. */
export async function replyText(discord: FakeDiscord, handle: InteractionHandle): Promise<string> {
  const callback = await handle.callback();
  if (callback.type === 4) return String(callback.data.content ?? "");
  const reply = await discord.waitFor(() => { const o = handle.original(); return o?.text ? o : undefined; }, 10_000, "reply");
  return reply.text;
}

/**
 * A message's action rows wherever they sit: at the top level of a plain message, or inside
 * the container of a Components V2 result card.
 */
export function actionRows(message: Pick<StoredMessage, "components">): { type: 1; components: unknown[] }[] {
  const rows = (components: readonly unknown[]): { type: 1; components: unknown[] }[] =>
    components.flatMap((component) => {
      const c = component as { type?: number; components?: unknown[] };
      if (c.type === 1) return [c as { type: 1; components: unknown[] }];
      return Array.isArray(c.components) ? rows(c.components) : [];
    });
  return rows(message.components ?? []);
}
