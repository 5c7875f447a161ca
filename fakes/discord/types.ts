/**
 * Public and internal types of the fake Discord.
 *
 * Object shapes follow the Discord API v10 documentation ("Message", "Attachment",
 * "Interaction" objects) and the OpenAPI description at
 * fakes/discord/discord-openapi.json (vendored).
 */

/** A guild member the fake can impersonate when dispatching interactions. */
import type { DiscordHttpError } from "./discord-errors.js";
export interface FakeUser {
  readonly id: string;
  readonly username: string;
  /** Guild-level permission bit set (decimal string), as sent in `member.permissions`. */
  readonly permissions: string;
}

/** A Discord attachment object (Discord docs "Attachment Object"), hosted on the fake CDN. */
export interface DiscordAttachment {
  id: string;
  filename: string;
  size: number;
  url: string;
  proxy_url: string;
  content_type?: string;
  width?: number | null;
  height?: number | null;
  description?: string;
  title?: string;
  ephemeral?: boolean;
  flags?: number;
}

/** An attachment as stored on a message, including the uploaded bytes. */
export interface StoredAttachment {
  id: string;
  filename: string;
  bytes: Buffer;
  contentType: string;
  /** The size Discord reports (the byte length of the upload). */
  size: number;
  url: string;
  proxyUrl: string;
  width?: number;
  height?: number;
  description?: string;
  title?: string;
}

/** Snapshot of a message as it stands now (after edits/deletes). */
export interface StoredMessage {
  readonly id: string;
  readonly channelId: string;
  readonly guildId?: string;
  readonly authorId: string;
  readonly content: string;
  /**
   * What a reader sees as text: `content`, then every text display of a Components V2 message
   * (type 10, in containers and sections too), one per line. Tests read results through this,
   * so they hold whether a result is a plain message or a card.
   */
  readonly text: string;
  readonly embeds: unknown[];
  readonly components: unknown[];
  readonly attachments: StoredAttachment[];
  readonly flags: number;
  readonly ephemeral: boolean;
  /** Deferred ("Bot is thinking…") message that has not been edited yet (flag LOADING, 1<<7). */
  readonly loading: boolean;
  readonly deleted: boolean;
  /** Token of the interaction whose webhook created this message (initial response or follow-up). */
  readonly interactionToken?: string;
  readonly interactionId?: string;
  readonly webhookId?: string;
  readonly createdAt: number;
  readonly editedAt?: number;
  readonly editCount: number;
  readonly message_reference?: unknown;
  readonly allowed_mentions?: unknown;
  /** The message exactly as the REST API would return it now. */
  readonly raw: Record<string, unknown>;
}

/** Snapshot of a thread as it stands now (Discord docs "Threads", "Channel Object" → thread fields). */
export interface StoredThread {
  readonly id: string;
  /** 11 PUBLIC_THREAD, 12 PRIVATE_THREAD (10 ANNOUNCEMENT_THREAD). */
  readonly type: number;
  readonly parentId: string;
  readonly guildId: string;
  readonly name: string;
  readonly archived: boolean;
  readonly locked: boolean;
  readonly autoArchiveDuration: number;
  readonly invitable?: boolean;
  /** The user (or the bot) that started the thread. */
  readonly ownerId: string;
  /** Fake-clock ms. */
  readonly createdAt: number;
  /** Fake-clock ms of the last archive status change (`thread_metadata.archive_timestamp`). */
  readonly archiveTimestamp: number;
  /** Set when the thread was started from a message (the thread then has that message's id). */
  readonly fromMessageId?: string;
  readonly memberIds: string[];
  /** Messages in the thread, not counting deleted ones. */
  readonly messageCount: number;
  readonly totalMessageSent: number;
  readonly rateLimitPerUser: number;
  /** The thread exactly as GET /channels/{thread_id} would return it now. */
  readonly raw: Record<string, unknown>;
}

/**
 * Values typed into a modal: text inputs take a string, string selects an array of option values,
 * file uploads an array of attachments made with `fake.attachment(...)`.
 */
export type ModalValues = Record<string, string | string[] | DiscordAttachment[]>;

export interface UploadedFile {
  /** multipart field name, e.g. `files[0]` */
  name: string;
  filename: string;
  contentType: string;
  bytes: Buffer;
}

export interface RestRecord {
  method: string;
  /** Path below `/api/v10`, e.g. `/channels/123/messages` */
  path: string;
  /** OpenAPI path template the request matched, if any. */
  route?: string;
  query: Record<string, string>;
  /** Parsed JSON body, or the parsed `payload_json` part of a multipart body. */
  body: unknown;
  files: UploadedFile[];
  status: number;
  /** Fake-clock timestamp (ms) at which the request was received. */
  at: number;
  /** Whether the request carried a valid `Authorization: Bot <token>` header. */
  authorized: boolean;
}

export interface ValidationFailure {
  method: string;
  path: string;
  route?: string;
  /** Discord-style nested error object (as in the 50035 response). */
  errors: unknown;
  body: unknown;
  /** Raw Ajv errors (empty for the fake's explicit limit checks). */
  ajvErrors: unknown[];
}

export interface ResponseValidationFailure {
  method: string;
  path: string;
  route: string;
  status: number;
  errors: unknown[];
  body: unknown;
}

export interface InteractionCallbackRecord {
  type: number;
  data: any;
  /** Fake-clock timestamp (ms). */
  at: number;
}

export interface InteractionHandle {
  readonly id: string;
  readonly token: string;
  /** Fake-clock timestamp (ms) of the dispatch. */
  readonly dispatchedAt: number;
  /** The INTERACTION_CREATE payload as dispatched (read-only by convention). */
  readonly payload: Record<string, any>;
  /** The initial callback: { type, data, at } (resolves when received; rejects after 5 s real time). */
  callback(timeoutMs?: number): Promise<InteractionCallbackRecord>;
  /** The @original response message as it stands (undefined until a message-producing callback). */
  original(): StoredMessage | undefined;
  followups(): StoredMessage[];
}

export interface FailSpec {
  method?: string;
  /** Tested against the path below `/api/v10`, e.g. `/webhooks/1/tok/messages/@original`. */
  path: RegExp;
  /** 429 or 5xx (Discord's generic answers). Give either this or `error`. */
  status?: number;
  /**
   * A Discord JSON error answered as is, e.g. `errors.unknownWebhook()` (404 10015, what Discord
   * answers when an interaction's webhook is gone). Give either this or `status`.
   */
  error?: DiscordHttpError;
  /** Seconds (429 only). Default 1. */
  retryAfter?: number;
  /** How many matching requests fail. Default 1. */
  count?: number;
  /** Only requests that upload files match (e.g. a message with attachments, not a text-only edit of the same message). */
  withFiles?: boolean;
  /** How many matching requests go through untouched before the failures start. Default 0. */
  skip?: number;
}

export interface StartOptions {
  /** Bot token. Default "test-discord-token". */
  token?: string;
  /** Per-file upload limit in bytes. Default 10 MiB (Discord's free tier). */
  attachmentSizeLimit?: number;
  /** Gateway HELLO heartbeat_interval. Default 41250. */
  heartbeatIntervalMs?: number;
  /** Per-bucket rate limit advertised in X-RateLimit-* headers (and enforced). Default 50 per 1000 ms. */
  rateLimit?: { limit: number; windowMs: number };
  /** Privileged intents the application is allowed to use (bit set). Default 0 (none). */
  privilegedIntents?: number;
  /**
   * Extra permission bits for the bot's managed role (e.g. MANAGE_THREADS = 1n << 34n), on top of the
   * ordinary permissions a fresh guild grants. Default none.
   */
  botPermissions?: bigint;
  /** Validate the fake's own JSON responses against the OpenAPI response schemas. Default true. */
  validateResponses?: boolean;
  /** Path of the OpenAPI document. Default: $DISCORD_OPENAPI_PATH, else fakes/discord/discord-openapi.json (vendored) */
  openapiPath?: string;
  /** `shards` reported by GET /gateway/bot: the shard count Discord recommends. Default 1. */
  shardCount?: number;
  /**
   * `session_start_limit.max_concurrency` of GET /gateway/bot. Default 1 (discord.js then identifies
   * one shard per 5 s); 16 lets shards identify at once, as Discord allows large bots.
   */
  maxConcurrency?: number;
  /** Choose the main guild's id so that it lands on this `[shard_id, num_shards]`. Default: any id. */
  guildShard?: [number, number];
  /** More guilds the bot is in from the start (each: an @everyone role and a "general" channel), optionally on a given `[shard_id, num_shards]`. */
  guilds?: { name?: string; shard?: [number, number] }[];
  /** IDENTIFY for a shard that would hold more guilds than this closes 4011 "Sharding required". Default 2500 (Discord's limit). */
  maxGuildsPerShard?: number;
}

/** A guild the bot is in. */
export interface FakeGuild {
  readonly id: string;
  readonly name: string;
  /** Its "general" text channel. */
  readonly channelId: string;
}
