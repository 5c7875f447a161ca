/**
 * Builds API-shaped JSON objects (Discord docs "User Object", "Guild Member Object",
 * "Role Object", "Channel Object" (incl. "Example Thread Channel", "Thread Metadata Object",
 * "Thread Member Object"), "Guild Object" + GUILD_CREATE extra fields, "Message Object",
 * "Attachment Object") from the fake's world state.
 */
import { MF, P, type AttachmentRecord, type ChannelRecord, type MessageRecord, type RoleRecord, type ThreadState, type World } from "./state.js";
import type { DiscordAttachment } from "./types.js";

export function apiUser(u: { id: string; username: string; globalName?: string | null; bot?: boolean }): Record<string, unknown> {
  return {
    id: u.id,
    username: u.username,
    avatar: null,
    discriminator: "0",
    public_flags: 0,
    flags: 0,
    ...(u.bot ? { bot: true } : {}),
    banner: null,
    accent_color: null,
    global_name: u.globalName ?? null,
    avatar_decoration_data: null,
    collectibles: null,
    primary_guild: null,
  };
}

/** A member of `guildId` (default the main guild): only that guild's roles are listed. */
export function apiMember(world: World, userId: string, withUser = true, guildId: string = world.guildId): Record<string, unknown> {
  const m = world.members.get(userId);
  if (!m) throw new Error(`fake discord: unknown member ${userId}`);
  return {
    avatar: null,
    banner: null,
    communication_disabled_until: null,
    deaf: false,
    flags: 0,
    joined_at: m.joinedAt,
    mute: false,
    nick: null,
    pending: false,
    premium_since: null,
    roles: m.roles.filter((r) => (world.roles.get(r)?.guildId ?? world.guildId) === guildId),
    ...(withUser ? { user: apiUser(m.user) } : {}),
  };
}

export function apiRole(r: RoleRecord): Record<string, unknown> {
  return {
    id: r.id,
    name: r.name,
    description: null,
    permissions: r.permissions.toString(),
    position: r.position,
    color: r.color,
    colors: { primary_color: r.color, secondary_color: null, tertiary_color: null },
    hoist: false,
    managed: r.managed,
    mentionable: false,
    icon: null,
    unicode_emoji: null,
    flags: 0,
    ...(r.botId !== undefined ? { tags: { bot_id: r.botId } } : {}),
  };
}

/** Thread member object (docs "Channel Object" → "Thread Member Object"). */
export function apiThreadMember(threadId: string, userId: string, joinedAt: number): Record<string, unknown> {
  return { id: threadId, user_id: userId, join_timestamp: new Date(joinedAt).toISOString(), flags: 0 };
}

/**
 * A thread channel (docs "Channel Object" → "Example Thread Channel"; "Threads" → Thread Fields):
 * `member_count` stops counting at 50; `message_count` excludes deleted messages; the current
 * user's thread member object is included as `member` when the bot has joined the thread
 * (docs "Threads" → "Syncing for the current user": getting a channel returns it).
 */
function apiThread(world: World, ch: ChannelRecord & { thread: ThreadState }): Record<string, unknown> {
  const t = ch.thread;
  const botJoined = t.members.get(world.botUser.id);
  return {
    id: ch.id,
    type: ch.type,
    last_message_id: ch.lastMessageId,
    flags: 0,
    guild_id: ch.guildId,
    name: ch.name,
    parent_id: ch.parentId ?? null,
    rate_limit_per_user: ch.rateLimitPerUser ?? 0,
    owner_id: ch.ownerId,
    thread_metadata: {
      archived: t.archived,
      archive_timestamp: new Date(t.archiveTimestamp).toISOString(),
      auto_archive_duration: t.autoArchiveDuration,
      locked: t.locked,
      create_timestamp: new Date(t.createTimestamp).toISOString(),
      ...(t.invitable !== undefined ? { invitable: t.invitable } : {}),
    },
    message_count: world.threadMessageCount(ch.id),
    member_count: Math.min(50, t.members.size),
    total_message_sent: t.totalMessageSent,
    last_pin_timestamp: null,
    ...(botJoined !== undefined ? { member: apiThreadMember(ch.id, world.botUser.id, botJoined) } : {}),
  };
}

export function apiChannel(world: World, ch: ChannelRecord): Record<string, unknown> {
  if (world.isThread(ch)) return apiThread(world, ch);
  if (ch.type === 1) {
    const u = ch.recipientId !== undefined ? world.userById(ch.recipientId) : undefined;
    return {
      id: ch.id,
      type: 1,
      last_message_id: ch.lastMessageId,
      flags: 0,
      recipients: u ? [apiUser(u)] : [],
    };
  }
  if (ch.recipientIds !== undefined) {
    // Group DM (docs "Channel Object" → Example Group DM Channel).
    return {
      id: ch.id,
      type: ch.type,
      last_message_id: ch.lastMessageId,
      flags: 0,
      name: ch.name ?? null,
      icon: null,
      owner_id: ch.ownerId,
      recipients: ch.recipientIds.flatMap((id) => {
        const u = world.userById(id);
        return u ? [apiUser(u)] : [];
      }),
    };
  }
  return {
    id: ch.id,
    type: ch.type,
    guild_id: ch.guildId,
    name: ch.name,
    position: ch.position ?? 0,
    permission_overwrites: ch.permissionOverwrites.map((o) => ({ ...o })),
    parent_id: null,
    nsfw: false,
    topic: ch.topic ?? null,
    last_message_id: ch.lastMessageId,
    last_pin_timestamp: null,
    rate_limit_per_user: 0,
    flags: 0,
  };
}

/**
 * GUILD_CREATE payload (docs "Gateway Events" → "Guild Create": a guild object plus
 * joined_at, large, unavailable, member_count, voice_states, members, channels,
 * threads, presences, stage_instances, guild_scheduled_events, soundboard_sounds).
 * `members` contains the bot's own member, as Discord always includes the current user.
 */
export function guildCreatePayload(world: World, guildId: string = world.guildId): Record<string, unknown> {
  const me = world.members.get(world.botUser.id);
  const guild = world.guilds.get(guildId);
  if (!guild) throw new Error(`fake discord: unknown guild ${guildId}`);
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    icon_hash: null,
    splash: null,
    discovery_splash: null,
    owner_id: world.ownerId,
    region: "deprecated",
    afk_channel_id: null,
    afk_timeout: 300,
    widget_enabled: false,
    widget_channel_id: null,
    verification_level: 1,
    default_message_notifications: 1,
    explicit_content_filter: 2,
    roles: world.guildRoles(guild.id).map(apiRole),
    emojis: [],
    features: [],
    mfa_level: 0,
    application_id: null,
    system_channel_id: guild.channelId,
    system_channel_flags: 0,
    rules_channel_id: null,
    max_presences: null,
    max_members: 500000,
    vanity_url_code: null,
    description: null,
    banner: null,
    premium_tier: 0,
    premium_subscription_count: 0,
    preferred_locale: "en-US",
    public_updates_channel_id: null,
    max_video_channel_users: 25,
    max_stage_video_channel_users: 50,
    nsfw_level: 0,
    nsfw: false,
    stickers: [],
    premium_progress_bar_enabled: false,
    safety_alerts_channel_id: null,
    incidents_data: null,
    hub_type: null,
    latest_onboarding_question_id: null,
    // GUILD_CREATE extras
    joined_at: me?.joinedAt ?? new Date(world.clock.now()).toISOString(),
    large: false,
    unavailable: false,
    lazy: true,
    member_count: world.members.size,
    voice_states: [],
    members: me ? [apiMember(world, world.botUser.id, true, guild.id)] : [],
    channels: [...world.channels.values()].filter((c) => c.guildId === guild.id && !c.thread).map((c) => apiChannel(world, c)),
    // Docs "Threads" → Gateway Events: all active threads in the guild the current user can view.
    threads: [...world.channels.values()]
      .filter((c) => c.guildId === guild.id && c.thread && !c.thread.archived && visibleToBot(world, c))
      .map((c) => apiChannel(world, c)),
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
    embedded_activities: [],
    activity_instances: [],
    version: world.clock.now(),
  };
}

function visibleToBot(world: World, ch: ChannelRecord): boolean {
  return (world.channelPermissions(world.botUser.id, ch.id) & P.VIEW_CHANNEL) !== 0n;
}

export function apiAttachment(a: AttachmentRecord, ephemeral: boolean): DiscordAttachment & Record<string, unknown> {
  return {
    id: a.id,
    filename: a.filename,
    size: a.reportedSize,
    url: a.url,
    proxy_url: a.proxyUrl,
    content_type: a.reportedContentType,
    ...(a.width !== undefined ? { width: a.width, height: a.height ?? null } : {}),
    ...(a.description !== undefined ? { description: a.description } : {}),
    ...(a.title !== undefined ? { title: a.title } : {}),
    ...(ephemeral ? { ephemeral: true } : {}),
    flags: a.spoiler ? 1 << 3 : 0,
  };
}

/** The message as GET /channels/{c}/messages/{m} (or the webhook routes) would return it. */
export function apiMessage(world: World, m: MessageRecord): Record<string, unknown> {
  const author = world.userById(m.authorId) ?? world.botUser;
  const ephemeral = (m.flags & MF.EPHEMERAL) !== 0;
  return {
    type: m.type,
    content: m.content,
    mentions: [],
    mention_roles: [],
    attachments: m.attachments.map((a) => apiAttachment(a, ephemeral)),
    embeds: structuredClone(m.embeds),
    timestamp: new Date(m.createdAt).toISOString(),
    edited_timestamp: m.apiEditedAt !== undefined ? new Date(m.apiEditedAt).toISOString() : null,
    flags: m.flags,
    components: structuredClone(m.components),
    id: m.id,
    channel_id: m.channelId,
    author: apiUser(author),
    pinned: false,
    mention_everyone: false,
    tts: m.tts,
    ...(m.webhookId !== undefined ? { webhook_id: m.webhookId } : {}),
    ...(m.applicationId !== undefined ? { application_id: m.applicationId } : {}),
    ...(m.interactionMetadata !== undefined ? { interaction_metadata: structuredClone(m.interactionMetadata) } : {}),
    ...(m.nonce !== undefined ? { nonce: m.nonce } : {}),
    ...(m.message_reference !== undefined ? { message_reference: structuredClone(m.message_reference) } : {}),
    ...(m.poll !== undefined ? { poll: structuredClone(m.poll) } : {}),
    ...threadOf(world, m),
  };
}

/** Docs "Message Object": `thread` — the thread that was started from this message (same id). */
function threadOf(world: World, m: MessageRecord): Record<string, unknown> {
  if (!(m.flags & MF.HAS_THREAD)) return {};
  const t = world.channels.get(m.id);
  return t?.thread && t.thread.fromMessageId === m.id ? { thread: apiChannel(world, t) } : {};
}
