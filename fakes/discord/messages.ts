/**
 * Creating and editing messages (Discord docs "Message Resource" → Create Message / Edit
 * Message, "Uploading Files", "Webhook Resource" → Execute Webhook / Edit Webhook Message).
 *
 * - Uploads arrive as `files[n]`; `attachments[].id` = n references them and carries
 *   metadata (description, title, filename override). Unreferenced uploads are appended.
 * - Edit (API v10): when `attachments` is present it lists *all* attachments that remain
 *   (existing ones by id + new uploads by n); when absent, uploads are appended.
 * - Fields absent from an edit are left unchanged; `null` clears them.
 * - Embeds get `type: "rich"`; `attachment://name` image/thumbnail URLs are resolved to the
 *   attachment's CDN URL. Components get sequential numeric `id`s if they have none.
 * - Editable flags are SUPPRESS_EMBEDS and IS_COMPONENTS_V2; EPHEMERAL is fixed at creation;
 *   LOADING is cleared by the first edit (a deferred response's first edit is not "edited").
 * - IS_COMPONENTS_V2 rules (no legacy fields, every upload referenced, 40 components, 4000
 *   characters of text, the flag never removed): components-v2.ts.
 */
import { checkComponentsV2, resolveMedia } from "./components-v2.js";
import { addFieldError, errors, isEmptyTree, type ErrorTree } from "./discord-errors.js";
import { checkMessageLimits, isEmptyMessage, MAX_ATTACHMENTS } from "./limits.js";
import { imageSize, mimeFromFilename, type Cdn } from "./cdn.js";
import { MF, type AttachmentRecord, type MessageRecord, type World } from "./state.js";
import type { UploadedFile } from "./types.js";

const EDITABLE_FLAGS = MF.SUPPRESS_EMBEDS | MF.IS_COMPONENTS_V2;
const CREATE_FLAGS = MF.SUPPRESS_EMBEDS | MF.SUPPRESS_NOTIFICATIONS | MF.IS_VOICE_MESSAGE | MF.IS_COMPONENTS_V2;

export interface CreateParams {
  channelId: string;
  body: any;
  files: UploadedFile[];
  authorId: string;
  type: number;
  allowEphemeral: boolean;
  /** Forces these flags (e.g. the ephemerality of a deferred response). */
  forceFlags?: number;
  webhookId?: string;
  applicationId?: string;
  interactionId?: string;
  interactionToken?: string;
  interactionMetadata?: Record<string, unknown>;
  loading?: boolean;
}

export class MessageService {
  constructor(
    private readonly world: World,
    private readonly cdn: Cdn,
  ) {}

  /** Validates Discord-side limits and throws 400 50035 on failure. */
  checkLimits(body: unknown, flags?: number): void {
    const tree: ErrorTree = {};
    checkMessageLimits(body, tree, flags);
    if (!isEmptyTree(tree)) throw errors.invalidFormBody(tree);
  }

  create(p: CreateParams): MessageRecord {
    const body = (p.body ?? {}) as any;
    const now = this.world.clock.now();
    const id = this.world.ids.next();
    const channel = this.world.channels.get(p.channelId);
    let flags = typeof body.flags === "number" ? body.flags & (CREATE_FLAGS | (p.allowEphemeral ? MF.EPHEMERAL : 0)) : 0;
    if (p.forceFlags !== undefined) flags = (flags & ~MF.EPHEMERAL) | p.forceFlags;
    if (p.loading) flags |= MF.LOADING;
    this.checkLimits(body, flags);

    const tree: ErrorTree = {};
    const attachments = this.buildAttachments(p.channelId, body.attachments, p.files, [], true, tree);
    const components = Array.isArray(body.components) ? body.components : [];
    checkComponentsV2({ flags, content: body.content, embeds: body.embeds, poll: body.poll, stickerIds: body.sticker_ids, components, attachments }, tree);
    if (!isEmptyTree(tree)) throw errors.invalidFormBody(tree);

    const m: MessageRecord = {
      id,
      channelId: p.channelId,
      ...(channel?.guildId !== undefined ? { guildId: channel.guildId } : {}),
      authorId: p.authorId,
      type: p.type,
      content: typeof body.content === "string" ? body.content : "",
      embeds: [],
      components: [],
      attachments,
      flags,
      tts: body.tts === true,
      deleted: false,
      createdAt: now,
      editCount: 0,
      ...(p.webhookId !== undefined ? { webhookId: p.webhookId } : {}),
      ...(p.applicationId !== undefined ? { applicationId: p.applicationId } : {}),
      ...(p.interactionId !== undefined ? { interactionId: p.interactionId } : {}),
      ...(p.interactionToken !== undefined ? { interactionToken: p.interactionToken } : {}),
      ...(p.interactionMetadata !== undefined ? { interactionMetadata: p.interactionMetadata } : {}),
    };
    m.embeds = Array.isArray(body.embeds) ? this.normalizeEmbeds(body.embeds, attachments) : [];
    m.components = normalizeComponents(components);
    resolveMedia(m.components, attachments, () => this.world.ids.next());
    if (body.nonce !== undefined && body.nonce !== null) m.nonce = body.nonce;
    if (body.message_reference != null) m.message_reference = this.resolveReference(p.channelId, body.message_reference);
    if (body.allowed_mentions !== undefined) m.allowed_mentions = body.allowed_mentions;
    if (body.poll != null) m.poll = body.poll;
    if (!p.loading && isEmptyMessage(m)) throw errors.emptyMessage();
    this.world.addMessage(m);
    return m;
  }

  edit(m: MessageRecord, bodyIn: unknown, files: UploadedFile[]): void {
    const body = (bodyIn ?? {}) as any;
    const wasLoading = (m.flags & MF.LOADING) !== 0;
    let flags = m.flags & ~MF.LOADING;
    if (typeof body.flags === "number") flags = (flags & ~EDITABLE_FLAGS) | (body.flags & EDITABLE_FLAGS);
    const check = { ...body };
    if (!("content" in body)) check.content = m.content;
    if (!("embeds" in body)) check.embeds = m.embeds;
    this.checkLimits(check, flags);

    const tree: ErrorTree = {};
    let attachments = m.attachments;
    if ("attachments" in body) {
      attachments = this.buildAttachments(m.channelId, body.attachments ?? [], files, m.attachments, false, tree);
    } else if (files.length) {
      attachments = [...m.attachments, ...this.buildAttachments(m.channelId, undefined, files, [], true, tree)];
    }
    if (attachments.length > MAX_ATTACHMENTS)
      addFieldError(tree, ["attachments"], { code: "BASE_TYPE_MAX_LENGTH", message: `Must be ${MAX_ATTACHMENTS} or fewer in length.` });
    checkComponentsV2(
      {
        flags,
        previousFlags: m.flags,
        content: check.content,
        embeds: check.embeds,
        poll: m.poll,
        components: "components" in body ? (Array.isArray(body.components) ? body.components : []) : m.components,
        attachments,
      },
      tree,
    );
    if (!isEmptyTree(tree)) throw errors.invalidFormBody(tree);

    const next = {
      content: "content" in body ? (typeof body.content === "string" ? body.content : "") : m.content,
      embeds: "embeds" in body ? (Array.isArray(body.embeds) ? this.normalizeEmbeds(body.embeds, attachments) : []) : m.embeds,
      components: "components" in body ? (Array.isArray(body.components) ? normalizeComponents(body.components) : []) : m.components,
      attachments,
      ...(m.poll !== undefined ? { poll: m.poll } : {}),
    };
    if (isEmptyMessage(next)) throw errors.emptyMessage();
    resolveMedia(next.components, attachments, () => this.world.ids.next());
    m.content = next.content;
    m.embeds = next.embeds;
    m.components = next.components;
    m.attachments = attachments;
    m.flags = flags;
    if ("allowed_mentions" in body) m.allowed_mentions = body.allowed_mentions;
    const now = this.world.clock.now();
    m.editedAt = now;
    if (!wasLoading) m.apiEditedAt = now;
    m.editCount++;
  }

  delete(m: MessageRecord): void {
    m.deleted = true;
  }

  private resolveReference(channelId: string, ref: any): any {
    const out = { type: 0, channel_id: channelId, guild_id: this.world.channels.get(channelId)?.guildId, ...ref };
    if (out.guild_id === undefined) delete out.guild_id;
    const target = typeof ref.message_id === "string" ? this.world.messages.get(ref.message_id) : undefined;
    if ((!target || target.deleted || target.channelId !== (ref.channel_id ?? channelId)) && ref.fail_if_not_exists !== false) {
      const tree: ErrorTree = {};
      addFieldError(tree, ["message_reference"], { code: "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", message: "Unknown message" });
      throw errors.invalidFormBody(tree);
    }
    delete out.fail_if_not_exists;
    return out;
  }

  private buildAttachments(
    channelId: string,
    entries: unknown,
    files: UploadedFile[],
    existing: AttachmentRecord[],
    appendUnreferenced: boolean,
    tree: ErrorTree,
  ): AttachmentRecord[] {
    const byIndex = new Map<string, UploadedFile>();
    files.forEach((f, i) => {
      const m = /^files\[(\d+)\]$/.exec(f.name);
      byIndex.set(m ? String(Number(m[1])) : f.name === "file" ? String(i) : f.name, f);
    });
    const used = new Set<string>();
    const out: AttachmentRecord[] = [];
    if (Array.isArray(entries)) {
      entries.forEach((e: any, i: number) => {
        const id = e && (typeof e.id === "string" || typeof e.id === "number") ? String(e.id) : undefined;
        if (id === undefined) return;
        const upload = byIndex.get(id);
        if (upload && !used.has(id)) {
          used.add(id);
          out.push(this.newAttachment(channelId, upload, e));
          return;
        }
        const keep = existing.find((a) => a.id === id);
        if (keep) {
          out.push(typeof e.description === "string" ? { ...keep, description: e.description } : keep);
          return;
        }
        addFieldError(tree, ["attachments", i, "id"], { code: "ATTACHMENT_NOT_FOUND", message: `Unknown attachment id ${id}` });
      });
    }
    if (appendUnreferenced) {
      for (const [id, f] of byIndex) if (!used.has(id)) out.push(this.newAttachment(channelId, f, undefined));
    }
    if (files.length > MAX_ATTACHMENTS)
      addFieldError(tree, ["files"], { code: "BASE_TYPE_MAX_LENGTH", message: `Must be ${MAX_ATTACHMENTS} or fewer in length.` });
    return out;
  }

  newAttachment(channelId: string, f: UploadedFile, meta: any): AttachmentRecord {
    const id = this.world.ids.next();
    const requested = typeof meta?.filename === "string" && meta.filename ? meta.filename : f.filename || "unknown";
    const filename = sanitizeFilename(requested);
    const { url, proxyUrl } = this.cdn.host(`attachments/${channelId}`, id, filename, f.bytes);
    const contentType = mimeFromFilename(filename) ?? (f.contentType || "application/octet-stream");
    const dims = contentType.startsWith("image/") ? imageSize(f.bytes) : undefined;
    return {
      id,
      filename,
      bytes: f.bytes,
      contentType,
      reportedContentType: contentType,
      size: f.bytes.length,
      reportedSize: f.bytes.length,
      url,
      proxyUrl,
      ...(dims ? { width: dims.width, height: dims.height } : {}),
      ...(typeof meta?.description === "string" ? { description: meta.description } : {}),
      ...(typeof meta?.title === "string" ? { title: meta.title } : {}),
      spoiler: filename.startsWith("SPOILER_") || meta?.is_spoiler === true,
    };
  }

  private normalizeEmbeds(embeds: any[], attachments: AttachmentRecord[]): any[] {
    return embeds.map((e0) => {
      const e = structuredClone(e0 ?? {});
      e.type ??= "rich";
      for (const k of ["image", "thumbnail"] as const) {
        const url = e[k]?.url;
        if (typeof url === "string" && url.startsWith("attachment://")) {
          const a = attachments.find((x) => x.filename === url.slice("attachment://".length));
          if (a) {
            e[k] = {
              ...e[k],
              url: a.url,
              proxy_url: a.proxyUrl,
              ...(a.width !== undefined ? { width: a.width, height: a.height } : {}),
              content_type: a.contentType,
              flags: 0,
            };
          }
        }
      }
      for (const k of Object.keys(e)) if (e[k] === null) delete e[k];
      return e;
    });
  }
}

/** Discord replaces whitespace in uploaded filenames with underscores and drops path parts. */
export function sanitizeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? name;
  return base.replace(/\s+/g, "_") || "unknown";
}

/**
 * Docs "Component Reference" → "id": auto-assigned sequentially when omitted (messages and modals;
 * a Label's child is `component`); select menus' min_values/max_values default to 1; Components V2
 * defaults (spoiler false, accent_color and descriptions null, separator spacing 1 with divider).
 */
export function normalizeComponents(components: any[]): any[] {
  const out = structuredClone(components);
  let next = 1;
  const used = new Set<number>();
  const collect = (c: any) => {
    if (!c || typeof c !== "object") return;
    if (typeof c.id === "number") used.add(c.id);
    if (Array.isArray(c.components)) c.components.forEach(collect);
    if (c.accessory) collect(c.accessory);
    if (c.component) collect(c.component);
  };
  out.forEach(collect);
  const assign = (c: any) => {
    if (!c || typeof c !== "object") return;
    if (typeof c.id !== "number") {
      while (used.has(next)) next++;
      c.id = next++;
    }
    // Select menus (types 3, 5–8): min_values and max_values default to 1 and are always returned.
    if ([3, 5, 6, 7, 8].includes(c.type)) {
      c.min_values ??= 1;
      c.max_values ??= 1;
    }
    // Components V2 fields Discord always returns (OpenAPI *ComponentResponse "required").
    if (c.type === 17) {
      c.accent_color ??= null;
      c.spoiler ??= false;
    }
    if (c.type === 12 && Array.isArray(c.items)) c.items = c.items.map((item: any) => ({ ...item, description: item?.description ?? null, spoiler: item?.spoiler ?? false }));
    if (c.type === 11) {
      c.description ??= null;
      c.spoiler ??= false;
    }
    if (c.type === 13) {
      c.name ??= null;
      c.size ??= null;
      c.spoiler ??= false;
    }
    if (c.type === 14) {
      c.spacing ??= 1;
      c.divider ??= true;
    }
    if (Array.isArray(c.components)) c.components.forEach(assign);
    if (c.accessory) assign(c.accessory);
    if (c.component) assign(c.component);
  };
  out.forEach(assign);
  return out;
}
