import {
  DiscordAPIError,
  MessageFlags,
  Routes,
  type APIActionRowComponent,
  type APIComponentInMessageActionRow,
  type APIMessage,
  type RawFile,
  type REST,
} from "discord.js";
import type { JobOrigin } from "../domain/job.js";
import { capContent, MAX_MESSAGE_LENGTH } from "./escape.js";
import { processFollowUpBudget, USER_INSTALL_FOLLOWUP_CAP, type FollowUpBudget } from "./follow-up-budget.js";
import { resultCard } from "./result-card.js";

/** Discord's interaction tokens allow edits and follow-ups for 15 minutes; keep a minute in hand. */
export const TOKEN_LIFETIME_MS = 15 * 60 * 1000;
const TOKEN_MARGIN_MS = 60 * 1000;

/** Discord error codes meaning the interaction's webhook can no longer be used. */
const WEBHOOK_GONE = new Set([10015 /* Unknown Webhook */, 50027 /* Invalid Webhook Token */]);
/** Discord error codes meaning the bot may not post in a channel (or it is gone): the member gets a DM instead. */
const NO_ACCESS = new Set([50001 /* Missing Access */, 50013 /* Missing Permissions */, 10003 /* Unknown Channel */, 50083 /* Thread archived */]);
/** "This interaction has hit the maximum number of follow up messages" (user-install-only interactions: 5). */
const FOLLOW_UPS_USED_UP = new Set([40094]);
/** Discord error codes that no retry will change, once the fallbacks above were tried. */
const PERMANENT: Record<number, string> = {
  50007: "the member does not accept direct messages from StoryCast",
  50001: "StoryCast has no access to the channel",
  50013: "StoryCast lacks the permissions to post there",
  10003: "the channel no longer exists",
  10013: "the member's account no longer exists",
  50083: "the thread is archived",
  40005: "the images are larger than Discord accepts",
};

/** Why Discord will never accept this message, or undefined when a retry may work. */
export function permanentFailure(error: unknown): string | undefined {
  if (!(error instanceof DiscordAPIError) || typeof error.code !== "number") return undefined;
  return PERMANENT[error.code] ?? (error.status >= 400 && error.status < 500 && error.status !== 429 ? `Discord refused it (${error.code}: ${error.message})` : undefined);
}

/** Why a message meant for the interaction's webhook goes another way. */
type Fallback = "token expired" | "follow-ups used up";

export interface OutgoingMessage {
  content: string;
  files?: RawFile[];
  /** A card's alt text for each file, in the same order. */
  altTexts?: string[];
  /** Buttons, or a select (a result's Upscale / Remix / Edit controls). */
  components?: APIActionRowComponent<APIComponentInMessageActionRow>[];
  /**
   * Send it as a Components V2 card (result-card.ts): `content` becomes the card's text
   * display, the files its gallery, the components its rows. Fallbacks that reword
   * `content` (a mention in front, a note after) thus reword the card's text.
   */
  card?: boolean;
}

const hasCode = (error: unknown, codes: Set<number>) => error instanceof DiscordAPIError && typeof error.code === "number" && codes.has(error.code);

/**
 * Sends a job's messages where its requester will see them: through the interaction's
 * webhook while its token is valid; after that (or if Discord says the token is gone)
 * as a channel message that starts by mentioning them (and only them); if the bot may
 * not post there, or the request was private, by DM. Where only the member's install
 * brought StoryCast (`interactionOnly`) it never posts in the channel: follow-ups while the
 * token and Discord's follow-up cap last, then DMs that say why. Works from the stored
 * origin alone, so it also serves jobs resumed after a restart.
 */
export function createReplyTarget(rest: REST, origin: JobOrigin, now: () => number, followUps: FollowUpBudget = processFollowUpBudget) {
  let tokenGone = false;
  const tokenValid = () => !tokenGone && now() - origin.interactionAt < TOKEN_LIFETIME_MS - TOKEN_MARGIN_MS;
  const noMentions = { allowed_mentions: { parse: [] } };

  const payload = (message: OutgoingMessage) => ({
    ...(message.card
      ? {
          // With IS_COMPONENTS_V2 the legacy content must be empty; null also clears the text of
          // a reply that is being turned into a card (docs "Message Resource" → Message Flags).
          content: null,
          flags: MessageFlags.IsComponentsV2,
          components: resultCard({
            text: message.content,
            fileNames: (message.files ?? []).map((file) => file.name),
            ...(message.altTexts ? { altTexts: message.altTexts } : {}),
            rows: message.components ?? [],
          }),
        }
      : { content: message.content, components: message.components ?? [] }),
    ...(message.files?.length ? { attachments: message.files.map((file, index) => ({ id: String(index), filename: file.name })) } : {}),
  });

  async function post(channelId: string, message: OutgoingMessage): Promise<APIMessage> {
    return (await rest.post(Routes.channelMessages(channelId), {
      body: { ...payload(message), allowed_mentions: { users: [origin.userId] } },
      files: message.files ?? [],
    })) as APIMessage;
  }

  async function directMessage(message: OutgoingMessage): Promise<APIMessage> {
    const dm = (await rest.post(Routes.userChannels(), { body: { recipient_id: origin.userId } })) as { id: string };
    return post(dm.id, message);
  }

  /**
   * In the channel, a message meant for the interaction's reply is read by everyone: its
   * first line names whom it is for (`post` lets it mention only them).
   */
  function addressed(message: OutgoingMessage): OutgoingMessage {
    const mention = `<@${origin.userId}>`;
    // A result's caption already names them on its first line ("Scene for @member"): once is enough.
    return message.content.split("\n", 1)[0]!.includes(mention) ? message : { ...message, content: capContent(`${mention} ${message.content}`) };
  }

  const withNote = (message: OutgoingMessage, note: string): OutgoingMessage => ({
    ...message,
    content: `${capContent(message.content, MAX_MESSAGE_LENGTH - note.length - 1)}\n${note}`,
  });

  /** Why a message meant for the interaction comes by DM where StoryCast may not post in the channel. */
  const interactionOnlyNote = (why: Fallback) =>
    why === "follow-ups used up"
      ? `-# (Discord lets StoryCast send only ${USER_INSTALL_FOLLOWUP_CAP} messages in answer where it was not added, so the rest came by DM.)`
      : "-# (Discord lets StoryCast answer where it was not added only for 15 minutes, so this came by DM.)";

  async function channelMessage(message: OutgoingMessage, why: Fallback): Promise<APIMessage> {
    if (origin.private) return directMessage(message);
    // Only the member's install brought StoryCast here: it has no right to post in the channel.
    if (origin.interactionOnly) return directMessage(withNote(message, interactionOnlyNote(why)));
    try {
      return await post(origin.channelId, addressed(message));
    } catch (error) {
      if (!hasCode(error, NO_ACCESS)) throw error;
      return directMessage(withNote(message, `-# (StoryCast may not post in <#${origin.channelId}>, so this came by DM.)`));
    }
  }

  /**
   * Uses the webhook while it works; once Discord says it is gone, falls back for good,
   * unless `fallback` is false (progress lines are not worth a new message each).
   */
  async function viaWebhook(send: () => Promise<unknown>, message: OutgoingMessage, fallback: boolean): Promise<APIMessage | undefined> {
    if (!tokenValid()) return fallback ? channelMessage(message, "token expired") : undefined;
    try {
      return (await send()) as APIMessage;
    } catch (error) {
      if (hasCode(error, FOLLOW_UPS_USED_UP)) {
        // Nothing was posted; the token still edits the reply, but takes no more follow-ups.
        followUps.exhaust(origin.interactionToken);
        return fallback ? channelMessage(message, "follow-ups used up") : undefined;
      }
      if (!hasCode(error, WEBHOOK_GONE)) throw error;
      tokenGone = true;
      return fallback ? channelMessage(message, "token expired") : undefined;
    }
  }

  const patchOriginal = (message: OutgoingMessage) =>
    rest.patch(Routes.webhookMessage(origin.applicationId, origin.interactionToken, "@original"), {
      auth: false,
      body: { ...payload(message), ...noMentions },
      files: message.files ?? [],
    });

  return {
    tokenValid,
    /** Replaces the interaction's reply in place, or does nothing once its token is gone. */
    editProgress(message: OutgoingMessage): Promise<APIMessage | undefined> {
      return viaWebhook(() => patchOriginal(message), message, false);
    },
    /** Replaces the interaction's reply (or, once the token is gone, posts a new message). */
    async editReply(message: OutgoingMessage): Promise<APIMessage> {
      return (await viaWebhook(() => patchOriginal(message), message, true))!;
    },
    /** Posts a further message after the reply. */
    async followUp(message: OutgoingMessage): Promise<APIMessage> {
      // The cap applies only where the member's install alone authorized the interaction.
      if (origin.interactionOnly && tokenValid() && !followUps.available(origin.interactionToken)) return channelMessage(message, "follow-ups used up");
      return (await viaWebhook(
        async () => {
          const sent = await rest.post(Routes.webhook(origin.applicationId, origin.interactionToken), {
            auth: false,
            query: new URLSearchParams({ wait: "true" }),
            // A private card is both: the flags combine (64 | 32768).
            body: { ...payload(message), ...noMentions, ...(origin.private ? { flags: MessageFlags.Ephemeral | (message.card ? MessageFlags.IsComponentsV2 : 0) } : {}) },
            files: message.files ?? [],
          });
          // Counted only where the cap applies: other tokens would crowd the bounded count for nothing.
          if (origin.interactionOnly) followUps.spend(origin.interactionToken);
          return sent;
        },
        message,
        true,
      ))!;
    },
  };
}
