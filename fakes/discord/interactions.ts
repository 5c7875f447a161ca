/**
 * Interactions (Discord docs "Interactions" → "Receiving and Responding", "Interaction Object",
 * "Interaction Response Object", "Application Commands").
 *
 * - Dispatch: INTERACTION_CREATE over the gateway with a full payload.
 * - Initial response: POST /interactions/{id}/{token}/callback within 3 s of dispatch
 *   (fake clock), else 404 10062 "Unknown interaction"; a second response → 400 40060.
 *   Callback types valid per interaction type: command 4/5/9, component 4/5/6/7/9,
 *   autocomplete 8 (others → 400 50035). A failed (4xx) callback does not acknowledge.
 * - `?with_response=true` → 200 interaction callback response, else 204.
 * - Webhook (application id + interaction token) works for 15 minutes after dispatch, then
 *   401 50027 "Invalid Webhook Token". Before the interaction is acknowledged with 4/5/6/7
 *   the webhook does not exist (404 10015 "Unknown Webhook").
 * - DEFERRED (5): creates the "thinking" message (flag LOADING, plus EPHEMERAL if data.flags
 *   had 64); its ephemerality cannot change later. The first follow-up after a deferral
 *   that has not been edited edits that message instead of creating a new one ("Create
 *   Followup Message": flags are then ignored).
 * - DEFERRED_UPDATE_MESSAGE (6) / UPDATE_MESSAGE (7) on components: @original is the
 *   message the component is on; 7 edits it immediately.
 * - Follow-ups: `wait` is always true for interaction follow-ups (message returned);
 *   flags 64 makes a follow-up ephemeral.
 * - MODAL (9) ("Interaction Response Object" → Modal; "Component Reference" → Text Input, Label):
 *   1–5 top-level components (action rows holding one text input, labels, text displays),
 *   custom_ids unique within the modal; a text input in a (legacy) action row needs a `label`.
 *   Components get sequential numeric ids like message components. Not allowed in answer to a
 *   MODAL_SUBMIT. The modal does not acknowledge the interaction for the webhook (no @original).
 * - MODAL_SUBMIT (5) ("Interaction Object" → Modal Submit Data Structure): `data.components`
 *   mirror the modal's layout (action row → {type:1,id,components:[{type:4,id,custom_id,value}]},
 *   label → {type:18,id,component:{…}}, text display → {type:10,id}); unfilled inputs send their
 *   pre-filled `value` or "". A string select (3) in a label sends `values` (its default options
 *   when untouched); a file upload (19, "Component Reference" → File Upload) sends `values` = the
 *   uploaded attachments' ids ([] when none), with each attachment object in
 *   `data.resolved.attachments` (hosted on the fake CDN like command attachments, i.e. made with
 *   `fake.attachment(...)`). `message` is included when the modal was opened from a message
 *   component ("For components or modals triggered by components, the message they were attached
 *   to"); only then are DEFERRED_UPDATE_MESSAGE (6) / UPDATE_MESSAGE (7) valid answers.
 *   Messages created in answer carry `interaction_metadata.triggering_interaction_metadata`.
 * - User installs ("Interaction Object" → Authorizing Integration Owners Object; "Installation
 *   Context"): `install: "user"` sends owners {"1": user id}. In a guild the bot is not in
 *   (`fake.addForeignGuild()`) or a group DM (`fake.addGroupDm(...)`, context 2) only a user install
 *   can be the source. Permission USE_EXTERNAL_APPS: "Allows user-installed apps to send public
 *   responses. When disabled, users will still be allowed to use their apps but the responses will
 *   be ephemeral. This only applies to apps not also installed to the server": in a foreign guild
 *   where the member lacks it (`addForeignGuild({ externalApps: false })`) every callback message
 *   and follow-up is made ephemeral, whatever its flags. Where only a user install is the source,
 *   `app_permissions` is the set the changelog "User-Installed Apps General Availability" gives
 *   for (G)DMs with other users: ATTACH_FILES | EMBED_LINKS | MENTION_EVERYONE.
 *   "Create Followup Message": "Apps are limited to 5 followup messages per interaction if it was
 *   initiated from a user-installed app and isn't installed in the server (… only contains
 *   USER_INSTALL)": the 6th → 400 40094. Every successful follow-up POST counts, including the one
 *   that turns an unedited deferral into the reply (the docs count calls to that endpoint; counting
 *   it is the stricter reading). Edits of @original do not count.
 * - Threads: an interaction in a thread carries the thread as `channel` (type 11/12 with
 *   parent_id and thread_metadata) and `channel_id`. Dispatching one in an archived thread is
 *   noted in `warnings` ("Users cannot … use application commands … in archived threads").
 */
import { errors, addFieldError, isEmptyTree, type ErrorTree } from "./discord-errors.js";
import { normalizeComponents, type CreateParams, type MessageService } from "./messages.js";
import { apiChannel, apiMember, apiMessage, apiRole, apiUser } from "./serialize.js";
import { MF, P, randomToken, type CommandRecord, type MessageRecord, type World } from "./state.js";
import type { Gateway } from "./gateway.js";
import type { DiscordAttachment, FakeUser, InteractionCallbackRecord, InteractionHandle, ModalValues, StoredMessage, UploadedFile } from "./types.js";

export const INITIAL_RESPONSE_WINDOW_MS = 3_000;
export const TOKEN_LIFETIME_MS = 15 * 60 * 1000;
/** Docs "Interaction Response Object" → Modal: between 1 and 5 components. */
export const MAX_MODAL_COMPONENTS = 5;
/** "Create Followup Message": the cap when only a user install authorized the interaction. */
export const MAX_USER_INSTALL_FOLLOWUPS = 5;
/** Changelog "User-Installed Apps General Availability": app_permissions in (G)DMs with other users. */
const USER_INSTALL_APP_PERMISSIONS = P.ATTACH_FILES | P.EMBED_LINKS | P.MENTION_EVERYONE;

const VALID_CALLBACKS: Record<number, number[]> = {
  2: [4, 5, 9],
  3: [4, 5, 6, 7, 9],
  4: [8],
  5: [4, 5, 6, 7],
};

export interface InteractionRecord {
  id: string;
  token: string;
  type: number;
  dispatchedAt: number;
  channelId: string;
  guildId?: string;
  userId: string;
  commandName?: string;
  payload: Record<string, unknown>;
  callback?: InteractionCallbackRecord;
  originalMessageId?: string;
  sourceMessageId?: string;
  /** The modal this interaction was answered with (callback type 9), components with ids. */
  modal?: { custom_id: string; title: string; components: any[] };
  /** MODAL_SUBMIT: the interaction that opened the modal. */
  triggeringId?: string;
  followupIds: string[];
  /** Successful POSTs to the follow-up endpoint (the cap counts these, see the header). */
  followupPosts: number;
  waiters: ((cb: InteractionCallbackRecord) => void)[];
  /** Which installation authorized it ("Interaction Object" → authorizing_integration_owners). */
  install: InstallKind;
  /** Every answer is made ephemeral: see the header (Use External Apps). Set with the payload. */
  forcedEphemeral?: boolean;
}

/**
 * "guild": StoryCast's own install in the server (or its DM) authorizes the interaction;
 * "user": only the member's own install of it does (owners `{"1": user id}`).
 */
export type InstallKind = "guild" | "user";

/**
 * Test escape hatch for forged payloads: `{ __raw: { type, value } }` puts exactly this option
 * type and value on the wire, skipping every check against the registered definition, so a test
 * can send what a stale or malicious client could (a string in an integer option, an integer
 * where an attachment id belongs, an attachment id missing from `resolved`). Noted in `warnings`.
 */
export interface RawOptionValue {
  __raw: { type: number; value: unknown };
}

export type OptionValue = string | number | boolean | DiscordAttachment | RawOptionValue;

export class InteractionService {
  readonly byId = new Map<string, InteractionRecord>();
  readonly byToken = new Map<string, InteractionRecord>();
  /** Things the fake dispatched that Discord's own client would not have sent. */
  readonly warnings: string[] = [];

  constructor(
    private readonly world: World,
    private readonly messages: MessageService,
    private readonly gateway: Gateway,
    private readonly attachmentSizeLimit: number,
  ) {}

  // ----------------------------------------------------------------------------- dispatch

  command(name: string, options: Record<string, OptionValue>, opts: { user?: FakeUser; channelId?: string; guildId?: string; install?: InstallKind } = {}): InteractionHandle {
    return this.applicationCommand(2, name, options, undefined, this.inGuild(opts));
  }

  /** `guildId` (without `channelId`) means that guild's "general" channel. */
  private inGuild<T extends { channelId?: string; guildId?: string }>(opts: T): T {
    if (opts.guildId === undefined || opts.channelId !== undefined) return opts;
    const g = this.world.guilds.get(opts.guildId) ?? this.world.foreignGuilds.get(opts.guildId);
    if (!g) throw new Error(`fake.command: unknown guild ${opts.guildId}`);
    return { ...opts, channelId: g.channelId };
  }

  autocomplete(name: string, options: Record<string, string | number | boolean>, focused: string, opts: { user?: FakeUser; channelId?: string; guildId?: string; install?: InstallKind } = {}): InteractionHandle {
    if (!(focused in options)) throw new Error(`fake.autocomplete: focused option "${focused}" is not among the options`);
    return this.applicationCommand(4, name, options, focused, this.inGuild(opts));
  }

  button(customId: string, message: StoredMessage, opts: { user?: FakeUser; install?: InstallKind } = {}): InteractionHandle {
    const m = this.world.messages.get(message.id);
    if (!m || m.deleted) throw new Error(`fake.button: message ${message.id} does not exist (or was deleted)`);
    const button = findComponent(m.components, (c) => c.type === 2 && c.custom_id === customId);
    if (!button) throw new Error(`fake.button: message ${m.id} has no button with custom_id "${customId}"`);
    if (button.disabled) throw new Error(`fake.button: button "${customId}" on message ${m.id} is disabled`);
    const user = opts.user ?? this.world.users.alice;
    const rec = this.newRecord(3, user, m.channelId, opts.install);
    rec.sourceMessageId = m.id;
    const payload = this.basePayload(rec, user);
    payload.data = { custom_id: customId, component_type: 2, id: button.id };
    payload.message = apiMessage(this.world, m);
    return this.dispatch(rec, payload);
  }

  /**
   * A string select (component type 3) on a message (docs "Component Reference" → String Select,
   * "Interaction Object" → Message Component Data Structure: `values` is always present).
   * Unknown option values throw; a count outside min_values…max_values is dispatched and noted.
   */
  select(customId: string, message: StoredMessage, values: string[], opts: { user?: FakeUser; install?: InstallKind } = {}): InteractionHandle {
    const m = this.world.messages.get(message.id);
    if (!m || m.deleted) throw new Error(`fake.select: message ${message.id} does not exist (or was deleted)`);
    const menu = findComponent(m.components, (c) => c.type === 3 && c.custom_id === customId);
    if (!menu) throw new Error(`fake.select: message ${m.id} has no string select with custom_id "${customId}"`);
    if (menu.disabled) throw new Error(`fake.select: select "${customId}" on message ${m.id} is disabled`);
    this.checkSelectValues("fake.select", menu, values);
    const user = opts.user ?? this.world.users.alice;
    const rec = this.newRecord(3, user, m.channelId, opts.install);
    rec.sourceMessageId = m.id;
    const payload = this.basePayload(rec, user);
    payload.data = { custom_id: customId, component_type: 3, id: menu.id, values: [...values] };
    payload.message = apiMessage(this.world, m);
    return this.dispatch(rec, payload);
  }

  private checkSelectValues(who: string, menu: any, values: unknown): void {
    if (!Array.isArray(values) || values.some((v) => typeof v !== "string")) throw new Error(`${who}: values of "${menu.custom_id}" must be an array of strings`);
    const options: any[] = Array.isArray(menu.options) ? menu.options : [];
    for (const v of values) if (!options.some((o) => o?.value === v)) throw new Error(`${who}: select "${menu.custom_id}" has no option "${v}"`);
    const min = typeof menu.min_values === "number" ? menu.min_values : 1;
    const max = typeof menu.max_values === "number" ? menu.max_values : 1;
    if (values.length < min || values.length > max)
      this.warnings.push(`${who}: ${values.length} value(s) for select "${menu.custom_id}" (allowed ${min}–${max})`);
  }

  /**
   * Submits the modal a previous interaction was answered with (MODAL_SUBMIT, type 5), as the user
   * that got the modal (another `opts.user` is dispatched and noted in `warnings`).
   * `from`: that interaction's handle, or the modal's custom_id (the most recent modal with it).
   */
  submitModal(from: InteractionHandle | string, values: ModalValues, opts: { user?: FakeUser; message?: StoredMessage; install?: InstallKind } = {}): InteractionHandle {
    let src: InteractionRecord | undefined;
    if (typeof from === "string") {
      src = [...this.byId.values()].reverse().find((r) => r.modal?.custom_id === from);
      if (!src) throw new Error(`fake.submitModal: no modal with custom_id "${from}" was shown`);
    } else {
      src = this.byId.get(from.id);
      if (!src) throw new Error(`fake.submitModal: unknown interaction ${from.id}`);
      if (!src.modal) throw new Error(`fake.submitModal: interaction ${from.id} was not answered with a modal (callback: ${src.callback?.type ?? "none yet"})`);
    }
    const modal = src.modal!;
    const who = `fake.submitModal("${modal.custom_id}")`;
    const inputs = new Map<string, any>();
    const collect = (c: any) => {
      if (!c || typeof c !== "object") return;
      if (typeof c.custom_id === "string") inputs.set(c.custom_id, c);
      if (Array.isArray(c.components)) c.components.forEach(collect);
      if (c.component) collect(c.component);
    };
    modal.components.forEach(collect);
    for (const k of Object.keys(values)) if (!inputs.has(k)) throw new Error(`${who}: the modal has no input "${k}" (has: ${[...inputs.keys()].join(", ")})`);

    const build = (c: any): Record<string, unknown> => {
      switch (c.type) {
        case 1:
          return { type: 1, id: c.id, components: (c.components ?? []).map(build) };
        case 18:
          return { type: 18, id: c.id, component: build(c.component) };
        case 10:
          return { type: 10, id: c.id };
        case 4: {
          const given = values[c.custom_id];
          if (given !== undefined && typeof given !== "string") throw new Error(`${who}: text input "${c.custom_id}" takes a string`);
          const value = given ?? (typeof c.value === "string" ? c.value : "");
          if (c.required !== false && value === "") this.warnings.push(`${who}: required text input "${c.custom_id}" submitted empty`);
          if (value !== "" && typeof c.min_length === "number" && value.length < c.min_length)
            this.warnings.push(`${who}: text input "${c.custom_id}" shorter than min_length ${c.min_length}`);
          if (value.length > (typeof c.max_length === "number" ? c.max_length : 4000))
            this.warnings.push(`${who}: text input "${c.custom_id}" longer than max_length ${c.max_length ?? 4000}`);
          return { type: 4, id: c.id, custom_id: c.custom_id, value };
        }
        case 3: {
          const given = values[c.custom_id];
          if (given !== undefined && (!Array.isArray(given) || given.some((v) => typeof v !== "string")))
            throw new Error(`${who}: string select "${c.custom_id}" takes an array of option values`);
          const chosen =
            given === undefined ? (c.options ?? []).filter((o: any) => o?.default === true).map((o: any) => String(o.value)) : given;
          if (given !== undefined) this.checkSelectValues(who, c, given);
          return { type: 3, id: c.id, custom_id: c.custom_id, values: [...(chosen as string[])] };
        }
        case 19: {
          // File upload: docs "Component Reference" → File Upload (min_values default 1, max_values
          // default 1, required default true); the submit carries attachment ids, resolved below.
          const given = values[c.custom_id];
          if (given !== undefined && (!Array.isArray(given) || given.some((a) => typeof a !== "object" || a === null || !("id" in a) || !("url" in a))))
            throw new Error(`${who}: file upload "${c.custom_id}" takes an array of fake.attachment(...) objects`);
          const files = (given ?? []) as DiscordAttachment[];
          const min = typeof c.min_values === "number" ? c.min_values : 1;
          const max = typeof c.max_values === "number" ? c.max_values : 1;
          if (c.required !== false && files.length === 0) this.warnings.push(`${who}: required file upload "${c.custom_id}" submitted empty`);
          if (files.length > 0 && (files.length < min || files.length > max))
            this.warnings.push(`${who}: ${files.length} file(s) for upload "${c.custom_id}" (allowed ${min}–${max})`);
          for (const file of files) attachments[file.id] = { ...file };
          return { type: 19, id: c.id, custom_id: c.custom_id, values: files.map((file) => file.id) };
        }
        default:
          throw new Error(`${who}: modal component type ${c.type} is not supported by the fake`);
      }
    };
    const attachments: Record<string, DiscordAttachment> = {};
    const components = modal.components.map(build);

    const user = opts.user ?? this.world.userById(src.userId)!;
    if (user.id !== src.userId) this.warnings.push(`${who}: submitted by ${user.id}, but the modal was shown to ${src.userId}`);
    const sourceId = opts.message?.id ?? src.sourceMessageId;
    const m = sourceId !== undefined ? this.world.messages.get(sourceId) : undefined;
    if (sourceId !== undefined && (!m || m.deleted)) throw new Error(`${who}: message ${sourceId} does not exist (or was deleted)`);
    const rec = this.newRecord(5, user, src.channelId, opts.install ?? src.install);
    rec.triggeringId = src.id;
    if (m) rec.sourceMessageId = m.id;
    const payload = this.basePayload(rec, user);
    payload.data = { custom_id: modal.custom_id, components, ...(Object.keys(attachments).length > 0 ? { resolved: { attachments } } : {}) };
    if (m) payload.message = apiMessage(this.world, m);
    return this.dispatch(rec, payload);
  }

  /**
   * A user picks a message command (type 3) in a message's Apps menu: an APPLICATION_COMMAND whose
   * data is { id, name, type: 3, target_id, resolved: { messages: { [target_id]: message } } }
   * (docs "Interaction Object" → Application Command Data; "Application Commands" → Message
   * Commands). Discord's client lists only registered message commands, so an unknown name throws.
   */
  messageCommand(name: string, message: StoredMessage, opts: { user?: FakeUser; install?: InstallKind } = {}): InteractionHandle {
    const m = this.world.messages.get(message.id);
    if (!m || m.deleted) throw new Error(`fake.messageCommand: message ${message.id} does not exist (or was deleted)`);
    const guildId = this.world.channels.get(m.channelId)?.guildId;
    const ofName = (list: CommandRecord[] | undefined) => list?.find((c) => c.name === name && c.type === 3);
    const cmd = (guildId ? ofName(this.world.commands.guild.get(guildId)) : undefined) ?? ofName(this.world.commands.global);
    if (!cmd) throw new Error(`fake.messageCommand: no message command "${name}" is registered`);
    const user = opts.user ?? this.world.users.alice;
    const rec = this.newRecord(2, user, m.channelId, opts.install);
    rec.commandName = name;
    const payload = this.basePayload(rec, user);
    payload.data = {
      id: cmd.id,
      name,
      type: 3,
      target_id: m.id,
      resolved: { messages: { [m.id]: apiMessage(this.world, m) } },
      ...(cmd.guild_id !== undefined ? { guild_id: cmd.guild_id } : {}),
    };
    return this.dispatch(rec, payload);
  }

  private applicationCommand(
    type: 2 | 4,
    fullName: string,
    options: Record<string, OptionValue>,
    focused: string | undefined,
    opts: { user?: FakeUser; channelId?: string; install?: InstallKind },
  ): InteractionHandle {
    const user = opts.user ?? this.world.users.alice;
    const channelId = opts.channelId ?? this.world.channelId;
    if (!this.world.channels.has(channelId)) throw new Error(`fake.command: unknown channel ${channelId}`);
    const [name, ...path] = fullName.trim().split(/\s+/);
    if (!name) throw new Error("fake.command: empty command name");
    const channel = this.world.channels.get(channelId)!;
    if (channel.thread?.archived) this.warnings.push(`/${fullName} dispatched in archived thread ${channelId} (Discord's client does not allow that)`);
    const cmd = this.findCommand(name, channel.guildId);
    if (cmd) this.checkOffered(cmd, channel, opts.install ?? "guild");
    const rec = this.newRecord(type, user, channelId, opts.install);
    rec.commandName = fullName;
    const resolved: Record<string, Record<string, unknown>> = {};

    // Walk subcommand group / subcommand path (docs "Subcommands and Subcommand Groups").
    let defs: any[] | undefined = cmd?.options;
    const wrappers: { name: string; type: number }[] = [];
    for (const seg of path) {
      const def = defs?.find((o: any) => o.name === seg && (o.type === 1 || o.type === 2));
      if (cmd && !def) throw new Error(`fake.command: /${name} has no subcommand (group) "${seg}"`);
      wrappers.push({ name: seg, type: def?.type ?? (seg === path[path.length - 1] ? 1 : 2) });
      defs = def?.options;
    }
    const leaf = Object.entries(options).map(([optName, value]) => this.buildOption(fullName, cmd !== undefined, defs, optName, value, focused, resolved, channelId));
    if (cmd && type === 2) {
      // Discord's client enforces required options, but a stale client cache or a forged request
      // can still omit one; the fake dispatches it and notes it.
      for (const d of defs ?? []) {
        if (d.required && !(d.name in options)) this.warnings.push(`/${fullName} dispatched without required option "${d.name}"`);
      }
    }
    let opts2: any[] = leaf;
    for (const w of [...wrappers].reverse()) opts2 = [{ name: w.name, type: w.type, options: opts2 }];

    const payload = this.basePayload(rec, user);
    payload.data = {
      id: cmd?.id ?? this.world.ids.next(),
      name,
      type: 1,
      ...(opts2.length ? { options: opts2 } : {}),
      ...(Object.keys(resolved).length && type === 2 ? { resolved } : {}),
      ...(cmd?.guild_id !== undefined ? { guild_id: cmd.guild_id } : {}),
    };
    return this.dispatch(rec, payload);
  }

  private buildOption(
    cmdName: string,
    registered: boolean,
    defs: any[] | undefined,
    name: string,
    value: OptionValue,
    focused: string | undefined,
    resolved: Record<string, Record<string, unknown>>,
    channelId: string,
  ): Record<string, unknown> {
    const def = defs?.find((o: any) => o.name === name);
    if (registered && !def) throw new Error(`fake.command: /${cmdName} has no option "${name}"`);
    if (typeof value === "object" && value !== null && "__raw" in value) {
      this.warnings.push(`/${cmdName} option "${name}" forged as ${JSON.stringify({ type: value.__raw.type, value: value.__raw.value })?.slice(0, 200)}`);
      return { name, type: value.__raw.type, value: value.__raw.value, ...(focused === name ? { focused: true } : {}) };
    }
    const isAttachment = typeof value === "object" && value !== null && "url" in value && "id" in value;
    const type: number =
      def?.type ??
      (isAttachment ? 11 : typeof value === "boolean" ? 5 : typeof value === "number" ? (Number.isInteger(value) ? 4 : 10) : 3);
    const isFocused = focused === name;
    const out: Record<string, unknown> = { name, type };
    if (isFocused) {
      out.value = typeof value === "object" ? String((value as DiscordAttachment).id) : value;
      out.focused = true;
      return out;
    }
    switch (type) {
      case 11: {
        if (!isAttachment) throw new Error(`fake.command: option "${name}" is an attachment option; pass fake.attachment(...)`);
        const a = value as DiscordAttachment;
        (resolved.attachments ??= {})[a.id] = { ...a };
        out.value = a.id;
        break;
      }
      case 6: {
        const u = this.world.userById(String(value));
        if (!u) throw new Error(`fake.command: option "${name}": unknown user ${String(value)}`);
        (resolved.users ??= {})[u.id] = apiUser(u);
        const mem = apiMember(this.world, u.id, false, this.world.channels.get(channelId)?.guildId);
        mem.permissions = this.world.channelPermissions(u.id, channelId).toString();
        (resolved.members ??= {})[u.id] = mem;
        out.value = u.id;
        break;
      }
      case 7: {
        const ch = this.world.channels.get(String(value));
        if (!ch) throw new Error(`fake.command: option "${name}": unknown channel ${String(value)}`);
        (resolved.channels ??= {})[ch.id] = { id: ch.id, name: ch.name, type: ch.type, permissions: "0", flags: 0 };
        out.value = ch.id;
        break;
      }
      case 8: {
        const r = this.world.roles.get(String(value));
        if (!r) throw new Error(`fake.command: option "${name}": unknown role ${String(value)}`);
        (resolved.roles ??= {})[r.id] = apiRole(r);
        out.value = r.id;
        break;
      }
      case 4:
        if (typeof value !== "number" || !Number.isInteger(value)) throw new Error(`fake.command: option "${name}" must be an integer`);
        out.value = value;
        break;
      case 10:
        if (typeof value !== "number") throw new Error(`fake.command: option "${name}" must be a number`);
        out.value = value;
        break;
      case 5:
        if (typeof value !== "boolean") throw new Error(`fake.command: option "${name}" must be a boolean`);
        out.value = value;
        break;
      default:
        if (typeof value !== "string") throw new Error(`fake.command: option "${name}" must be a string`);
        out.value = value;
    }
    if (Array.isArray(def?.choices) && !def.choices.some((c: any) => c.value === out.value)) {
      // Not something Discord's client would send, but a forged request can; dispatched and noted.
      this.warnings.push(`/${cmdName} option "${name}" value ${JSON.stringify(out.value)} is not one of its choices`);
    }
    return out;
  }

  /**
   * Discord's client offers a command only to the installs in its `integration_types` and in the
   * `contexts` listed ("Application Commands" → Contexts; null: every context of its install types).
   * The fake dispatches anyway and notes it, so a test can see a command registered too narrowly.
   */
  private checkOffered(cmd: CommandRecord, channel: { guildId?: string; recipientIds?: string[] }, install: InstallKind): void {
    const installType = install === "user" ? 1 : 0;
    if (!(cmd.integration_types ?? [0]).includes(installType))
      this.warnings.push(`/${cmd.name} is not registered for ${install === "user" ? "user" : "guild"} installs (integration_types ${JSON.stringify(cmd.integration_types)})`);
    const context = channel.guildId !== undefined ? 0 : channel.recipientIds !== undefined ? 2 : 1;
    if (cmd.contexts && !cmd.contexts.includes(context)) this.warnings.push(`/${cmd.name} is not offered in context ${context} (contexts ${JSON.stringify(cmd.contexts)})`);
  }

  private findCommand(name: string, guildId: string | undefined): CommandRecord | undefined {
    const inGuild = guildId ? this.world.commands.guild.get(guildId)?.find((c) => c.name === name && c.type === 1) : undefined;
    return inGuild ?? this.world.commands.global.find((c) => c.name === name && c.type === 1);
  }

  private newRecord(type: number, user: FakeUser, channelId: string, install: InstallKind = "guild"): InteractionRecord {
    const id = this.world.ids.next();
    const rec: InteractionRecord = {
      id,
      token: randomToken(`interaction:${id}`),
      type,
      dispatchedAt: this.world.clock.now(),
      channelId,
      userId: user.id,
      payload: {},
      followupIds: [],
      followupPosts: 0,
      waiters: [],
      install,
    };
    const g = this.world.channels.get(channelId)?.guildId;
    if (g !== undefined) rec.guildId = g;
    return rec;
  }

  /** Fields common to every interaction (docs "Interaction Object" → "Interaction Structure"). */
  private basePayload(rec: InteractionRecord, user: FakeUser): Record<string, any> {
    const w = this.world;
    const channel = w.channels.get(rec.channelId)!;
    const botPerms = w.channelPermissions(w.botUser.id, channel.id);
    // Only a member's own install can bring StoryCast where it is not (docs "Installation Context").
    const reachedByUserInstallOnly = w.isForeignChannel(channel) || channel.recipientIds !== undefined;
    if (reachedByUserInstallOnly && rec.install !== "user")
      throw new Error(`fake discord: StoryCast is not in channel ${channel.id}'s ${channel.guildId ? "guild" : "group DM"}; only { install: "user" } can reach it`);
    const p: Record<string, any> = {
      app_permissions: (reachedByUserInstallOnly ? USER_INSTALL_APP_PERMISSIONS : channel.guildId ? botPerms : P.VIEW_CHANNEL | P.SEND_MESSAGES | P.EMBED_LINKS | P.ATTACH_FILES | P.READ_MESSAGE_HISTORY | P.USE_EXTERNAL_EMOJIS | P.ADD_REACTIONS).toString(),
      application_id: w.applicationId,
      attachment_size_limit: this.attachmentSizeLimit,
      entitlement_sku_ids: [],
      entitlements: [],
      id: rec.id,
      locale: "en-US",
      token: rec.token,
      type: rec.type,
      version: 1,
    };
    if (channel.guildId !== undefined) {
      const member = apiMember(w, user.id, true, channel.guildId);
      const memberPerms = w.channelPermissions(user.id, channel.id);
      const perms = memberPerms.toString();
      rec.forcedEphemeral = reachedByUserInstallOnly && (memberPerms & P.USE_EXTERNAL_APPS) === 0n;
      member.permissions = perms;
      p.authorizing_integration_owners = rec.install === "user" ? { "1": user.id } : { "0": channel.guildId };
      // For a thread this is the thread (type 11/12, parent_id, thread_metadata), without the
      // bot's thread `member` object, which Discord only adds on channel routes.
      const { member: _botThreadMember, ...chan } = apiChannel(w, channel);
      p.channel = { ...chan, permissions: perms };
      p.channel_id = channel.id;
      p.context = 0;
      p.guild = { features: [], id: channel.guildId, locale: "en-US" };
      p.guild_id = channel.guildId;
      p.guild_locale = "en-US";
      p.member = member;
    } else if (channel.recipientIds !== undefined) {
      // Group DM: context 2 (PRIVATE_CHANNEL), the invoking user, no member.
      if (!channel.recipientIds.includes(user.id)) throw new Error(`fake discord: ${user.username} is not in group DM ${channel.id}`);
      p.authorizing_integration_owners = { "1": user.id };
      p.channel = apiChannel(w, channel);
      p.channel_id = channel.id;
      p.context = 2;
      p.user = apiUser(w.userById(user.id)!);
    } else {
      const u = w.userById(user.id)!;
      p.authorizing_integration_owners = rec.install === "user" ? { "1": user.id } : { "0": "0" };
      p.channel = { ...apiChannel(w, channel), recipients: [apiUser(u)] };
      p.channel_id = channel.id;
      p.context = 1;
      p.user = apiUser(u);
    }
    return p;
  }

  private dispatch(rec: InteractionRecord, payload: Record<string, any>): InteractionHandle {
    rec.payload = payload;
    if (!this.gateway.dispatch("INTERACTION_CREATE", payload)) {
      const shard = rec.guildId === undefined ? "shard 0 (DMs)" : `the shard of guild ${rec.guildId}`;
      throw new Error(`fake discord: no gateway session for ${shard} — log the bot in (await fake.waitForReady()) before dispatching interactions`);
    }
    this.byId.set(rec.id, rec);
    this.byToken.set(rec.token, rec);
    return this.handle(rec);
  }

  handle(rec: InteractionRecord): InteractionHandle {
    return {
      id: rec.id,
      token: rec.token,
      dispatchedAt: rec.dispatchedAt,
      payload: rec.payload,
      callback: (timeoutMs = 5000) =>
        rec.callback
          ? Promise.resolve(rec.callback)
          : new Promise((resolve, reject) => {
              const t = setTimeout(() => {
                rec.waiters = rec.waiters.filter((w) => w !== waiter);
                reject(new Error(`fake discord: interaction ${rec.id} (${rec.commandName ?? `type ${rec.type}`}) got no callback within ${timeoutMs} ms`));
              }, timeoutMs);
              const waiter = (cb: InteractionCallbackRecord) => {
                clearTimeout(t);
                resolve(cb);
              };
              rec.waiters.push(waiter);
            }),
      original: () => {
        const m = rec.originalMessageId ? this.world.messages.get(rec.originalMessageId) : undefined;
        return m ? this.world.snapshot(m, apiMessage(this.world, m)) : undefined;
      },
      followups: () =>
        rec.followupIds.map((id) => {
          const m = this.world.messages.get(id)!;
          return this.world.snapshot(m, apiMessage(this.world, m));
        }),
    };
  }

  // ----------------------------------------------------------------------------- callback

  handleCallback(id: string, token: string, body: any, files: UploadedFile[], withResponse: boolean): { status: number; body?: unknown } {
    const rec = this.byId.get(id);
    if (!rec || rec.token !== token) throw errors.unknownInteraction();
    if (rec.callback) throw errors.alreadyAcknowledged();
    const now = this.world.clock.now();
    if (now - rec.dispatchedAt > INITIAL_RESPONSE_WINDOW_MS) throw errors.unknownInteraction();
    const type = body?.type;
    // Docs "Interaction Callback Type": 6 and 7 are only for component-based interactions (a modal
    // submit counts when the modal was opened from a component, i.e. the payload has a message).
    const valid = (VALID_CALLBACKS[rec.type] ?? []).filter((t) => !(rec.type === 5 && (t === 6 || t === 7) && !rec.sourceMessageId));
    if (!valid.includes(type)) {
      const tree: ErrorTree = {};
      addFieldError(tree, ["type"], { code: "BASE_TYPE_CHOICES", message: `Value must be one of {${valid.join(", ")}}.` });
      throw errors.invalidFormBody(tree);
    }
    const data = body.data ?? undefined;
    const metadata = this.metadata(rec);
    let resource: Record<string, unknown> | undefined;
    switch (type) {
      case 4: {
        const m = this.createAnswer(rec, { body: data ?? {}, files, interactionMetadata: metadata });
        rec.originalMessageId = m.id;
        resource = { type: 4, message: apiMessage(this.world, m) };
        break;
      }
      case 5: {
        const eph = typeof data?.flags === "number" && (data.flags & MF.EPHEMERAL) !== 0;
        const m = this.createAnswer(rec, { body: {}, files: [], forceFlags: eph ? MF.EPHEMERAL : 0, loading: true, interactionMetadata: metadata });
        rec.originalMessageId = m.id;
        break;
      }
      case 6:
        rec.originalMessageId = rec.sourceMessageId;
        break;
      case 7: {
        const m = rec.sourceMessageId ? this.world.messages.get(rec.sourceMessageId) : undefined;
        if (!m || m.deleted) throw errors.unknownMessage();
        this.messages.edit(m, data ?? {}, files);
        rec.originalMessageId = m.id;
        resource = { type: 7, message: apiMessage(this.world, m) };
        break;
      }
      case 8:
        break;
      case 9:
        this.checkModal(data);
        rec.modal = { custom_id: data.custom_id, title: data.title, components: normalizeComponents(data.components) };
        break;
    }
    const cb: InteractionCallbackRecord = { type, data: data ?? null, at: now };
    rec.callback = cb;
    for (const w of rec.waiters.splice(0)) w(cb);
    if (!withResponse) return { status: 204 };
    const original = rec.originalMessageId ? this.world.messages.get(rec.originalMessageId) : undefined;
    return {
      status: 200,
      body: {
        interaction: {
          id: rec.id,
          type: rec.type,
          activity_instance_id: null,
          ...(original && (type === 4 || type === 5 || type === 7)
            ? {
                response_message_id: original.id,
                response_message_loading: (original.flags & MF.LOADING) !== 0,
                response_message_ephemeral: (original.flags & MF.EPHEMERAL) !== 0,
              }
            : {}),
        },
        ...(resource ? { resource } : {}),
      },
    };
  }

  /**
   * `interaction_metadata` of messages created in answer (docs "Message Object" → Message
   * Interaction Metadata Object): component interactions carry `interacted_message_id`, modal
   * submits `triggering_interaction_metadata` (the command or component that opened the modal).
   */
  private metadata(rec: InteractionRecord, withOriginal = false): Record<string, unknown> {
    const user = this.world.userById(rec.userId)!;
    const trigger = rec.triggeringId !== undefined ? this.byId.get(rec.triggeringId) : undefined;
    return {
      id: rec.id,
      type: rec.type,
      user: apiUser(user),
      authorizing_integration_owners: rec.payload.authorizing_integration_owners,
      ...(rec.type === 3 && rec.sourceMessageId ? { interacted_message_id: rec.sourceMessageId } : {}),
      ...(rec.type === 2 && rec.commandName ? { name: rec.commandName } : {}),
      ...(rec.type === 5 && trigger ? { triggering_interaction_metadata: this.metadata(trigger) } : {}),
      ...(withOriginal && rec.originalMessageId ? { original_response_message_id: rec.originalMessageId } : {}),
    };
  }

  /** Modal limits the schema does not express (it allows 40 components and any custom_ids). */
  private checkModal(data: any): void {
    const tree: ErrorTree = {};
    const comps: any[] = Array.isArray(data?.components) ? data.components : [];
    if (comps.length > MAX_MODAL_COMPONENTS)
      addFieldError(tree, ["data", "components"], { code: "BASE_TYPE_MAX_LENGTH", message: `Must be ${MAX_MODAL_COMPONENTS} or fewer in length.` });
    const seen = new Set<string>();
    const walk = (c: any, p: (string | number)[], inRow: boolean) => {
      if (!c || typeof c !== "object") return;
      if (typeof c.custom_id === "string") {
        if (seen.has(c.custom_id))
          addFieldError(tree, [...p, "custom_id"], { code: "COMPONENT_CUSTOM_ID_DUPLICATED", message: "Component custom id cannot be duplicated" });
        seen.add(c.custom_id);
      }
      if (c.type === 4 && inRow && (typeof c.label !== "string" || c.label.length === 0))
        addFieldError(tree, [...p, "label"], { code: "BASE_TYPE_REQUIRED", message: "This field is required" });
      if (c.type === 1 && Array.isArray(c.components) && c.components.length > 1)
        addFieldError(tree, [...p, "components"], { code: "COMPONENT_LAYOUT_WIDTH_EXCEEDED", message: "The specified component exceeds the maximum width" });
      if (Array.isArray(c.components)) c.components.forEach((x: unknown, i: number) => walk(x, [...p, "components", i], c.type === 1));
      if (c.component) walk(c.component, [...p, "component"], false);
    };
    comps.forEach((c, i) => walk(c, ["data", "components", i], false));
    if (!isEmptyTree(tree)) throw errors.invalidFormBody(tree);
  }

  // ----------------------------------------------------------------------------- webhook

  /** Resolves an interaction webhook (application id + interaction token). */
  private webhook(appId: string, token: string): InteractionRecord {
    if (appId !== this.world.applicationId) throw errors.unknownWebhook();
    const rec = this.byToken.get(token);
    if (!rec) throw errors.invalidWebhookToken();
    if (this.world.clock.now() - rec.dispatchedAt > TOKEN_LIFETIME_MS) throw errors.invalidWebhookToken();
    if (!rec.callback || ![4, 5, 6, 7].includes(rec.callback.type)) throw errors.unknownWebhook();
    return rec;
  }

  private webhookMessage(rec: InteractionRecord, messageId: string): MessageRecord {
    const id = messageId === "@original" ? rec.originalMessageId : messageId;
    const allowed = id !== undefined && (id === rec.originalMessageId || id === rec.sourceMessageId || rec.followupIds.includes(id));
    const m = allowed ? this.world.messages.get(id) : undefined;
    if (!m || m.deleted) throw errors.unknownMessage();
    return m;
  }

  webhookGet(appId: string, token: string, messageId: string): Record<string, unknown> {
    const rec = this.webhook(appId, token);
    return apiMessage(this.world, this.webhookMessage(rec, messageId));
  }

  webhookEdit(appId: string, token: string, messageId: string, body: unknown, files: UploadedFile[]): Record<string, unknown> {
    const rec = this.webhook(appId, token);
    const m = this.webhookMessage(rec, messageId);
    this.messages.edit(m, body, files);
    return apiMessage(this.world, m);
  }

  webhookDelete(appId: string, token: string, messageId: string): void {
    const rec = this.webhook(appId, token);
    this.messages.delete(this.webhookMessage(rec, messageId));
  }

  webhookExecute(appId: string, token: string, body: any, files: UploadedFile[]): Record<string, unknown> {
    const rec = this.webhook(appId, token);
    const owners = Object.keys(rec.payload.authorizing_integration_owners ?? {});
    if (owners.length === 1 && owners[0] === "1" && rec.followupPosts >= MAX_USER_INSTALL_FOLLOWUPS) throw errors.maxFollowUps();
    const sent = this.createFollowup(rec, body, files);
    rec.followupPosts++;
    return sent;
  }

  private createFollowup(rec: InteractionRecord, body: any, files: UploadedFile[]): Record<string, unknown> {
    const original = rec.originalMessageId ? this.world.messages.get(rec.originalMessageId) : undefined;
    if (original && !original.deleted && original.flags & MF.LOADING) {
      // First follow-up after an unedited deferral edits the "thinking" message; its flags are
      // ignored (EPHEMERAL is fixed by the deferral) except IS_COMPONENTS_V2, which an edit may
      // add (docs PR discord-api-docs#7560) and without which a card could not be shown.
      const { flags, ...rest } = body ?? {};
      this.messages.edit(original, typeof flags === "number" && flags & MF.IS_COMPONENTS_V2 ? { ...rest, flags: MF.IS_COMPONENTS_V2 } : rest, files);
      return apiMessage(this.world, original);
    }
    const m = this.createAnswer(rec, { body: body ?? {}, files, interactionMetadata: this.metadata(rec, true) });
    rec.followupIds.push(m.id);
    return apiMessage(this.world, m);
  }

  /**
   * A message the bot creates in answer to an interaction (its reply or a follow-up), by the
   * application's webhook. Where Discord makes every answer ephemeral (Use External Apps, see the
   * header) it is ephemeral whatever its flags.
   */
  private createAnswer(rec: InteractionRecord, p: Pick<CreateParams, "body" | "files" | "forceFlags" | "loading" | "interactionMetadata">): MessageRecord {
    return this.messages.create({
      ...p,
      ...(rec.forcedEphemeral ? { forceFlags: MF.EPHEMERAL } : {}),
      channelId: rec.channelId,
      authorId: this.world.botUser.id,
      // A reply to a slash command is type 20 (CHAT_INPUT_COMMAND); to a component or form, 0.
      type: rec.type === 2 ? 20 : 0,
      allowEphemeral: true,
      webhookId: this.world.applicationId,
      applicationId: this.world.applicationId,
      interactionId: rec.id,
      interactionToken: rec.token,
    });
  }
}

function findComponent(components: any[], pred: (c: any) => boolean): any {
  for (const c of components ?? []) {
    if (!c || typeof c !== "object") continue;
    if (pred(c)) return c;
    const inner = findComponent(c.components ?? [], pred) ?? (c.accessory && pred(c.accessory) ? c.accessory : undefined);
    if (inner) return inner;
  }
  return undefined;
}

