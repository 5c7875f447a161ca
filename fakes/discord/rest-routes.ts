/**
 * REST route table (Discord API v10). Templates are the OpenAPI path keys, so request bodies
 * are validated against the operation of the same template + method.
 *
 * Implemented (docs section in brackets):
 *   GET  /gateway, /gateway/bot                                 [Gateway → Get Gateway (Bot)]
 *   GET  /users/@me, POST /users/@me/channels                   [User → Get Current User, Create DM]
 *   GET  /applications/@me                                       [Application → Get Current Application]
 *   GET/PUT/POST /applications/{app}/commands (+ GET/DELETE …/{command_id})
 *   GET/PUT/POST /applications/{app}/guilds/{guild}/commands (+ GET/DELETE …/{command_id})
 *                                                                [Application Commands]
 *   POST /interactions/{id}/{token}/callback                     [Receiving and Responding]
 *   POST /webhooks/{app}/{token}; GET/PATCH/DELETE …/messages/@original and …/messages/{id}
 *                                                                [Receiving and Responding → Followup Messages]
 *   GET  /channels/{id}; GET/POST /channels/{id}/messages; GET/PATCH/DELETE /channels/{id}/messages/{id}
 *                                                                [Channel, Message]
 *   PATCH /channels/{id}                                         [Channel → Modify Channel: threads (JSON Params (Thread));
 *                                                                 guild channels: name/topic with MANAGE_CHANNELS]
 *   POST /channels/{id}/threads, POST /channels/{id}/messages/{id}/threads
 *                                                                [Channel → Start Thread without Message / from Message]
 *   Thread rules (permissions, archive/lock, auto-unarchive on send) live in threads.ts.
 * Interaction callback and interaction-webhook routes need no Authorization (discord.js sends
 * none); all others need `Bot <token>`.
 */
import { addFieldError, errors, isEmptyTree, type ErrorTree } from "./discord-errors.js";
import type { InteractionService } from "./interactions.js";
import type { MessageService } from "./messages.js";
import type { Gateway } from "./gateway.js";
import { INTENTS } from "./gateway.js";
import { apiChannel, apiMessage, apiUser } from "./serialize.js";
import { CT, MF, P, type CommandRecord, type World } from "./state.js";
import type { ThreadService } from "./threads.js";
import type { UploadedFile } from "./types.js";

export interface RouteContext {
  method: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: any;
  files: UploadedFile[];
}

export interface RouteResult {
  status: number;
  body?: unknown;
}

export interface RouteDef {
  method: string;
  template: string;
  auth: boolean;
  segments: string[];
  handler: (ctx: RouteContext) => RouteResult;
}

export interface RouteServices {
  world: World;
  messages: MessageService;
  interactions: InteractionService;
  threads: ThreadService;
  gateway: Gateway;
  wsUrl: () => string;
  sessionStartLimit: { total: number; remaining: number };
  /** `shards` of GET /gateway/bot (docs "Gateway" → Get Gateway Bot: the recommended number of shards). */
  recommendedShards: number;
  /** `session_start_limit.max_concurrency`: how many shards may IDENTIFY per 5 s (bucket `shard_id % max_concurrency`). */
  maxConcurrency: number;
}

const ok = (body: unknown, status = 200): RouteResult => ({ status, body });
const noContent = (): RouteResult => ({ status: 204 });

/** Chat input command and option names (docs "Application Commands" → "Application Command Naming"). */
const NAME_RE = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

export function buildRoutes(s: RouteServices): RouteDef[] {
  const w = s.world;
  const defs: Omit<RouteDef, "segments">[] = [];
  const route = (method: string, template: string, auth: boolean, handler: RouteDef["handler"]) =>
    defs.push({ method, template, auth, handler });

  const requireApp = (id: string | undefined) => {
    if (id !== w.applicationId) throw errors.missingAccess();
  };
  const requireGuild = (id: string | undefined) => {
    if (id === undefined || !w.guilds.has(id)) throw errors.missingAccess();
  };
  const channelOr404 = (id: string | undefined) => {
    const ch = id ? w.channels.get(id) : undefined;
    if (!ch) throw errors.unknownChannel();
    // A guild channel the bot cannot see (or a guild it is not in), a group DM it is not part of: 403 50001.
    if (ch.guildId !== undefined && !(w.channelPermissions(w.botUser.id, ch.id) & P.VIEW_CHANNEL)) throw errors.missingAccess();
    if (ch.recipientIds !== undefined && !ch.recipientIds.includes(w.botUser.id)) throw errors.missingAccess();
    return ch;
  };
  const channelMessage = (channelId: string | undefined, messageId: string | undefined) => {
    const ch = channelOr404(channelId);
    const m = messageId ? w.messages.get(messageId) : undefined;
    if (!m || m.deleted || m.channelId !== ch.id || m.flags & MF.EPHEMERAL) throw errors.unknownMessage();
    return m;
  };

  // -------------------------------------------------------------------------- gateway
  route("GET", "/gateway", false, () => ok({ url: s.wsUrl() }));
  route("GET", "/gateway/bot", true, () =>
    ok({
      url: s.wsUrl(),
      shards: s.recommendedShards,
      session_start_limit: { total: s.sessionStartLimit.total, remaining: s.sessionStartLimit.remaining, reset_after: 14_400_000, max_concurrency: s.maxConcurrency },
    }),
  );

  // -------------------------------------------------------------------------- users / application
  route("GET", "/users/@me", true, () =>
    ok({ ...apiUser(w.botUser), bot: true, mfa_enabled: false, locale: "en-US", verified: true, email: null, premium_type: 0 }),
  );
  route("GET", "/applications/@me", true, () =>
    ok({
      id: w.applicationId,
      name: w.botUser.username,
      icon: null,
      description: "",
      type: null,
      bot: apiUser(w.botUser),
      bot_public: true,
      bot_require_code_grant: false,
      verify_key: "0".repeat(64),
      flags: 0,
      flags_new: "0",
      redirect_uris: [],
      interactions_endpoint_url: null,
      role_connections_verification_url: null,
      owner: apiUser(w.userById(w.ownerId)!),
      approximate_guild_count: w.guilds.size,
      approximate_user_install_count: 0,
      approximate_user_authorization_count: 0,
      explicit_content_filter: 0,
      team: null,
      eligible_oauth2_scopes: [],
      integration_types_config: { "0": {} },
      tags: [],
    }),
  );
  route("POST", "/users/@me/channels", true, ({ body }) => {
    const recipient = typeof body?.recipient_id === "string" ? w.userById(body.recipient_id) : undefined;
    if (!recipient || recipient.id === w.botUser.id) throw errors.unknownUser();
    let ch = [...w.channels.values()].find((c) => c.type === 1 && c.recipientId === recipient.id);
    if (!ch) {
      ch = { id: w.ids.next(), type: 1, recipientId: recipient.id, permissionOverwrites: [], lastMessageId: null };
      w.channels.set(ch.id, ch);
    }
    return ok(apiChannel(w, ch));
  });

  // -------------------------------------------------------------------------- application commands
  const commandList = (guildId?: string): CommandRecord[] => {
    if (guildId === undefined) return w.commands.global;
    let l = w.commands.guild.get(guildId);
    if (!l) w.commands.guild.set(guildId, (l = []));
    return l;
  };
  const upsert = (list: CommandRecord[], body: any, guildId: string | undefined): CommandRecord => {
    const type = typeof body.type === "number" ? body.type : 1;
    const existing = list.find((c) => c.name === body.name && c.type === type);
    const rec = toCommandRecord(w, body, type, guildId, existing);
    if (existing) list.splice(list.indexOf(existing), 1, rec);
    else list.push(rec);
    return rec;
  };
  for (const guild of [false, true]) {
    const base = guild ? "/applications/{application_id}/guilds/{guild_id}/commands" : "/applications/{application_id}/commands";
    route("GET", base, true, ({ params }) => {
      requireApp(params.application_id);
      if (guild) requireGuild(params.guild_id);
      return ok(commandList(guild ? params.guild_id : undefined));
    });
    route("PUT", base, true, ({ params, body }) => {
      requireApp(params.application_id);
      if (guild) requireGuild(params.guild_id);
      const cmds: any[] = Array.isArray(body) ? body : [];
      const tree: ErrorTree = {};
      const seen = new Set<string>();
      cmds.forEach((c, i) => {
        checkCommand(c, [i], tree);
        const key = `${c?.type ?? 1}:${c?.name}`;
        if (seen.has(key))
          addFieldError(tree, [i, "name"], { code: "APPLICATION_COMMANDS_DUPLICATE_NAME", message: `Application command names must be unique` });
        seen.add(key);
      });
      if (!isEmptyTree(tree)) throw errors.invalidFormBody(tree);
      const list = commandList(guild ? params.guild_id : undefined);
      const old = [...list];
      list.length = 0;
      for (const c of cmds) {
        const type = typeof c.type === "number" ? c.type : 1;
        list.push(toCommandRecord(w, c, type, guild ? params.guild_id : undefined, old.find((o) => o.name === c.name && o.type === type)));
      }
      w.commands.puts++;
      return ok(list);
    });
    route("POST", base, true, ({ params, body }) => {
      requireApp(params.application_id);
      if (guild) requireGuild(params.guild_id);
      const tree: ErrorTree = {};
      checkCommand(body, [], tree);
      if (!isEmptyTree(tree)) throw errors.invalidFormBody(tree);
      const list = commandList(guild ? params.guild_id : undefined);
      const existed = list.some((c) => c.name === body.name && c.type === (body.type ?? 1));
      return ok(upsert(list, body, guild ? params.guild_id : undefined), existed ? 200 : 201);
    });
    route("GET", `${base}/{command_id}`, true, ({ params }) => {
      requireApp(params.application_id);
      if (guild) requireGuild(params.guild_id);
      const c = commandList(guild ? params.guild_id : undefined).find((x) => x.id === params.command_id);
      if (!c) throw errors.unknownCommand();
      return ok(c);
    });
    route("DELETE", `${base}/{command_id}`, true, ({ params }) => {
      requireApp(params.application_id);
      if (guild) requireGuild(params.guild_id);
      const list = commandList(guild ? params.guild_id : undefined);
      const i = list.findIndex((x) => x.id === params.command_id);
      if (i < 0) throw errors.unknownCommand();
      list.splice(i, 1);
      return noContent();
    });
  }

  // -------------------------------------------------------------------------- interactions
  route("POST", "/interactions/{interaction_id}/{interaction_token}/callback", false, ({ params, body, files, query }) =>
    s.interactions.handleCallback(params.interaction_id!, params.interaction_token!, body, files, query.get("with_response") === "true"),
  );
  route("POST", "/webhooks/{webhook_id}/{webhook_token}", false, ({ params, body, files }) =>
    ok(s.interactions.webhookExecute(params.webhook_id!, params.webhook_token!, body, files)),
  );
  for (const t of ["/webhooks/{webhook_id}/{webhook_token}/messages/@original", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"]) {
    const mid = (p: Record<string, string>) => p.message_id ?? "@original";
    route("GET", t, false, ({ params }) => ok(s.interactions.webhookGet(params.webhook_id!, params.webhook_token!, mid(params))));
    route("PATCH", t, false, ({ params, body, files }) =>
      ok(s.interactions.webhookEdit(params.webhook_id!, params.webhook_token!, mid(params), body, files)),
    );
    route("DELETE", t, false, ({ params }) => {
      s.interactions.webhookDelete(params.webhook_id!, params.webhook_token!, mid(params));
      return noContent();
    });
  }

  // -------------------------------------------------------------------------- channels / messages
  route("GET", "/channels/{channel_id}", true, ({ params }) => ok(apiChannel(w, channelOr404(params.channel_id))));
  route("PATCH", "/channels/{channel_id}", true, ({ params, body }) => {
    const ch = channelOr404(params.channel_id);
    if (w.isThread(ch)) {
      s.threads.modify(ch, body, w.botUser.id);
      return ok(apiChannel(w, ch));
    }
    if (ch.type === CT.DM) throw errors.invalidChannelType();
    // Guild channels (docs "Modify Channel" → JSON Params (Guild channel)): MANAGE_CHANNELS; only name/topic are modelled.
    if (!(w.channelPermissions(w.botUser.id, ch.id) & P.MANAGE_CHANNELS)) throw errors.missingPermissions();
    if (typeof body?.name === "string") ch.name = body.name;
    if (body && "topic" in body) ch.topic = typeof body.topic === "string" ? body.topic : null;
    s.gateway.dispatchFor(INTENTS.GUILDS, "CHANNEL_UPDATE", apiChannel(w, ch));
    return ok(apiChannel(w, ch));
  });
  route("POST", "/channels/{channel_id}/threads", true, ({ params, body }) => {
    const parent = channelOr404(params.channel_id);
    return ok(apiChannel(w, s.threads.startWithoutMessage(parent, body, w.botUser.id)), 201);
  });
  route("POST", "/channels/{channel_id}/messages/{message_id}/threads", true, ({ params, body }) => {
    const m = channelMessage(params.channel_id, params.message_id);
    const parent = w.channels.get(m.channelId)!;
    return ok(apiChannel(w, s.threads.startFromMessage(parent, m, body, w.botUser.id)), 201);
  });
  route("GET", "/channels/{channel_id}/messages", true, ({ params, query }) => {
    const ch = channelOr404(params.channel_id);
    const limit = Math.min(100, Math.max(1, Number(query.get("limit") ?? 50) || 50));
    const list = w.messageOrder
      .map((id) => w.messages.get(id)!)
      .filter((m) => m.channelId === ch.id && !m.deleted && !(m.flags & MF.EPHEMERAL))
      .reverse()
      .slice(0, limit);
    return ok(list.map((m) => apiMessage(w, m)));
  });
  route("POST", "/channels/{channel_id}/messages", true, ({ params, body, files }) => {
    const ch = channelOr404(params.channel_id);
    if (ch.type === 1) {
      if (ch.recipientId !== undefined && w.dmDenied.has(ch.recipientId)) throw errors.cannotDmUser();
    } else if (w.isThread(ch)) {
      // SEND_MESSAGES_IN_THREADS, lock/archive rules, auto-unarchive and auto-join (threads.ts).
      s.threads.checkPost(ch, w.botUser.id);
      if (files.length && !(w.channelPermissions(w.botUser.id, ch.id) & P.ATTACH_FILES)) throw errors.missingPermissions();
    } else {
      const perms = w.channelPermissions(w.botUser.id, ch.id);
      if (!(perms & P.SEND_MESSAGES)) throw errors.missingPermissions();
      if (files.length && !(perms & P.ATTACH_FILES)) throw errors.missingPermissions();
    }
    const m = s.messages.create({
      channelId: ch.id,
      body: body ?? {},
      files,
      authorId: w.botUser.id,
      type: body?.message_reference ? 19 : 0,
      allowEphemeral: false,
    });
    if (w.isThread(ch)) s.threads.afterPost(ch, w.botUser.id);
    return ok(apiMessage(w, m));
  });
  route("GET", "/channels/{channel_id}/messages/{message_id}", true, ({ params }) =>
    ok(apiMessage(w, channelMessage(params.channel_id, params.message_id))),
  );
  route("PATCH", "/channels/{channel_id}/messages/{message_id}", true, ({ params, body, files }) => {
    const m = channelMessage(params.channel_id, params.message_id);
    if (m.authorId !== w.botUser.id) {
      // Other users' messages: only flags (SUPPRESS_EMBEDS) may be edited, with MANAGE_MESSAGES.
      throw errors.cannotEditOthers();
    }
    const ch = w.channels.get(m.channelId);
    if (w.isThread(ch)) s.threads.beforeEdit(ch, w.botUser.id);
    s.messages.edit(m, body, files);
    return ok(apiMessage(w, m));
  });
  route("DELETE", "/channels/{channel_id}/messages/{message_id}", true, ({ params }) => {
    const m = channelMessage(params.channel_id, params.message_id);
    if (m.authorId !== w.botUser.id && !(w.channelPermissions(w.botUser.id, m.channelId) & P.MANAGE_MESSAGES)) throw errors.missingPermissions();
    s.messages.delete(m);
    return noContent();
  });

  return defs
    .map((d) => ({ ...d, segments: d.template.split("/").filter(Boolean) }))
    .sort((a, b) => literalCount(b.segments) - literalCount(a.segments));
}

function literalCount(segs: string[]): number {
  return segs.filter((x) => !x.startsWith("{")).length;
}

/** Matches an already percent-decoded path. */
export function matchRoute(
  routes: RouteDef[],
  method: string,
  path: string,
): { route: RouteDef; params: Record<string, string> } | { methodNotAllowed: true } | undefined {
  const segs = path.split("/").filter(Boolean);
  let pathMatched = false;
  for (const r of routes) {
    if (r.segments.length !== segs.length) continue;
    const params: Record<string, string> = {};
    let okay = true;
    for (let i = 0; i < segs.length; i++) {
      const t = r.segments[i]!;
      const v = segs[i]!;
      if (t.startsWith("{")) {
        params[t.slice(1, -1)] = v;
      } else if (t !== v) {
        okay = false;
        break;
      }
    }
    if (!okay) continue;
    pathMatched = true;
    if (r.method === method) return { route: r, params };
  }
  return pathMatched ? { methodNotAllowed: true } : undefined;
}

/** Major parameter for rate limit buckets (docs "Rate Limits"). */
export function majorParameter(params: Record<string, string>): string {
  if (params.channel_id) return `c:${params.channel_id}`;
  if (params.guild_id) return `g:${params.guild_id}`;
  if (params.webhook_id) return `w:${params.webhook_id}:${params.webhook_token ?? ""}`;
  if (params.interaction_id) return `i:${params.interaction_id}`;
  return "";
}

function toCommandRecord(w: World, body: any, type: number, guildId: string | undefined, existing: CommandRecord | undefined): CommandRecord {
  const dmp = body.default_member_permissions;
  const rec: CommandRecord = {
    id: existing?.id ?? w.ids.next(),
    application_id: w.applicationId,
    version: w.ids.next(),
    default_member_permissions: dmp === undefined || dmp === null ? null : String(dmp),
    type,
    name: body.name,
    description: typeof body.description === "string" ? body.description : "",
    ...(guildId !== undefined ? { guild_id: guildId } : {}),
    ...(body.name_localizations ? { name_localizations: body.name_localizations } : {}),
    ...(body.description_localizations ? { description_localizations: body.description_localizations } : {}),
    ...(Array.isArray(body.options) && body.options.length ? { options: stripNulls(body.options) } : {}),
    dm_permission: body.dm_permission ?? true,
    contexts: Array.isArray(body.contexts) ? body.contexts : guildId === undefined ? [0, 1, 2] : null,
    integration_types: Array.isArray(body.integration_types) ? body.integration_types : [0],
    nsfw: body.nsfw === true,
  };
  if (existing && JSON.stringify({ ...existing, version: "" }) === JSON.stringify({ ...rec, version: "" })) rec.version = existing.version;
  return rec;
}

function stripNulls(v: any): any {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (v && typeof v === "object") {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) o[k] = stripNulls(x);
    return o;
  }
  return v;
}

/**
 * Checks the documented command rules the schema does not express (docs "Application Commands"):
 * CHAT_INPUT names/option names match the naming regex and are lowercase; CHAT_INPUT commands
 * and options need a 1–100 character description; required options precede optional ones.
 */
export function checkCommand(c: any, p: (string | number)[], tree: ErrorTree): void {
  if (!c || typeof c !== "object") return;
  const chatInput = (c.type ?? 1) === 1;
  const checkName = (name: unknown, at: (string | number)[]) => {
    if (typeof name !== "string") return;
    if (chatInput && (!NAME_RE.test(name) || name !== name.toLowerCase()))
      addFieldError(tree, [...at, "name"], { code: "APPLICATION_COMMAND_INVALID_NAME", message: "Command name is invalid" });
  };
  const checkDescription = (d: unknown, at: (string | number)[]) => {
    if (chatInput && (typeof d !== "string" || d.length < 1 || d.length > 100))
      addFieldError(tree, [...at, "description"], { code: "BASE_TYPE_BAD_LENGTH", message: "Must be between 1 and 100 in length." });
  };
  checkName(c.name, p);
  checkDescription(c.description, p);
  if (!chatInput) checkContextMenu(c, p, tree);
  const walk = (opts: unknown, at: (string | number)[]) => {
    if (!Array.isArray(opts)) return;
    let sawOptional = false;
    opts.forEach((o: any, i: number) => {
      const here = [...at, "options", i];
      if (!o || typeof o !== "object") return;
      checkName(o.name, here);
      checkDescription(o.description, here);
      if (o.type === 1 || o.type === 2) walk(o.options, here);
      else if (o.required) {
        if (sawOptional)
          addFieldError(tree, [...here, "required"], {
            code: "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
            message: "Required options must be placed before non-required options",
          });
      } else sawOptional = true;
    });
  };
  walk(c.options, p);
}

/**
 * USER (2) and MESSAGE (3) commands (docs "Application Commands" → Application Command Structure:
 * description "Empty string for USER and MESSAGE commands"; options "CHAT_INPUT only"; the name's
 * 1–32 characters are the OpenAPI schema's check). A non-empty description is refused with the code
 * Discord answers (discord-api-docs#5836: APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION_INVALID).
 */
function checkContextMenu(c: any, p: (string | number)[], tree: ErrorTree): void {
  if (typeof c.description === "string" && c.description !== "")
    addFieldError(tree, [...p, "description"], { code: "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION_INVALID", message: "Context menu commands cannot have description" });
  // The code for options on a context-menu command is not documented; the rule is ("CHAT_INPUT only").
  if (Array.isArray(c.options) && c.options.length > 0)
    addFieldError(tree, [...p, "options"], { code: "APPLICATION_COMMAND_OPTIONS_INVALID", message: "Context menu commands cannot have options" });
}
