/**
 * The fake Discord server: one HTTP server on 127.0.0.1:0 serving
 *   - REST API v10 under /api/v10 (rest-routes.ts),
 *   - the gateway WebSocket on any upgrade request (gateway.ts),
 *   - the attachment CDN under /attachments, /ephemeral-attachments and /media (cdn.ts).
 *
 * Request pipeline (mirrors what Discord does, in this order):
 *   route lookup (unknown → 404 {message:"404: Not Found", code:0}, recorded in unknownRoutes)
 *   → Authorization `Bot <token>` on bot routes (else 401 {message:"401: Unauthorized", code:0})
 *   → injected faults (failNext) → rate limit bucket (X-RateLimit-* headers; 429 when exceeded)
 *   → upload size per file (413 {code:40005}) → JSON-schema validation of the JSON body or
 *     `payload_json` against the OpenAPI operation (400 {code:50035}) → the route handler
 *     (which adds Discord's explicit limits, also 50035). Every 50035 is recorded in
 *     validationFailures; every request in `requests`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Gateway, INTENTS, shardOf, type GatewayStats, type ShardSession } from "./gateway.js";
import { Cdn, imageSize, mimeFromFilename } from "./cdn.js";
import { DiscordHttpError, errors } from "./discord-errors.js";
import { InteractionService, type InstallKind, type OptionValue } from "./interactions.js";
import { MessageService } from "./messages.js";
import { multipartBoundary, parseMultipart, MultipartError } from "./multipart.js";
import { OpenApiValidator } from "./openapi-validator.js";
import { FaultInjector, faultResponse, RateLimiter } from "./ratelimit.js";
import { StallInjector, type Stall, type StallSpec } from "./stalls.js";
import { buildRoutes, majorParameter, matchRoute, type RouteDef } from "./rest-routes.js";
import { apiChannel, apiMessage, guildCreatePayload, apiUser } from "./serialize.js";
import { CT, P, World } from "./state.js";
import { ThreadService } from "./threads.js";
import type {
  DiscordAttachment,
  FailSpec,
  FakeGuild,
  FakeUser,
  InteractionHandle,
  ModalValues,
  ResponseValidationFailure,
  RestRecord,
  StartOptions,
  StoredMessage,
  StoredThread,
  UploadedFile,
  ValidationFailure,
} from "./types.js";

export const DEFAULT_TOKEN = "test-discord-token";
export const DEFAULT_ATTACHMENT_LIMIT = 10 * 1024 * 1024;
const MAX_REQUEST_BYTES = 200 * 1024 * 1024;

export interface FakeDiscord {
  readonly apiUrl: string;
  readonly wsUrl: string;
  readonly cdnUrl: string;
  readonly token: string;
  readonly applicationId: string;
  readonly botUserId: string;
  readonly guildId: string;
  readonly channelId: string;
  /** A second text channel in the guild. */
  readonly otherChannelId: string;
  readonly attachmentSizeLimit: number;
  readonly users: { alice: FakeUser; bob: FakeUser; mod: FakeUser; admin: FakeUser; carol: FakeUser };
  /** The owner of every guild: every permission everywhere, e.g. Manage Server in the extra guilds, where the Admin role does not exist. */
  readonly owner: FakeUser;
  /** Role ids: "Admin" has Manage Server; "Storyteller" has no permissions. */
  readonly roleIds: { moderator: string; admin: string; storyteller: string };
  readonly requests: RestRecord[];
  readonly unknownRoutes: RestRecord[];
  readonly validationFailures: ValidationFailure[];
  /** Self-check: the fake's own JSON responses that do not match the documented response schema. */
  readonly responseValidationFailures: ResponseValidationFailure[];
  readonly commands: { global: unknown[]; guild: Map<string, unknown[]>; puts: number };
  /** Interactions dispatched that Discord's client would not send (missing required option, value outside choices). */
  readonly warnings: string[];
  readonly gateway: GatewayStats;
  /** The current session of each shard the bot identified (sorted by shard id). */
  gatewayShards(): ShardSession[];
  /** Resolves when every shard id in `shardIds` has a connected session (after READY). */
  waitForShards(shardIds: number[], timeoutMs?: number): Promise<ShardSession[]>;
  /** The shard (`(guild_id >> 22) % numShards`) a guild's events go to; numShards defaults to `shardCount`. */
  shardOf(guildId: string, numShards?: number): number;
  /** Every guild the bot is in, the main guild first. */
  guilds(): FakeGuild[];
  /**
   * The bot joins another guild (an @everyone role, a "general" channel; every user is a member),
   * with an id on `shard` (`[shard_id, num_shards]`) if given. GUILD_CREATE goes to that guild's shard.
   */
  addGuild(opts?: { name?: string; shard?: [number, number] }): FakeGuild;
  /**
   * A guild the bot is NOT in (every user is): no GUILD_CREATE, its channels answer the bot 403
   * 50001, and only `{ install: "user" }` interactions can come from it (use its `guildId` or `channelId`).
   */
  /** `externalApps: false` takes Use External Apps from @everyone: user-install answers there are forced ephemeral. */
  addForeignGuild(opts?: { name?: string; externalApps?: boolean }): FakeGuild;
  /** A group DM (channel type 3) of these members, without the bot: interactions there need `{ install: "user" }`. Returns its channel id. */
  addGroupDm(members: FakeUser[]): string;
  waitForReady(timeoutMs?: number): Promise<void>;
  attachment(bytes: Buffer, filename: string, opts?: { contentType?: string; size?: number; width?: number; height?: number }): DiscordAttachment;
  /** A slash command, in `channelId`, or in the "general" channel of `guildId`, or in the main channel. */
  command(name: string, options?: Record<string, OptionValue>, opts?: { user?: FakeUser; channelId?: string; guildId?: string; install?: InstallKind }): InteractionHandle;
  button(customId: string, message: StoredMessage, opts?: { user?: FakeUser; install?: InstallKind }): InteractionHandle;
  /** A user picks `values` in the string select `customId` on a message (MESSAGE_COMPONENT, component_type 3). */
  select(customId: string, message: StoredMessage, values: string[], opts?: { user?: FakeUser; install?: InstallKind }): InteractionHandle;
  /**
   * The user submits the modal an interaction was answered with (callback type 9): MODAL_SUBMIT with
   * the typed values (text input custom_id → string; string select custom_id → option values).
   * `from` is that interaction's handle or the modal's custom_id (most recent modal with it).
   * `message` defaults to the message of the component that opened the modal (none for commands).
   */
  submitModal(from: InteractionHandle | string, values: ModalValues, opts?: { user?: FakeUser; message?: StoredMessage; install?: InstallKind }): InteractionHandle;
  autocomplete(name: string, options: Record<string, string | number | boolean>, focused: string, opts?: { user?: FakeUser; channelId?: string; guildId?: string; install?: InstallKind }): InteractionHandle;
  /** A user (default alice) picks `name`, a registered message command (type 3), in the Apps menu of `message`. */
  messageCommand(name: string, message: StoredMessage, opts?: { user?: FakeUser; install?: InstallKind }): InteractionHandle;
  /**
   * A user (default alice) posts a message in a channel (default the main one), as Discord's client
   * would: files are uploaded to the CDN like any attachment (content_type from the filename, as
   * Discord does); `size` / `contentType` make the message claim other metadata than the bytes.
   * `embeds` are stored as given (e.g. a link's unfurled image). Not dispatched on the gateway:
   * StoryCast asks for no message intents.
   */
  userMessage(spec: {
    user?: FakeUser;
    channelId?: string;
    content?: string;
    files?: { bytes: Buffer; filename: string; size?: number; contentType?: string }[];
    embeds?: unknown[];
  }): StoredMessage;
  messages(channelId?: string): StoredMessage[];
  message(id: string): StoredMessage | undefined;
  /** Threads (bot- or user-started), oldest first; optionally only those in one parent channel. */
  threads(parentId?: string): StoredThread[];
  thread(id: string): StoredThread | undefined;
  /**
   * A user starts a thread (as Discord's client would): in `parentId` (default the main channel),
   * public by default, or from `message` (the thread then has the message's id). THREAD_CREATE is
   * dispatched if the bot can see the thread (public threads; private ones only if the bot is in `members`).
   */
  createThread(opts: {
    name: string;
    parentId?: string;
    type?: 11 | 12;
    user?: FakeUser;
    message?: StoredMessage;
    autoArchiveDuration?: 60 | 1440 | 4320 | 10080;
    /** Extra members (user ids; the bot's id to add the bot). */
    members?: string[];
  }): StoredThread;
  /** Discord or a moderator changes a thread (e.g. auto-archive after inactivity, lock); dispatches THREAD_UPDATE. */
  updateThread(id: string, change: { archived?: boolean; locked?: boolean; name?: string; autoArchiveDuration?: 60 | 1440 | 4320 | 10080 }): StoredThread;
  advanceClock(ms: number): void;
  now(): number;
  /** Injects faults: 429/5xx by `status`, or a Discord JSON error by `error` (e.g. `errors.unknownWebhook()`). */
  failNext(f: FailSpec): void;
  /** Holds matching requests open until the returned stall is released (a hanging Discord). */
  stallNext(spec: StallSpec): Stall;
  /** Every interaction token issued so far (secrets the bot must never write anywhere but Discord's request paths). */
  interactionTokens(): string[];
  denyPost(channelId: string): void;
  /** Denies the bot other permission bits in a channel (e.g. 1n << 35n, CREATE_PUBLIC_THREADS), with a member overwrite. */
  denyBot(channelId: string, permissions: bigint): void;
  allowPost(channelId: string): void;
  /** Makes DMs to this user fail with 403 50007 (user has DMs closed / blocked the bot). */
  denyDm(userId: string): void;
  /** Opens (or returns) the DM channel with a user, as POST /users/@me/channels would. */
  dmChannel(userId: string): string;
  /** Closes the gateway connection of every shard, or of `shard` only. */
  dropGateway(opts?: { code?: number; abrupt?: boolean; shard?: number }): void;
  /** Sends op 7 RECONNECT (on every shard, or on `shard` only). */
  reconnectGateway(shard?: number): void;
  /** Number of CDN downloads of an attachment URL (any query). */
  downloads(url: string): number;
  /** Polls `fn` until it gives a value; `fn` may be async (a store read), and its promise is awaited, never taken as the value. */
  /** `what` names the condition in the timeout's error; a function is asked at the timeout (to show the state then). */
  waitFor<T>(fn: () => T | undefined | false | null | Promise<T | undefined | false | null>, timeoutMs?: number, what?: string | (() => string)): Promise<T>;
  /** Empties requests, unknownRoutes, warnings, validationFailures, responseValidationFailures. */
  clearRecords(): void;
  close(): Promise<void>;
}

function decodePath(p: string): string {
  return p
    .split("/")
    .map((seg) => {
      try {
        return decodeURIComponent(seg);
      } catch {
        return seg;
      }
    })
    .join("/");
}

export async function startFakeDiscord(opts: StartOptions = {}): Promise<FakeDiscord> {
  const token = opts.token ?? DEFAULT_TOKEN;
  const attachmentSizeLimit = opts.attachmentSizeLimit ?? DEFAULT_ATTACHMENT_LIMIT;
  const validateResponses = opts.validateResponses ?? true;
  const world = new World(token, opts.guildShard ? { guildShard: opts.guildShard } : {});
  for (const g of opts.guilds ?? []) world.addGuild(g);
  const recommendedShards = opts.shardCount ?? 1;
  if (!Number.isInteger(recommendedShards) || recommendedShards < 1) throw new Error(`startFakeDiscord: shardCount must be an integer ≥ 1, got ${recommendedShards}`);
  const validator = OpenApiValidator.load(opts.openapiPath);
  validator.warm([
    ["POST", "/interactions/{interaction_id}/{interaction_token}/callback"],
    ["PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"],
    ["POST", "/webhooks/{webhook_id}/{webhook_token}"],
    ["POST", "/channels/{channel_id}/messages"],
    ["PUT", "/applications/{application_id}/commands"],
  ]);

  let port = 0;
  const base = () => `http://127.0.0.1:${port}`;
  const wsUrl = () => `ws://127.0.0.1:${port}`;
  const cdn = new Cdn(base, world.clock);
  const messages = new MessageService(world, cdn);
  const gateway = new Gateway({
    token,
    heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 41250,
    privilegedIntents: opts.privilegedIntents ?? 0,
    wsUrl,
    readyPayload: (sessionId, shard, guildIds) => ({
      v: 10,
      user_settings: {},
      user: { ...apiUser(world.botUser), bot: true, verified: true, mfa_enabled: false, email: null },
      guilds: guildIds.map((id) => ({ id, unavailable: true })),
      session_id: sessionId,
      session_type: "normal",
      resume_gateway_url: wsUrl(),
      shard,
      application: { id: world.applicationId, flags: 0 },
      private_channels: [],
      presences: [],
      relationships: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
      auth: {},
      _trace: ['["fake-gateway",{}]'],
    }),
    guildIds: () => [...world.guilds.keys()],
    guildCreatePayload: (guildId) => guildCreatePayload(world, guildId),
    ...(opts.maxGuildsPerShard !== undefined ? { maxGuildsPerShard: opts.maxGuildsPerShard } : {}),
  });
  if (opts.botPermissions !== undefined) world.roles.get(world.botRoleId)!.permissions |= opts.botPermissions;
  const interactions = new InteractionService(world, messages, gateway, attachmentSizeLimit);
  const threads = new ThreadService(world, gateway);
  const sessionStartLimit = { total: 1000, remaining: 1000 };
  const routes = buildRoutes({ world, messages, interactions, threads, gateway, wsUrl, sessionStartLimit, recommendedShards, maxConcurrency: opts.maxConcurrency ?? 1 });
  const limiter = new RateLimiter(opts.rateLimit?.limit ?? 50, opts.rateLimit?.windowMs ?? 1000);
  const faults = new FaultInjector();
  const stalls = new StallInjector();

  const requests: RestRecord[] = [];
  const unknownRoutes: RestRecord[] = [];
  const validationFailures: ValidationFailure[] = [];
  const responseValidationFailures: ResponseValidationFailure[] = [];

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: "500: Internal Server Error", code: 0, fake_error: String(err) }));
    });
  });
  server.on("upgrade", (req, socket, head) => gateway.handleUpgrade(req, socket, head));

  async function readBody(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of req) {
      const b = c as Buffer;
      n += b.length;
      if (n > MAX_REQUEST_BYTES) throw errors.tooLarge();
      chunks.push(b);
    }
    return Buffer.concat(chunks);
  }

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
    if (status === 204 || body === undefined) {
      res.writeHead(status, headers);
      res.end();
      return;
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { ...headers, "content-type": "application/json", "content-length": String(Buffer.byteLength(text)) });
    res.end(text);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", base());
    if (cdn.handle(req, res, url)) return;
    const method = (req.method ?? "GET").toUpperCase();
    const prefix = "/api/v10";
    const record: RestRecord = {
      method,
      // discord.js percent-encodes path segments (e.g. %40original); Discord decodes them.
      path: decodePath(url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) || "/" : url.pathname),
      query: Object.fromEntries(url.searchParams),
      body: undefined,
      files: [],
      status: 0,
      at: world.clock.now(),
      authorized: req.headers.authorization === `Bot ${token}`,
    };
    requests.push(record);
    let headers: Record<string, string> = {};
    const finish = (status: number, body: unknown) => {
      record.status = status;
      send(res, status, body, headers);
      if (validateResponses && record.route && body !== undefined) {
        // Spec quirk: ErrorDetails types field-error `code` as integer, but Discord's field
        // errors carry string codes ("BASE_TYPE_MAX_LENGTH"); only the envelope is checked.
        const checked =
          status === 400 && (body as { code?: unknown }).code === 50035
            ? { code: 50035, message: (body as { message?: unknown }).message }
            : body;
        const errs = validator.validateResponse(method, record.route, status, checked);
        if (errs) responseValidationFailures.push({ method, path: record.path, route: record.route, status, errors: errs, body });
      }
    };

    try {
      const raw = await readBody(req);
      // ---- body parsing (JSON or multipart with payload_json + files[n])
      const ctype = req.headers["content-type"];
      const boundary = multipartBoundary(ctype);
      let body: unknown;
      const files: UploadedFile[] = [];
      if (boundary) {
        let parts;
        try {
          parts = parseMultipart(raw, boundary);
        } catch (e) {
          if (e instanceof MultipartError) throw errors.badRequest(`400: Bad Request (multipart: ${e.message})`);
          throw e;
        }
        const fields: Record<string, string> = {};
        for (const p of parts) {
          if (p.name === "payload_json") {
            try {
              body = JSON.parse(p.data.toString("utf8"));
            } catch {
              throw errors.invalidJson();
            }
          } else if (p.filename !== undefined || /^files\[\d+\]$/.test(p.name) || p.name === "file") {
            files.push({ name: p.name, filename: p.filename ?? "", contentType: p.contentType ?? "application/octet-stream", bytes: p.data });
          } else fields[p.name] = p.data.toString("utf8");
        }
        if (body === undefined && Object.keys(fields).length) body = fields;
      } else if (raw.length) {
        if (ctype && !/^application\/json\b/i.test(ctype)) throw errors.badRequest("400: Bad Request (unsupported Content-Type)");
        try {
          body = JSON.parse(raw.toString("utf8"));
        } catch {
          throw errors.invalidJson();
        }
      }
      record.body = body;
      record.files = files;

      if (!url.pathname.startsWith(`${prefix}/`)) throw errors.notFound();
      const match = matchRoute(routes, method, record.path);
      const documented = validator.matchPath(record.path);
      if (documented) record.route = documented.template;
      if (!match) {
        unknownRoutes.push(record);
        throw errors.notFound();
      }
      if ("methodNotAllowed" in match) {
        unknownRoutes.push(record);
        throw errors.methodNotAllowed();
      }
      const route: RouteDef = match.route;
      record.route = route.template;

      if (route.auth && !record.authorized) throw errors.unauthorized();

      const bucket = RateLimiter.bucketHash(method, route.template);
      await stalls.wait(method, record.path, record.files.length);
      const fault = faults.take(method, record.path, record.files.length);
      if (fault) {
        const f = faultResponse(fault, bucket);
        headers = f.headers;
        finish(f.status, f.body);
        return;
      }
      const rl = limiter.take(method, route.template, majorParameter(match.params));
      headers = rl.headers;
      if (rl.retryAfter !== undefined) {
        finish(429, { message: "You are being rate limited.", retry_after: rl.retryAfter, global: false, code: 0 });
        return;
      }

      if (files.some((f) => f.bytes.length > attachmentSizeLimit)) throw errors.tooLarge();

      const bodyRule = validator.requestBodyRule(method, route.template);
      if (bodyRule === "required" || (bodyRule === "optional" && body !== undefined)) {
        const v = validator.validateRequest(method, route.template, body);
        if (!v.ok) throw errors.invalidFormBody(v.errors, v.ajvErrors);
      }

      const result = route.handler({ method, params: match.params, query: url.searchParams, body, files });
      finish(result.status, result.body);
    } catch (e) {
      if (e instanceof DiscordHttpError) {
        if (e.body.code === 50035) {
          validationFailures.push({ method, path: record.path, ...(record.route ? { route: record.route } : {}), errors: e.body.errors, body: record.body, ajvErrors: e.ajvErrors });
        }
        headers = { ...headers, ...e.headers };
        finish(e.status, e.body);
        return;
      }
      throw e;
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  const snapshot = (id: string): StoredMessage | undefined => {
    const m = world.messages.get(id);
    return m ? world.snapshot(m, apiMessage(world, m)) : undefined;
  };

  const fake: FakeDiscord = {
    apiUrl: `${base()}/api`,
    wsUrl: wsUrl(),
    cdnUrl: base(),
    token,
    applicationId: world.applicationId,
    botUserId: world.botUser.id,
    guildId: world.guildId,
    channelId: world.channelId,
    otherChannelId: world.otherChannelId,
    attachmentSizeLimit,
    users: world.users,
    owner: { id: world.ownerId, username: world.userById(world.ownerId)!.username, permissions: world.basePermissions(world.members.get(world.ownerId)!.roles).toString() },
    roleIds: { moderator: world.modRoleId, admin: world.adminRoleId, storyteller: world.storytellerRoleId },
    requests,
    unknownRoutes,
    validationFailures,
    responseValidationFailures,
    commands: world.commands as unknown as FakeDiscord["commands"],
    warnings: interactions.warnings,
    gateway: gateway.stats,
    gatewayShards: () => gateway.shards(),
    waitForShards: (shardIds, timeoutMs = 15_000) =>
      fake.waitFor(
        () => {
          const live = gateway.shards().filter((s) => s.connected);
          return shardIds.every((id) => live.some((s) => s.shard[0] === id)) ? live : undefined;
        },
        timeoutMs,
        `gateway sessions of shards ${shardIds.join(", ")}`,
      ),
    shardOf: (guildId, numShards = recommendedShards) => shardOf(guildId, numShards),
    guilds: () => [...world.guilds.values()].map((g) => ({ ...g })),
    addGuild(o = {}) {
      const g = world.addGuild(o);
      gateway.dispatchFor(INTENTS.GUILDS, "GUILD_CREATE", guildCreatePayload(world, g.id)); // docs "Gateway Events" → Guild Create (the bot joined)
      return { ...g };
    },
    addForeignGuild: (o = {}) => ({ ...world.addForeignGuild(o) }),
    addGroupDm: (members) => world.addGroupDm(members.map((m) => m.id)).id,
    waitForReady: (timeoutMs = 10_000) => gateway.waitForReady(timeoutMs),
    attachment(bytes, filename, o = {}) {
      const id = world.ids.next();
      const { url, proxyUrl } = cdn.host(`ephemeral-attachments/${world.applicationId}`, id, filename, bytes);
      const contentType = o.contentType ?? mimeFromFilename(filename) ?? "application/octet-stream";
      const dims = o.width !== undefined || o.height !== undefined ? { width: o.width ?? 0, height: o.height ?? 0 } : imageSize(bytes);
      return {
        id,
        filename,
        size: o.size ?? bytes.length,
        url,
        proxy_url: proxyUrl,
        content_type: contentType,
        ...(dims ? { width: dims.width, height: dims.height } : {}),
        ephemeral: true,
      };
    },
    command: (name, options = {}, o) => interactions.command(name, options, o),
    button: (customId, message, o) => interactions.button(customId, message, o),
    select: (customId, message, values, o) => interactions.select(customId, message, values, o),
    submitModal: (from, values, o) => interactions.submitModal(from, values, o),
    autocomplete: (name, options, focused, o) => interactions.autocomplete(name, options, focused, o),
    messageCommand: (name, message, o) => interactions.messageCommand(name, message, o),
    userMessage(spec) {
      const user = spec.user ?? world.users.alice;
      const channelId = spec.channelId ?? world.channelId;
      if (!world.channels.has(channelId)) throw new Error(`fake.userMessage: unknown channel ${channelId}`);
      const files = spec.files ?? [];
      const m = messages.create({
        channelId,
        body: { content: spec.content ?? "", ...(spec.embeds ? { embeds: spec.embeds } : {}) },
        files: files.map((f, i) => ({ name: `files[${i}]`, filename: f.filename, contentType: f.contentType ?? "application/octet-stream", bytes: f.bytes })),
        authorId: user.id,
        type: 0,
        allowEphemeral: false,
      });
      files.forEach((f, i) => {
        const a = m.attachments[i];
        if (!a) return;
        if (f.size !== undefined) a.reportedSize = f.size;
        if (f.contentType !== undefined) a.reportedContentType = f.contentType;
      });
      return snapshot(m.id)!;
    },
    messages(channelId) {
      return world.messageOrder
        .map((id) => world.messages.get(id)!)
        .filter((m) => channelId === undefined || m.channelId === channelId)
        .map((m) => world.snapshot(m, apiMessage(world, m)));
    },
    message: snapshot,
    threads: (parentId) => threads.all(parentId).map((t) => threads.snapshot(t)),
    thread(id) {
      const t = world.channels.get(id);
      return world.isThread(t) ? threads.snapshot(t) : undefined;
    },
    createThread(o) {
      const parent = world.channels.get(o.parentId ?? world.channelId);
      if (!parent || parent.guildId === undefined) throw new Error(`fake.createThread: ${o.parentId} is not a guild channel`);
      const user = o.user ?? world.users.alice;
      const body = { name: o.name, type: o.type ?? CT.PUBLIC_THREAD, ...(o.autoArchiveDuration ? { auto_archive_duration: o.autoArchiveDuration } : {}) };
      let t;
      if (o.message) {
        const m = world.messages.get(o.message.id);
        if (!m || m.deleted || m.channelId !== parent.id) throw new Error(`fake.createThread: message ${o.message.id} is not in channel ${parent.id}`);
        if (o.type === CT.PRIVATE_THREAD) throw new Error("fake.createThread: threads started from a message are public");
        t = threads.startFromMessage(parent, m, body, user.id, false, o.members);
      } else {
        t = threads.startWithoutMessage(parent, body, user.id, false, o.members);
      }
      return threads.snapshot(t);
    },
    updateThread(id, change) {
      const t = world.channels.get(id);
      if (!world.isThread(t)) throw new Error(`fake.updateThread: ${id} is not a thread`);
      threads.update(t, change);
      return threads.snapshot(t);
    },
    advanceClock: (ms) => world.clock.advance(ms),
    now: () => world.clock.now(),
    failNext: (f) => faults.add(f),
    stallNext: (spec) => stalls.add(spec),
    interactionTokens: () => [...interactions.byToken.keys()],
    denyPost(channelId) {
      fake.denyBot(channelId, P.SEND_MESSAGES);
    },
    denyBot(channelId, permissions) {
      const ch = world.channels.get(channelId);
      if (!ch || ch.guildId === undefined) throw new Error(`fake.denyBot: ${channelId} is not a guild channel`);
      const ow = ch.permissionOverwrites.find((o) => o.type === 1 && o.id === world.botUser.id);
      if (ow) ow.deny = (BigInt(ow.deny) | permissions).toString();
      else ch.permissionOverwrites.push({ id: world.botUser.id, type: 1, allow: "0", deny: permissions.toString() });
      gateway.dispatch("CHANNEL_UPDATE", apiChannel(world, ch)); // docs "Gateway Events" → Channel Update
    },
    allowPost(channelId) {
      const ch = world.channels.get(channelId);
      if (!ch) throw new Error(`fake.allowPost: unknown channel ${channelId}`);
      ch.permissionOverwrites = ch.permissionOverwrites.filter((o) => !(o.type === 1 && o.id === world.botUser.id));
      gateway.dispatch("CHANNEL_UPDATE", apiChannel(world, ch));
    },
    denyDm: (userId) => void world.dmDenied.add(userId),
    dmChannel(userId) {
      if (!world.userById(userId)) throw new Error(`fake.dmChannel: unknown user ${userId}`);
      let ch = [...world.channels.values()].find((c) => c.type === 1 && c.recipientId === userId);
      if (!ch) {
        ch = { id: world.ids.next(), type: 1, recipientId: userId, permissionOverwrites: [], lastMessageId: null };
        world.channels.set(ch.id, ch);
      }
      return ch.id;
    },
    dropGateway: (o) => gateway.drop(o),
    reconnectGateway: (shard) => gateway.requestReconnect(shard),
    downloads(u) {
      const p = new URL(u).pathname.replace(/^\/media\//, "/");
      return cdn.downloads.get(p) ?? 0;
    },
    async waitFor<T>(fn: () => T | undefined | false | null | Promise<T | undefined | false | null>, timeoutMs = 5000, what: string | (() => string) = "condition"): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const v = await fn();
        if (v !== undefined && v !== false && v !== null) return v;
        if (Date.now() > deadline) throw new Error(`fake discord: timed out after ${timeoutMs} ms waiting for ${typeof what === "function" ? what() : what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    clearRecords() {
      requests.length = 0;
      unknownRoutes.length = 0;
      interactions.warnings.length = 0;
      validationFailures.length = 0;
      responseValidationFailures.length = 0;
    },
    async close() {
      stalls.releaseAll();
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  return fake;
}
