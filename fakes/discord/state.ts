/**
 * World state of the fake Discord: clock, snowflakes, the main guild with its roles,
 * channels and members, extra guilds (each with its @everyone role and one text channel; every
 * user is a member of every guild, with only the roles of that guild), DM channels, messages and
 * registered application commands.
 *
 * Follows Discord docs: "Snowflakes" (Reference), "Permissions" (Topics),
 * "Guild Object", "Channel Object", "Message Object", and "Threads" (Topics) for threads:
 * a thread is a channel (type 10/11/12) whose permissions are those of its parent channel
 * ("Threads generally inherit permissions from the parent channel"); a private thread is only
 * visible to its members and to members with MANAGE_THREADS.
 */
import { randomBytes } from "node:crypto";
import type { FakeUser, StoredAttachment, StoredMessage } from "./types.js";

/** Discord epoch (2015-01-01T00:00:00Z), see docs "Snowflakes". */
export const DISCORD_EPOCH = 1420070400000n;

/** Permission bits (docs "Permissions" → "Bitwise Permission Flags"). */
export const P = {
  CREATE_INSTANT_INVITE: 1n << 0n,
  ADMINISTRATOR: 1n << 3n,
  MANAGE_CHANNELS: 1n << 4n,
  MANAGE_GUILD: 1n << 5n,
  ADD_REACTIONS: 1n << 6n,
  STREAM: 1n << 9n,
  VIEW_CHANNEL: 1n << 10n,
  SEND_MESSAGES: 1n << 11n,
  MANAGE_MESSAGES: 1n << 13n,
  EMBED_LINKS: 1n << 14n,
  ATTACH_FILES: 1n << 15n,
  READ_MESSAGE_HISTORY: 1n << 16n,
  MENTION_EVERYONE: 1n << 17n,
  USE_EXTERNAL_EMOJIS: 1n << 18n,
  CONNECT: 1n << 20n,
  SPEAK: 1n << 21n,
  USE_VAD: 1n << 25n,
  CHANGE_NICKNAME: 1n << 26n,
  USE_APPLICATION_COMMANDS: 1n << 31n,
  MANAGE_THREADS: 1n << 34n,
  CREATE_PUBLIC_THREADS: 1n << 35n,
  CREATE_PRIVATE_THREADS: 1n << 36n,
  USE_EXTERNAL_STICKERS: 1n << 37n,
  SEND_MESSAGES_IN_THREADS: 1n << 38n,
  USE_EMBEDDED_ACTIVITIES: 1n << 39n,
  SEND_VOICE_MESSAGES: 1n << 46n,
  SEND_POLLS: 1n << 49n,
  USE_EXTERNAL_APPS: 1n << 50n,
} as const;

/** Roughly what a fresh guild grants @everyone. */
export const ORDINARY_PERMISSIONS =
  P.CREATE_INSTANT_INVITE |
  P.ADD_REACTIONS |
  P.STREAM |
  P.VIEW_CHANNEL |
  P.SEND_MESSAGES |
  P.EMBED_LINKS |
  P.ATTACH_FILES |
  P.READ_MESSAGE_HISTORY |
  P.USE_EXTERNAL_EMOJIS |
  P.CONNECT |
  P.SPEAK |
  P.USE_VAD |
  P.CHANGE_NICKNAME |
  P.USE_APPLICATION_COMMANDS |
  P.CREATE_PUBLIC_THREADS |
  P.CREATE_PRIVATE_THREADS |
  P.USE_EXTERNAL_STICKERS |
  P.SEND_MESSAGES_IN_THREADS |
  P.USE_EMBEDDED_ACTIVITIES |
  P.SEND_VOICE_MESSAGES |
  P.SEND_POLLS |
  P.USE_EXTERNAL_APPS;

/** Message flags (docs "Message Object" → "Message Flags"). */
export const MF = {
  SUPPRESS_EMBEDS: 1 << 2,
  /** This message has an associated thread, with the same id as the message. */
  HAS_THREAD: 1 << 5,
  EPHEMERAL: 1 << 6,
  LOADING: 1 << 7,
  SUPPRESS_NOTIFICATIONS: 1 << 12,
  IS_VOICE_MESSAGE: 1 << 13,
  IS_COMPONENTS_V2: 1 << 15,
} as const;

/** Offsettable clock: `now()` is real time plus an offset that tests can advance. */
export class Clock {
  private offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}

/** Snowflake generator (docs "Snowflakes": 42 bits ms since epoch, 5 worker, 5 process, 12 increment). */
export class Snowflakes {
  private increment = 0n;
  constructor(private readonly clock: Clock) {}
  next(): string {
    const ts = BigInt(Math.floor(this.clock.now())) - DISCORD_EPOCH;
    const id = (ts << 22n) | (1n << 17n) | (1n << 12n) | (this.increment++ & 0xfffn);
    return id.toString();
  }
}

export function snowflakeTimestamp(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

export function randomToken(prefix: string): string {
  return Buffer.from(`${prefix}:`).toString("base64url") + randomBytes(48).toString("base64url");
}

/** Channel types (docs "Channel Object" → "Channel Types"). */
export const CT = {
  GUILD_TEXT: 0,
  DM: 1,
  GROUP_DM: 3,
  GUILD_ANNOUNCEMENT: 5,
  ANNOUNCEMENT_THREAD: 10,
  PUBLIC_THREAD: 11,
  PRIVATE_THREAD: 12,
} as const;

export function isThreadType(type: number): boolean {
  return type === CT.ANNOUNCEMENT_THREAD || type === CT.PUBLIC_THREAD || type === CT.PRIVATE_THREAD;
}

/** Thread-only state (docs "Channel Object" → "Thread Metadata Object", "Thread Member Object"). */
export interface ThreadState {
  archived: boolean;
  locked: boolean;
  /** Minutes: 60, 1440, 4320 or 10080. */
  autoArchiveDuration: number;
  /** Fake-clock ms of the last archive status change (also set on creation and auto_archive_duration changes). */
  archiveTimestamp: number;
  createTimestamp: number;
  /** Private threads only. */
  invitable?: boolean;
  /** Thread members: user id → join time (fake-clock ms). */
  members: Map<string, number>;
  /** Messages ever sent in the thread (docs: not decremented on delete). */
  totalMessageSent: number;
  /** Set when the thread was started from a message (the thread then has that message's id). */
  fromMessageId?: string;
}

export interface ChannelRecord {
  id: string;
  type: number; // 0 GUILD_TEXT, 1 DM, 11 PUBLIC_THREAD, 12 PRIVATE_THREAD (see CT)
  name?: string;
  guildId?: string;
  position?: number;
  topic?: string | null;
  recipientId?: string;
  /** Group DMs (type 3): every recipient (the bot only if it was added, which user installs never do). */
  recipientIds?: string[];
  permissionOverwrites: { id: string; type: 0 | 1; allow: string; deny: string }[];
  lastMessageId: string | null;
  /** Threads: the text channel the thread is in. */
  parentId?: string;
  /** Threads: the user who started the thread. */
  ownerId?: string;
  rateLimitPerUser?: number;
  thread?: ThreadState;
}

export interface RoleRecord {
  id: string;
  /** The guild the role belongs to; undefined: the main guild. */
  guildId?: string;
  name: string;
  permissions: bigint;
  position: number;
  color: number;
  managed: boolean;
  botId?: string;
}

export interface MemberRecord {
  user: FakeUser & { bot?: boolean; globalName: string | null };
  roles: string[];
  joinedAt: string;
}

export interface AttachmentRecord extends StoredAttachment {
  /** Size claimed in API objects (may lie for `fake.attachment(..., {size})`). */
  reportedSize: number;
  /** Content type claimed in API objects (may lie). */
  reportedContentType: string;
  spoiler: boolean;
}

export interface MessageRecord {
  id: string;
  channelId: string;
  guildId?: string;
  authorId: string;
  type: number;
  content: string;
  embeds: any[];
  components: any[];
  attachments: AttachmentRecord[];
  flags: number;
  tts: boolean;
  deleted: boolean;
  interactionId?: string;
  interactionToken?: string;
  webhookId?: string;
  applicationId?: string;
  interactionMetadata?: Record<string, unknown>;
  createdAt: number;
  editedAt?: number;
  /** editedAt that is visible in the API (a deferred message's first edit is not shown as "edited"). */
  apiEditedAt?: number;
  editCount: number;
  nonce?: string | number;
  message_reference?: any;
  allowed_mentions?: unknown;
  poll?: unknown;
}

export interface CommandRecord {
  id: string;
  application_id: string;
  version: string;
  type: number;
  name: string;
  description: string;
  guild_id?: string;
  options?: any[];
  default_member_permissions: string | null;
  nsfw: boolean;
  contexts: number[] | null;
  integration_types: number[];
  [k: string]: unknown;
}

/** A guild the bot is in (or, in `World.foreignGuilds`, one it is not in). */
export interface GuildRecord {
  id: string;
  name: string;
  /** Its first text channel ("general"). */
  channelId: string;
}

/** Docs "Snowflakes": `id` moved back in time (less than `num_shards` ms) so that `(id >> 22) % num_shards === shard_id`. */
export function onShard(id: string, [shardId, numShards]: [number, number]): string {
  const n = BigInt(numShards);
  const ts = BigInt(id) >> 22n;
  const back = (((ts % n) - BigInt(shardId)) % n + n) % n;
  return (((ts - back) << 22n) | (BigInt(id) & ((1n << 22n) - 1n))).toString();
}

/** Everything about the simulated Discord world. */
export class World {
  readonly clock = new Clock();
  readonly ids = new Snowflakes(this.clock);

  readonly applicationId: string;
  readonly botUser: MemberRecord["user"];
  readonly guildId: string;
  readonly guildName = "StoryCast Test Guild";
  readonly ownerId: string;
  readonly roles = new Map<string, RoleRecord>();
  readonly members = new Map<string, MemberRecord>();
  readonly channels = new Map<string, ChannelRecord>();
  readonly channelId: string;
  readonly otherChannelId: string;
  readonly messages = new Map<string, MessageRecord>();
  readonly messageOrder: string[] = [];
  readonly users: { alice: FakeUser; bob: FakeUser; mod: FakeUser; admin: FakeUser; carol: FakeUser };
  readonly modRoleId: string;
  /** "Admin" has MANAGE_GUILD (for Manage Server checks); "Storyteller" has no permissions (for role gates). */
  readonly adminRoleId: string;
  readonly storytellerRoleId: string;
  readonly botRoleId: string;
  readonly dmDenied = new Set<string>();
  readonly commands = { global: [] as CommandRecord[], guild: new Map<string, CommandRecord[]>(), puts: 0 };

  readonly guilds = new Map<string, GuildRecord>();
  /**
   * Guilds the bot is not a member of (every user is): StoryCast reaches them only through a
   * member's own install. No GUILD_CREATE, no channel access (docs "Installation Context": a
   * user-installed app "can't take actions in a guild" beyond answering interactions).
   */
  readonly foreignGuilds = new Map<string, GuildRecord>();

  constructor(
    readonly botToken: string,
    opts: { guildShard?: [number, number] } = {},
  ) {
    this.applicationId = this.ids.next();
    this.botUser = {
      id: this.applicationId, // for bots created after 2020 the bot user id equals the application id
      username: "StoryCast",
      permissions: "0",
      bot: true,
      globalName: null,
    };
    this.guildId = opts.guildShard ? onShard(this.ids.next(), opts.guildShard) : this.ids.next();
    this.channelId = this.ids.next();
    this.otherChannelId = this.ids.next();
    this.modRoleId = this.ids.next();
    this.adminRoleId = this.ids.next();
    this.storytellerRoleId = this.ids.next();
    this.botRoleId = this.ids.next();

    // @everyone role has the guild's id (docs "Permissions").
    this.roles.set(this.guildId, {
      id: this.guildId,
      name: "@everyone",
      permissions: ORDINARY_PERMISSIONS,
      position: 0,
      color: 0,
      managed: false,
    });
    this.roles.set(this.modRoleId, {
      id: this.modRoleId,
      name: "Moderator",
      permissions: P.MANAGE_MESSAGES,
      position: 1,
      color: 0x3498db,
      managed: false,
    });
    this.roles.set(this.adminRoleId, { id: this.adminRoleId, name: "Admin", permissions: P.MANAGE_GUILD, position: 1, color: 0xe67e22, managed: false });
    this.roles.set(this.storytellerRoleId, { id: this.storytellerRoleId, name: "Storyteller", permissions: 0n, position: 1, color: 0x9b59b6, managed: false });
    this.roles.set(this.botRoleId, {
      id: this.botRoleId,
      name: "StoryCast",
      permissions: ORDINARY_PERMISSIONS,
      position: 2,
      color: 0,
      managed: true,
      botId: this.botUser.id,
    });

    const mk = (username: string, roles: string[]): FakeUser & { globalName: string } => {
      const id = this.ids.next();
      const perms = this.basePermissions(roles);
      return { id, username, permissions: perms.toString(), globalName: username[0]!.toUpperCase() + username.slice(1) };
    };
    const owner = mk("owner", []);
    const alice = mk("alice", []);
    const bob = mk("bob", []);
    const mod = mk("mod", [this.modRoleId]);
    const admin = mk("admin", [this.adminRoleId]);
    const carol = mk("carol", [this.storytellerRoleId]);
    this.ownerId = owner.id;
    this.users = { alice, bob, mod, admin, carol };
    const joinedAt = new Date(this.clock.now() - 86_400_000).toISOString();
    for (const [u, roles] of [
      [owner, []],
      [alice, []],
      [bob, []],
      [mod, [this.modRoleId]],
      [admin, [this.adminRoleId]],
      [carol, [this.storytellerRoleId]],
    ] as const) {
      this.members.set(u.id, { user: u, roles: [...roles], joinedAt });
    }
    this.members.set(this.botUser.id, { user: this.botUser, roles: [this.botRoleId], joinedAt });

    this.channels.set(this.channelId, {
      id: this.channelId,
      type: 0,
      name: "general",
      guildId: this.guildId,
      position: 0,
      topic: null,
      permissionOverwrites: [],
      lastMessageId: null,
    });
    this.channels.set(this.otherChannelId, {
      id: this.otherChannelId,
      type: 0,
      name: "storycast",
      guildId: this.guildId,
      position: 1,
      topic: "Where stories are cast",
      permissionOverwrites: [],
      lastMessageId: null,
    });
    this.guilds.set(this.guildId, { id: this.guildId, name: this.guildName, channelId: this.channelId });
  }

  /**
   * The bot joins another guild: an @everyone role with ordinary permissions and a "general" text
   * channel. `shard` picks an id that lands on that shard (`[shard_id, num_shards]`).
   */
  addGuild(opts: { name?: string; shard?: [number, number] } = {}): GuildRecord {
    const id = opts.shard ? onShard(this.ids.next(), opts.shard) : this.ids.next();
    if (this.guilds.has(id)) throw new Error(`fake discord: guild id ${id} taken`);
    const guild: GuildRecord = { id, name: opts.name ?? `Test Guild ${this.guilds.size + 1}`, channelId: this.ids.next() };
    this.roles.set(id, { id, guildId: id, name: "@everyone", permissions: ORDINARY_PERMISSIONS, position: 0, color: 0, managed: false });
    this.channels.set(guild.channelId, {
      id: guild.channelId,
      type: CT.GUILD_TEXT,
      name: "general",
      guildId: id,
      position: 0,
      topic: null,
      permissionOverwrites: [],
      lastMessageId: null,
    });
    this.guilds.set(id, guild);
    return guild;
  }

  /** A guild the bot is not in: an @everyone role and a "general" channel, but no bot member. */
  addForeignGuild(opts: { name?: string; externalApps?: boolean } = {}): GuildRecord {
    const id = this.ids.next();
    const guild: GuildRecord = { id, name: opts.name ?? `Foreign Guild ${this.foreignGuilds.size + 1}`, channelId: this.ids.next() };
    // `externalApps: false`: the server took Use External Apps from @everyone.
    const permissions = opts.externalApps === false ? ORDINARY_PERMISSIONS & ~P.USE_EXTERNAL_APPS : ORDINARY_PERMISSIONS;
    this.roles.set(id, { id, guildId: id, name: "@everyone", permissions, position: 0, color: 0, managed: false });
    this.channels.set(guild.channelId, { id: guild.channelId, type: CT.GUILD_TEXT, name: "general", guildId: id, position: 0, topic: null, permissionOverwrites: [], lastMessageId: null });
    this.foreignGuilds.set(id, guild);
    return guild;
  }

  /** A group DM between members (channel type 3), without the bot. */
  addGroupDm(memberIds: readonly string[]): ChannelRecord {
    if (memberIds.length < 2) throw new Error("fake discord: a group DM has at least two members");
    const ch: ChannelRecord = { id: this.ids.next(), type: CT.GROUP_DM, name: "", ownerId: memberIds[0]!, recipientIds: [...memberIds], permissionOverwrites: [], lastMessageId: null };
    this.channels.set(ch.id, ch);
    return ch;
  }

  /** The bot has no member in a guild it was never added to: no permissions in its channels or threads. */
  isForeignChannel(ch: ChannelRecord | undefined): boolean {
    return ch?.guildId !== undefined && this.foreignGuilds.has(ch.guildId);
  }

  /** The roles of a guild (the main guild's by default). */
  guildRoles(guildId: string = this.guildId): RoleRecord[] {
    return [...this.roles.values()].filter((r) => (r.guildId ?? this.guildId) === guildId);
  }

  /** Guild-level permissions of a set of roles in a guild (docs "Permissions" → "Permission Hierarchy"); roles of other guilds count for nothing. */
  basePermissions(roleIds: readonly string[], guildId: string = this.guildId): bigint {
    let perms = this.roles.get(guildId)?.permissions ?? 0n;
    for (const r of roleIds) {
      const role = this.roles.get(r);
      if (role && (role.guildId ?? this.guildId) === guildId) perms |= role.permissions;
    }
    return perms;
  }

  /** Computed permissions of a member in a channel, applying overwrites in documented order. */
  channelPermissions(userId: string, channelId: string): bigint {
    const member = this.members.get(userId);
    const target = this.channels.get(channelId);
    if (!member) return 0n;
    if (userId === this.botUser.id && this.isForeignChannel(target)) return 0n;
    if (target?.thread) {
      // Docs "Threads" → Permissions: a thread has its parent channel's permissions; a private
      // thread is only visible to its members and to moderators (MANAGE_THREADS).
      const parentPerms = target.parentId !== undefined ? this.channelPermissions(userId, target.parentId) : 0n;
      if (
        target.type === CT.PRIVATE_THREAD &&
        !target.thread.members.has(userId) &&
        !(parentPerms & (P.MANAGE_THREADS | P.ADMINISTRATOR))
      )
        return 0n;
      return parentPerms;
    }
    const channel = target;
    let perms = this.basePermissions(member.roles, channel?.guildId ?? this.guildId);
    if (userId === this.ownerId) return (1n << 53n) - 1n;
    if (!channel || channel.guildId === undefined) return perms;
    const ow = channel.permissionOverwrites;
    const everyone = ow.find((o) => o.id === channel.guildId);
    if (everyone) perms = (perms & ~BigInt(everyone.deny)) | BigInt(everyone.allow);
    let allow = 0n;
    let deny = 0n;
    for (const o of ow) {
      if (o.type === 0 && member.roles.includes(o.id)) {
        allow |= BigInt(o.allow);
        deny |= BigInt(o.deny);
      }
    }
    perms = (perms & ~deny) | allow;
    const own = ow.find((o) => o.type === 1 && o.id === userId);
    if (own) perms = (perms & ~BigInt(own.deny)) | BigInt(own.allow);
    return perms;
  }

  userById(id: string): MemberRecord["user"] | undefined {
    return this.members.get(id)?.user;
  }

  addMessage(m: MessageRecord): void {
    this.messages.set(m.id, m);
    this.messageOrder.push(m.id);
    const ch = this.channels.get(m.channelId);
    if (ch && !(m.flags & MF.EPHEMERAL)) {
      ch.lastMessageId = m.id;
      if (ch.thread) ch.thread.totalMessageSent++;
    }
  }

  isThread(ch: ChannelRecord | undefined): ch is ChannelRecord & { thread: ThreadState } {
    return ch?.thread !== undefined;
  }

  /** Docs "Threads": message_count excludes deleted messages (and the fake creates no starter message). */
  threadMessageCount(threadId: string): number {
    let n = 0;
    for (const m of this.messages.values()) if (m.channelId === threadId && !m.deleted && !(m.flags & MF.EPHEMERAL)) n++;
    return n;
  }

  snapshot(m: MessageRecord, raw: Record<string, unknown>): StoredMessage {
    const snap: StoredMessage = {
      id: m.id,
      channelId: m.channelId,
      ...(m.guildId !== undefined ? { guildId: m.guildId } : {}),
      authorId: m.authorId,
      content: m.content,
      text: [m.content, ...textDisplaysOf(m.components)].filter((line) => line !== "").join("\n"),
      embeds: structuredClone(m.embeds),
      components: structuredClone(m.components),
      attachments: m.attachments.map((a) => ({
        id: a.id,
        filename: a.filename,
        bytes: a.bytes,
        contentType: a.contentType,
        size: a.size,
        url: a.url,
        proxyUrl: a.proxyUrl,
        ...(a.width !== undefined ? { width: a.width } : {}),
        ...(a.height !== undefined ? { height: a.height } : {}),
        ...(a.description !== undefined ? { description: a.description } : {}),
        ...(a.title !== undefined ? { title: a.title } : {}),
      })),
      flags: m.flags,
      ephemeral: (m.flags & MF.EPHEMERAL) !== 0,
      loading: (m.flags & MF.LOADING) !== 0,
      deleted: m.deleted,
      ...(m.interactionToken !== undefined ? { interactionToken: m.interactionToken } : {}),
      ...(m.interactionId !== undefined ? { interactionId: m.interactionId } : {}),
      ...(m.webhookId !== undefined ? { webhookId: m.webhookId } : {}),
      createdAt: m.createdAt,
      ...(m.editedAt !== undefined ? { editedAt: m.editedAt } : {}),
      editCount: m.editCount,
      ...(m.message_reference !== undefined ? { message_reference: structuredClone(m.message_reference) } : {}),
      ...(m.allowed_mentions !== undefined ? { allowed_mentions: structuredClone(m.allowed_mentions) } : {}),
      raw,
    };
    return snap;
  }
}

/** The contents of every text display (type 10) in a component tree, in reading order. */
export function textDisplaysOf(components: readonly unknown[]): string[] {
  return components.flatMap((component) => {
    const c = component as { type?: number; content?: unknown; components?: unknown[]; accessory?: unknown };
    if (c.type === 10 && typeof c.content === "string") return [c.content];
    return [...(Array.isArray(c.components) ? textDisplaysOf(c.components) : []), ...(c.accessory ? textDisplaysOf([c.accessory]) : [])];
  });
}
