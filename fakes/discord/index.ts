/**
 * Fake Discord (REST API v10 + WebSocket gateway + attachment CDN) for tests.
 * A real discord.js Client connects to it: `new Client({ intents, rest: { api: fake.apiUrl } })`
 * then `client.login(fake.token)`.
 */
export { startFakeDiscord, DEFAULT_TOKEN, DEFAULT_ATTACHMENT_LIMIT } from "./server.js";
export type { FakeDiscord } from "./server.js";
export type { InstallKind, OptionValue } from "./interactions.js";
export { INITIAL_RESPONSE_WINDOW_MS, TOKEN_LIFETIME_MS, MAX_MODAL_COMPONENTS, MAX_USER_INSTALL_FOLLOWUPS } from "./interactions.js";
export { errors as discordErrors } from "./discord-errors.js";
export { AUTO_ARCHIVE_DURATIONS, DEFAULT_AUTO_ARCHIVE_DURATION } from "./threads.js";
export type {
  StoredMessage,
  StoredAttachment,
  StoredThread,
  ModalValues,
  FakeUser,
  DiscordAttachment,
  InteractionHandle,
  InteractionCallbackRecord,
  RestRecord,
  ValidationFailure,
  ResponseValidationFailure,
  FailSpec,
  StartOptions,
  UploadedFile,
  FakeGuild,
} from "./types.js";
export { shardOf } from "./gateway.js";
export type { ShardSession } from "./gateway.js";
