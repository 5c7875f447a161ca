/**
 * Rules for messages with the IS_COMPONENTS_V2 flag (1 << 15) that the OpenAPI schema does not
 * express, checked on every create and edit (channel messages, webhook execute and edit,
 * interaction callbacks 4 and 7, follow-ups). Sources:
 * - Docs "Message Resource" → Message Flags (IS_COMPONENTS_V2) and "Component Reference":
 *   with the flag, `content`, `embeds`, `poll` and `stickers` cannot be used; the field error
 *   is MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2 (as Discord answers, and as
 *   discord.js's guide "Components V2" → Limitations describes). Upgrading a message by an edit
 *   that adds the flag is allowed, but those fields must then be null (same guide; docs PR
 *   discord-api-docs#7560: the flag goes on the edit after a deferral, not on the ack).
 * - Docs PR discord-api-docs#7560: once a message has the flag it cannot be "downgraded": an
 *   edit whose `flags` drop it is refused. Discord does not document the error code; the fake
 *   answers 50035 with a field error on `flags` (code assumed).
 * - "Component Reference" → Media Gallery / File / Thumbnail and the guide's Limitations:
 *   attachments are not shown on their own, only through a media component that references
 *   them as `attachment://<filename>`; the fake refuses an upload that no component
 *   references (it would be invisible) and a reference to no attachment (code names assumed).
 * - "Component Reference": at most 40 components in the whole tree (nested ones count), at
 *   most 4000 characters across all text displays, 1 to 10 items in a media gallery.
 */
import { addFieldError, type ErrorTree } from "./discord-errors.js";
import { MF } from "./state.js";

export const MAX_V2_COMPONENTS = 40;
export const MAX_V2_TEXT = 4000;
export const MAX_GALLERY_ITEMS = 10;

/** The message as it will be once the request is applied. */
export interface V2Message {
  flags: number;
  /** The flags before an edit; undefined on create. */
  previousFlags?: number;
  content: unknown;
  embeds: unknown;
  poll?: unknown;
  stickerIds?: unknown;
  components: readonly unknown[];
  attachments: readonly { id: string; filename: string }[];
}

const legacy = (field: string) => ({
  code: "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
  message: `The '${field}' field cannot be used when using MessageFlags.IS_COMPONENTS_V2`,
});

export function checkComponentsV2(m: V2Message, tree: ErrorTree): void {
  const v2 = (m.flags & MF.IS_COMPONENTS_V2) !== 0;
  if (m.previousFlags !== undefined && (m.previousFlags & MF.IS_COMPONENTS_V2) !== 0 && !v2) {
    addFieldError(tree, ["flags"], { code: "MESSAGE_CANNOT_REMOVE_COMPONENTS_V2_FLAG", message: "The IS_COMPONENTS_V2 flag cannot be removed from a message" });
    return;
  }
  if (!v2) return;
  if (typeof m.content === "string" && m.content.length > 0) addFieldError(tree, ["content"], legacy("content"));
  if (Array.isArray(m.embeds) && m.embeds.length > 0) addFieldError(tree, ["embeds"], legacy("embeds"));
  if (m.poll != null) addFieldError(tree, ["poll"], legacy("poll"));
  if (Array.isArray(m.stickerIds) && m.stickerIds.length > 0) addFieldError(tree, ["sticker_ids"], legacy("stickers"));

  const count = countTree(m.components);
  if (count > MAX_V2_COMPONENTS)
    addFieldError(tree, ["components"], { code: "BASE_TYPE_MAX_LENGTH", message: `Must be ${MAX_V2_COMPONENTS} or fewer in length (${count} components in the tree).` });
  const text = textLength(m.components);
  if (text > MAX_V2_TEXT)
    addFieldError(tree, ["components"], { code: "MAX_TEXT_DISPLAY_LENGTH_EXCEEDED", message: `Text displays must total ${MAX_V2_TEXT} or fewer characters (${text}).` });

  const referenced = new Set<string>();
  walk(m.components, ["components"], (c, path) => {
    if (c.type === 12) {
      const items = Array.isArray(c.items) ? c.items : [];
      if (items.length < 1 || items.length > MAX_GALLERY_ITEMS)
        addFieldError(tree, [...path, "items"], { code: "BASE_TYPE_BAD_LENGTH", message: `Must be between 1 and ${MAX_GALLERY_ITEMS} in length.` });
      items.forEach((item: any, i: number) => reference(item?.media, [...path, "items", i, "media", "url"]));
    }
    if (c.type === 11) reference(c.media, [...path, "media", "url"]);
    if (c.type === 13) reference(c.file, [...path, "file", "url"]);
  });
  /** `attachment://name`, or (components kept from before, see resolveMedia) an attachment_id. */
  function reference(media: any, path: (string | number)[]) {
    if (typeof media?.attachment_id === "string") referenced.add(media.attachment_id);
    const url: unknown = media?.url;
    if (typeof url !== "string" || !url.startsWith("attachment://")) return;
    const name = url.slice("attachment://".length);
    const attachment = m.attachments.find((a) => a.filename === name);
    if (attachment) referenced.add(attachment.id);
    else addFieldError(tree, path, { code: "UNFURLED_MEDIA_ATTACHMENT_NOT_FOUND", message: `No attachment named ${name} in this message.` });
  }
  m.attachments.forEach((a, i) => {
    if (!referenced.has(a.id))
      addFieldError(tree, ["attachments", i], { code: "ATTACHMENT_NOT_REFERENCED", message: `The attachment ${a.filename} must be referenced by a component when using MessageFlags.IS_COMPONENTS_V2` });
  });
}

function walk(components: readonly unknown[], path: (string | number)[], visit: (c: any, path: (string | number)[]) => void): void {
  components.forEach((component, i) => {
    const c = component as any;
    if (!c || typeof c !== "object") return;
    visit(c, [...path, i]);
    if (Array.isArray(c.components)) walk(c.components, [...path, i, "components"], visit);
    if (c.accessory) walk([c.accessory], [...path, i, "accessory"], visit);
  });
}

/** Every component in the tree: containers, rows, their children and section accessories. */
export function countTree(components: readonly unknown[]): number {
  let n = 0;
  walk(components, [], () => n++);
  return n;
}

function textLength(components: readonly unknown[]): number {
  let n = 0;
  walk(components, [], (c) => {
    if (c.type === 10 && typeof c.content === "string") n += c.content.length;
  });
  return n;
}

/**
 * Discord answers with media resolved: an `attachment://name` reference becomes the
 * attachment's CDN URL with its proxy URL, size and type (docs "Component Reference" →
 * Unfurled Media Item: url, proxy_url, height, width, content_type, attachment_id; the
 * OpenAPI UnfurledMediaResponse also has an id of its own).
 */
export function resolveMedia(
  components: any[],
  attachments: readonly { id: string; filename: string; url: string; proxyUrl: string; width?: number; height?: number; contentType: string }[],
  nextId: () => string,
): void {
  const resolve = (media: any) => {
    if (!media || typeof media.url !== "string" || !media.url.startsWith("attachment://")) return media;
    const a = attachments.find((x) => x.filename === media.url.slice("attachment://".length));
    if (!a) return media;
    return { ...media, id: nextId(), url: a.url, proxy_url: a.proxyUrl, ...(a.width !== undefined ? { width: a.width, height: a.height } : {}), content_type: a.contentType, attachment_id: a.id };
  };
  walk(components, [], (c) => {
    if (c.type === 12 && Array.isArray(c.items)) c.items = c.items.map((item: any) => ({ ...item, media: resolve(item?.media) }));
    if (c.type === 11) c.media = resolve(c.media);
    if (c.type === 13) c.file = resolve(c.file);
  });
}
