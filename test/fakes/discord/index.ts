/**
 * Fake Discord (REST API v10 + WebSocket gateway + attachment CDN) for tests.
 * A real discord.js Client connects to it: `new Client({ intents, rest: { api: fake.apiUrl } })`
 * then `client.login(fake.token)`.
 */
export { startFakeDiscord, DEFAULT_TOKEN, DEFAULT_ATTACHMENT_LIMIT } from "./server.js";
export type { FakeDiscord } from "./server.js";
export type { OptionValue } from "./interactions.js";
export { INITIAL_RESPONSE_WINDOW_MS, TOKEN_LIFETIME_MS } from "./interactions.js";
export type {
  StoredMessage,
  StoredAttachment,
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
} from "./types.js";
