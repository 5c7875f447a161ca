import { MessageFlags, Routes, type REST, type RawFile, type APIMessage, type APIActionRowComponent, type APIButtonComponent } from "discord.js";
import type { JobOrigin } from "../domain/job.js";

/** Discord's interaction tokens allow edits and follow-ups for 15 minutes; keep a minute in hand. */
export const TOKEN_LIFETIME_MS = 15 * 60 * 1000;
const TOKEN_MARGIN_MS = 60 * 1000;

export interface OutgoingMessage {
  content: string;
  files?: RawFile[];
  components?: APIActionRowComponent<APIButtonComponent>[];
}

/**
 * Sends a job's messages where its requester will see them: through the interaction's
 * webhook while its token is valid, else as a normal channel message that mentions
 * them (or a DM for a private request, which must not appear in the channel).
 * Works from the stored origin alone, so it also serves jobs resumed after a restart.
 */
export function createReplyTarget(rest: REST, origin: JobOrigin, now: () => number) {
  const tokenValid = () => now() - origin.interactionAt < TOKEN_LIFETIME_MS - TOKEN_MARGIN_MS;
  const webhookAuth = { auth: false } as const;
  const mentionOnly = { allowed_mentions: { users: [origin.userId] } };
  const noMentions = { allowed_mentions: { parse: [] } };

  const payload = (message: OutgoingMessage) => ({
    content: message.content,
    components: message.components ?? [],
    ...(message.files?.length ? { attachments: message.files.map((file, index) => ({ id: String(index), filename: file.name })) } : {}),
  });

  async function channelMessage(message: OutgoingMessage): Promise<APIMessage> {
    let channelId = origin.channelId;
    if (origin.private) {
      const dm = (await rest.post(Routes.userChannels(), { body: { recipient_id: origin.userId } })) as { id: string };
      channelId = dm.id;
    }
    return (await rest.post(Routes.channelMessages(channelId), {
      body: { ...payload(message), ...mentionOnly },
      files: message.files ?? [],
    })) as APIMessage;
  }

  return {
    tokenValid,
    /** Replaces the interaction's reply (or, once the token expired, posts a new message). */
    async editReply(message: OutgoingMessage): Promise<APIMessage> {
      if (!tokenValid()) return channelMessage(message);
      return (await rest.patch(Routes.webhookMessage(origin.applicationId, origin.interactionToken, "@original"), {
        ...webhookAuth,
        body: { ...payload(message), ...noMentions },
        files: message.files ?? [],
      })) as APIMessage;
    },
    /** Posts a further message after the reply. */
    async followUp(message: OutgoingMessage): Promise<APIMessage> {
      if (!tokenValid()) return channelMessage(message);
      return (await rest.post(Routes.webhook(origin.applicationId, origin.interactionToken), {
        ...webhookAuth,
        query: new URLSearchParams({ wait: "true" }),
        body: { ...payload(message), ...noMentions, ...(origin.private ? { flags: MessageFlags.Ephemeral } : {}) },
        files: message.files ?? [],
      })) as APIMessage;
    },
  };
}
