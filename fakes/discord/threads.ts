/**
 * Threads. Follows the Discord docs:
 *   - "Threads" topic (Thread Fields, Public & Private Threads, Locked Threads, Active & Archived
 *     Threads, Permissions, Gateway Events, Thread Membership, Editing & Deleting Threads),
 *   - "Channel Resource" → Start Thread from Message, Start Thread without Message,
 *     Modify Channel → JSON Params (Thread), "Example Thread Channel",
 *   - "Gateway Events" → Thread Create / Thread Update / Thread Member Update / Thread Members Update.
 *
 * Rules implemented:
 *   - Start Thread without Message: `type` defaults to PRIVATE_THREAD (12) — the documented default
 *     ("in order to match the behavior when thread documentation was first published"); discord.js
 *     always sends a type (PUBLIC_THREAD unless told otherwise). Needs CREATE_PUBLIC_THREADS (11) or
 *     CREATE_PRIVATE_THREADS (12) in the parent; only in GUILD_TEXT (or GUILD_ANNOUNCEMENT for public)
 *     channels, else 400 50024. `auto_archive_duration` defaults to 1440 whatever the channel's
 *     default (discord-api-docs issue #3660: "all of our clients specify the value explicitly").
 *   - Start Thread from Message: the thread gets the message's id, a message can start one thread
 *     (else 400 160004); PUBLIC_THREAD in a GUILD_TEXT channel; the message gets the HAS_THREAD flag
 *     and a `thread` field; fires THREAD_CREATE and MESSAGE_UPDATE (the latter needs GUILD_MESSAGES).
 *   - The creator joins the thread; THREAD_CREATE carries `newly_created: true`.
 *   - Modify (PATCH /channels/{thread_id}): requires the thread to be unarchived or unarchived by
 *     the request (else 400 50083). `name`, `archived`, `auto_archive_duration` need MANAGE_THREADS or
 *     being the creator; `locked`, `rate_limit_per_user` need MANAGE_THREADS; unarchiving a thread
 *     that stays unlocked only needs SEND_MESSAGES; anything on a locked thread needs MANAGE_THREADS.
 *     `archive_timestamp` changes when archiving, unarchiving or changing auto_archive_duration.
 *     Fires THREAD_UPDATE (and THREAD_MEMBER_UPDATE for the bot when a thread is unarchived).
 *   - Sending a message: SEND_MESSAGES_IN_THREADS is needed (SEND_MESSAGES has no effect in
 *     threads); "The API will helpfully automatically unarchive a thread when sending a message in
 *     that thread" unless it is locked and the sender lacks MANAGE_THREADS (then 400 50083, or
 *     160005 if locked but active); the sender is added to the thread's members.
 *   - Private threads are visible to their members and to MANAGE_THREADS holders only; the gateway
 *     only tells the bot about threads it can view.
 * Not modelled: system messages (THREAD_CREATED, THREAD_STARTER_MESSAGE, CHANNEL_NAME_CHANGE),
 * automatic archiving after inactivity (use `fake.updateThread(id, { archived: true })`), thread
 * member routes, forum/media channels, slowmode enforcement.
 */
import { addFieldError, errors, isEmptyTree, type ErrorTree } from "./discord-errors.js";
import { INTENTS, type Gateway } from "./gateway.js";
import { apiChannel, apiMessage, apiThreadMember } from "./serialize.js";
import { CT, MF, P, type ChannelRecord, type MessageRecord, type ThreadState, type World } from "./state.js";
import type { StoredThread } from "./types.js";

export const AUTO_ARCHIVE_DURATIONS = [60, 1440, 4320, 10080] as const;
/** Docs "Start Thread …": auto_archive_duration defaults to 24 h when omitted. */
export const DEFAULT_AUTO_ARCHIVE_DURATION = 1440;

type Thread = ChannelRecord & { thread: ThreadState };

export class ThreadService {
  constructor(
    private readonly world: World,
    private readonly gateway: Gateway,
  ) {}

  // ----------------------------------------------------------------------------- creation

  /** POST /channels/{channel_id}/threads ("Start Thread without Message") on behalf of `actorId`. */
  startWithoutMessage(parent: ChannelRecord, body: any, actorId: string, checkPermissions = true, extraMembers: string[] = []): Thread {
    this.requireTextParent(parent);
    const type: number = body?.type ?? CT.PRIVATE_THREAD;
    if (type === CT.ANNOUNCEMENT_THREAD ? parent.type !== CT.GUILD_ANNOUNCEMENT : type === CT.PRIVATE_THREAD && parent.type !== CT.GUILD_TEXT)
      throw errors.invalidChannelType();
    if (checkPermissions) {
      const perms = this.world.channelPermissions(actorId, parent.id);
      const need = type === CT.PRIVATE_THREAD ? P.CREATE_PRIVATE_THREADS : P.CREATE_PUBLIC_THREADS;
      if (!(perms & need)) throw errors.missingPermissions();
    }
    this.checkFields(body);
    const t = this.newThread(this.world.ids.next(), parent, type, body, actorId);
    if (type === CT.PRIVATE_THREAD) t.thread.invitable = body?.invitable ?? true;
    this.addMembers(t, extraMembers);
    this.world.channels.set(t.id, t);
    this.announceCreate(t);
    return t;
  }

  /** POST /channels/{channel_id}/messages/{message_id}/threads ("Start Thread from Message"). */
  startFromMessage(parent: ChannelRecord, message: MessageRecord, body: any, actorId: string, checkPermissions = true, extraMembers: string[] = []): Thread {
    this.requireTextParent(parent);
    if (this.world.channels.has(message.id)) throw errors.threadAlreadyCreated();
    if (checkPermissions && !(this.world.channelPermissions(actorId, parent.id) & P.CREATE_PUBLIC_THREADS)) throw errors.missingPermissions();
    this.checkFields(body);
    const type = parent.type === CT.GUILD_ANNOUNCEMENT ? CT.ANNOUNCEMENT_THREAD : CT.PUBLIC_THREAD;
    const t = this.newThread(message.id, parent, type, body, actorId);
    t.thread.fromMessageId = message.id;
    this.addMembers(t, extraMembers);
    this.world.channels.set(t.id, t);
    message.flags |= MF.HAS_THREAD;
    this.announceCreate(t);
    this.gateway.dispatchFor(INTENTS.GUILD_MESSAGES, "MESSAGE_UPDATE", { ...apiMessage(this.world, message), guild_id: parent.guildId });
    return t;
  }

  private addMembers(t: Thread, ids: string[]): void {
    for (const id of ids) {
      if (!this.world.members.has(id)) throw new Error(`fake discord: unknown member ${id}`);
      if (!t.thread.members.has(id)) t.thread.members.set(id, this.world.clock.now());
    }
  }

  private requireTextParent(parent: ChannelRecord): void {
    if (parent.type !== CT.GUILD_TEXT && parent.type !== CT.GUILD_ANNOUNCEMENT) throw errors.invalidChannelType();
  }

  private newThread(id: string, parent: ChannelRecord, type: number, body: any, ownerId: string): Thread {
    const now = this.world.clock.now();
    return {
      id,
      type,
      name: String(body?.name ?? ""),
      ...(parent.guildId !== undefined ? { guildId: parent.guildId } : {}),
      parentId: parent.id,
      ownerId,
      permissionOverwrites: [],
      lastMessageId: null,
      rateLimitPerUser: typeof body?.rate_limit_per_user === "number" ? body.rate_limit_per_user : 0,
      thread: {
        archived: false,
        locked: false,
        autoArchiveDuration: typeof body?.auto_archive_duration === "number" ? body.auto_archive_duration : DEFAULT_AUTO_ARCHIVE_DURATION,
        archiveTimestamp: now,
        createTimestamp: now,
        members: new Map([[ownerId, now]]),
        totalMessageSent: 0,
      },
    };
  }

  /** Limits the (union-typed) request schemas do not pin down. */
  private checkFields(body: any, modify = false): void {
    const tree: ErrorTree = {};
    if (body && typeof body === "object") {
      if (typeof body.name === "string" && (body.name.length < 1 || body.name.length > 100))
        addFieldError(tree, ["name"], { code: "BASE_TYPE_BAD_LENGTH", message: "Must be between 1 and 100 in length." });
      if (!modify && typeof body.name !== "string") addFieldError(tree, ["name"], { code: "BASE_TYPE_REQUIRED", message: "This field is required" });
      const d = body.auto_archive_duration;
      if (d !== undefined && d !== null && !(AUTO_ARCHIVE_DURATIONS as readonly unknown[]).includes(d))
        addFieldError(tree, ["auto_archive_duration"], {
          code: "BASE_TYPE_CHOICES",
          message: `Value must be one of {${AUTO_ARCHIVE_DURATIONS.join(", ")}}.`,
        });
    }
    if (!isEmptyTree(tree)) throw errors.invalidFormBody(tree);
  }

  private announceCreate(t: Thread): void {
    if (!this.botCanView(t)) return;
    // Docs "Gateway Events" → Thread Create: "When a thread is created, includes an additional newly_created boolean field".
    this.gateway.dispatchFor(INTENTS.GUILDS, "THREAD_CREATE", { ...apiChannel(this.world, t), newly_created: true });
  }

  botCanView(t: ChannelRecord): boolean {
    return (this.world.channelPermissions(this.world.botUser.id, t.id) & P.VIEW_CHANNEL) !== 0n;
  }

  // ----------------------------------------------------------------------------- modify

  /** PATCH /channels/{thread_id} (docs "Modify Channel" → JSON Params (Thread)) by `actorId`. */
  modify(t: Thread, body: any, actorId: string): void {
    const b = body && typeof body === "object" ? body : {};
    const s = t.thread;
    if (s.archived && b.archived !== false) throw errors.threadArchived();
    this.checkFields(b, true);
    const perms = this.world.channelPermissions(actorId, t.id);
    const mod = (perms & (P.MANAGE_THREADS | P.ADMINISTRATOR)) !== 0n;
    const owner = t.ownerId === actorId;
    const changes = {
      name: typeof b.name === "string" && b.name !== t.name,
      archived: typeof b.archived === "boolean" && b.archived !== s.archived,
      locked: typeof b.locked === "boolean" && b.locked !== s.locked,
      duration: typeof b.auto_archive_duration === "number" && b.auto_archive_duration !== s.autoArchiveDuration,
      slowmode: typeof b.rate_limit_per_user === "number" && b.rate_limit_per_user !== (t.rateLimitPerUser ?? 0),
      invitable: t.type === CT.PRIVATE_THREAD && typeof b.invitable === "boolean" && b.invitable !== s.invitable,
    };
    const lockedAfter = changes.locked ? Boolean(b.locked) : s.locked;
    if (!mod) {
      if (changes.locked || changes.slowmode) throw errors.missingPermissions();
      if (s.locked && Object.values(changes).some(Boolean)) throw errors.missingPermissions();
      if ((changes.name || changes.duration || changes.invitable || (changes.archived && b.archived === true)) && !owner) throw errors.missingPermissions();
      if (changes.archived && b.archived === false && (lockedAfter || !(perms & P.SEND_MESSAGES))) throw errors.missingPermissions();
    }
    const now = this.world.clock.now();
    if (changes.name) t.name = b.name;
    if (changes.locked) s.locked = Boolean(b.locked);
    if (changes.slowmode) t.rateLimitPerUser = b.rate_limit_per_user;
    if (changes.invitable) s.invitable = Boolean(b.invitable);
    if (changes.duration) {
      s.autoArchiveDuration = b.auto_archive_duration;
      s.archiveTimestamp = now;
    }
    if (changes.archived) {
      s.archived = Boolean(b.archived);
      s.archiveTimestamp = now;
    }
    this.announceUpdate(t, changes.archived && !s.archived);
  }

  /** Test-side change by a moderator or by Discord itself (auto-archive): no permission checks. */
  update(t: Thread, change: { archived?: boolean; locked?: boolean; name?: string; autoArchiveDuration?: number }): void {
    const s = t.thread;
    const now = this.world.clock.now();
    const unarchived = change.archived === false && s.archived;
    if (change.name !== undefined) t.name = change.name;
    if (change.locked !== undefined) s.locked = change.locked;
    if (change.autoArchiveDuration !== undefined && change.autoArchiveDuration !== s.autoArchiveDuration) {
      s.autoArchiveDuration = change.autoArchiveDuration;
      s.archiveTimestamp = now;
    }
    if (change.archived !== undefined && change.archived !== s.archived) {
      s.archived = change.archived;
      s.archiveTimestamp = now;
    }
    this.announceUpdate(t, unarchived);
  }

  /** THREAD_UPDATE, then (docs "Threads" → Unarchiving a Thread) THREAD_MEMBER_UPDATE for the bot. */
  private announceUpdate(t: Thread, unarchived: boolean): void {
    if (!this.botCanView(t)) return;
    this.gateway.dispatchFor(INTENTS.GUILDS, "THREAD_UPDATE", apiChannel(this.world, t));
    const joined = t.thread.members.get(this.world.botUser.id);
    if (unarchived && joined !== undefined)
      this.gateway.dispatchFor(INTENTS.GUILDS, "THREAD_MEMBER_UPDATE", { ...apiThreadMember(t.id, this.world.botUser.id, joined), guild_id: t.guildId });
  }

  // ----------------------------------------------------------------------------- messages

  /**
   * Checked before `userId` creates a message in thread `t` (POST /channels/{id}/messages):
   * SEND_MESSAGES_IN_THREADS, and the lock rules. Throws; changes nothing.
   */
  checkPost(t: Thread, userId: string): void {
    const s = t.thread;
    const perms = this.world.channelPermissions(userId, t.id);
    if (!(perms & P.SEND_MESSAGES_IN_THREADS)) throw errors.missingPermissions();
    const mod = (perms & (P.MANAGE_THREADS | P.ADMINISTRATOR)) !== 0n;
    if (s.locked && !mod) throw s.archived ? errors.threadArchived() : errors.threadLocked();
  }

  /** After a message was created in `t` by `userId`: automatic unarchive and join. */
  afterPost(t: Thread, userId: string): void {
    const s = t.thread;
    if (s.archived) {
      s.archived = false;
      s.archiveTimestamp = this.world.clock.now();
      this.announceUpdate(t, true);
    }
    if (!s.members.has(userId)) {
      const now = this.world.clock.now();
      s.members.set(userId, now);
      if (userId === this.world.botUser.id && this.botCanView(t)) {
        // Docs "Threads" → Syncing for the current user: always sent when the current user is added.
        this.gateway.dispatchFor(INTENTS.GUILDS, "THREAD_MEMBERS_UPDATE", {
          id: t.id,
          guild_id: t.guildId,
          member_count: Math.min(50, s.members.size),
          added_members: [apiThreadMember(t.id, userId, now)],
        });
      }
    }
  }

  /** Editing messages: not in archived threads (50083); not in locked ones without MANAGE_THREADS (160005). */
  beforeEdit(t: Thread, userId: string): void {
    if (t.thread.archived) throw errors.threadArchived();
    const perms = this.world.channelPermissions(userId, t.id);
    if (t.thread.locked && !(perms & (P.MANAGE_THREADS | P.ADMINISTRATOR))) throw errors.threadLocked();
  }

  // ----------------------------------------------------------------------------- test view

  snapshot(t: Thread): StoredThread {
    const s = t.thread;
    return {
      id: t.id,
      type: t.type,
      parentId: t.parentId ?? "",
      guildId: t.guildId ?? "",
      name: t.name ?? "",
      archived: s.archived,
      locked: s.locked,
      autoArchiveDuration: s.autoArchiveDuration,
      ...(s.invitable !== undefined ? { invitable: s.invitable } : {}),
      ownerId: t.ownerId ?? "",
      createdAt: s.createTimestamp,
      archiveTimestamp: s.archiveTimestamp,
      ...(s.fromMessageId !== undefined ? { fromMessageId: s.fromMessageId } : {}),
      memberIds: [...s.members.keys()],
      messageCount: this.world.threadMessageCount(t.id),
      totalMessageSent: s.totalMessageSent,
      rateLimitPerUser: t.rateLimitPerUser ?? 0,
      raw: apiChannel(this.world, t),
    };
  }

  all(parentId?: string): Thread[] {
    const out: Thread[] = [];
    for (const c of this.world.channels.values()) if (this.world.isThread(c) && (parentId === undefined || c.parentId === parentId)) out.push(c);
    return out;
  }
}
