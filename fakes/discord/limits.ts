/**
 * Explicit message limits that the OpenAPI schema does not (fully) express.
 *
 * Discord docs:
 * - "Message Resource" → Create Message: content up to 2000 characters (the spec allows 4000,
 *   which only applies to Nitro users, never to bots/webhooks).
 * - "Embed Limits": the combined title, description, field.name, field.value, footer.text and
 *   author.name of all embeds must not exceed 6000 characters.
 * - "Component Reference": without the IS_COMPONENTS_V2 flag a message holds at most 5 action
 *   rows and only action rows at the top level; a row holds up to 5 buttons or a single select;
 *   custom_id must be unique per message; non-link buttons need a custom_id, link buttons a url
 *   (and no custom_id), premium buttons a sku_id. The IS_COMPONENTS_V2 rules are in
 *   components-v2.ts.
 * - "Uploading Files": at most 10 attachments per message.
 */
import { addFieldError, type ErrorTree } from "./discord-errors.js";
import { MF } from "./state.js";

export const MAX_CONTENT = 2000;
export const MAX_EMBED_TOTAL = 6000;
export const MAX_ACTION_ROWS = 5;
export const MAX_ATTACHMENTS = 10;

const SELECT_TYPES = new Set([3, 5, 6, 7, 8]);

export function embedSize(embed: any): number {
  if (!embed || typeof embed !== "object") return 0;
  const len = (v: unknown) => (typeof v === "string" ? v.length : 0);
  let n = len(embed.title) + len(embed.description) + len(embed.footer?.text) + len(embed.author?.name);
  if (Array.isArray(embed.fields)) for (const f of embed.fields) n += len(f?.name) + len(f?.value);
  return n;
}

/** Checks a message-shaped body (create, edit, interaction response, follow-up). */
export function checkMessageLimits(body: any, tree: ErrorTree, flagsForCheck?: number): void {
  if (!body || typeof body !== "object") return;
  const flags = typeof flagsForCheck === "number" ? flagsForCheck : typeof body.flags === "number" ? body.flags : 0;
  const v2 = (flags & MF.IS_COMPONENTS_V2) !== 0;

  if (typeof body.content === "string" && body.content.length > MAX_CONTENT) {
    addFieldError(tree, ["content"], { code: "BASE_TYPE_MAX_LENGTH", message: `Must be ${MAX_CONTENT} or fewer in length.` });
  }
  if (Array.isArray(body.embeds)) {
    const total = body.embeds.reduce((n: number, e: unknown) => n + embedSize(e), 0);
    if (total > MAX_EMBED_TOTAL) {
      addFieldError(tree, ["embeds"], { code: "MAX_EMBED_SIZE_EXCEEDED", message: `Embed size exceeds maximum size of ${MAX_EMBED_TOTAL}` });
    }
  }
  if (Array.isArray(body.components)) checkComponents(body.components, v2, tree);
  if (Array.isArray(body.attachments) && body.attachments.length > MAX_ATTACHMENTS) {
    addFieldError(tree, ["attachments"], { code: "BASE_TYPE_MAX_LENGTH", message: `Must be ${MAX_ATTACHMENTS} or fewer in length.` });
  }
}

function checkComponents(components: any[], v2: boolean, tree: ErrorTree): void {
  if (!v2) {
    if (components.length > MAX_ACTION_ROWS)
      addFieldError(tree, ["components"], { code: "BASE_TYPE_MAX_LENGTH", message: `Must be ${MAX_ACTION_ROWS} or fewer in length.` });
    components.forEach((c, i) => {
      if (c && typeof c === "object" && c.type !== 1)
        addFieldError(tree, ["components", i, "type"], {
          code: "COMPONENT_TYPE_INVALID",
          message: "Component type must be ACTION_ROW unless the IS_COMPONENTS_V2 flag is set",
        });
    });
  }
  const seen = new Set<string>();
  const walk = (c: any, p: (string | number)[]) => {
    if (!c || typeof c !== "object") return;
    if (c.type === 1 && Array.isArray(c.components)) {
      const hasSelect = c.components.some((x: any) => SELECT_TYPES.has(x?.type));
      if (hasSelect && c.components.length > 1)
        addFieldError(tree, [...p, "components"], {
          code: "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
          message: "The specified component exceeds the maximum width",
        });
    }
    if (c.type === 2) checkButton(c, p, tree);
    if (typeof c.custom_id === "string") {
      if (seen.has(c.custom_id))
        addFieldError(tree, [...p, "custom_id"], { code: "COMPONENT_CUSTOM_ID_DUPLICATED", message: "Component custom id cannot be duplicated" });
      seen.add(c.custom_id);
    }
    if (Array.isArray(c.components)) c.components.forEach((x: unknown, i: number) => walk(x, [...p, "components", i]));
    if (c.accessory) walk(c.accessory, [...p, "accessory"]);
  };
  components.forEach((c, i) => walk(c, ["components", i]));
}

function checkButton(b: any, p: (string | number)[], tree: ErrorTree): void {
  const style = b.style;
  if (style === 5) {
    if (typeof b.url !== "string") addFieldError(tree, [...p, "url"], { code: "BASE_TYPE_REQUIRED", message: "This field is required" });
    if (b.custom_id != null)
      addFieldError(tree, [...p, "custom_id"], { code: "BUTTON_COMPONENT_URL_WITH_CUSTOM_ID", message: "A link button cannot have a custom_id" });
  } else if (style === 6) {
    if (b.sku_id == null) addFieldError(tree, [...p, "sku_id"], { code: "BASE_TYPE_REQUIRED", message: "This field is required" });
  } else if (typeof b.custom_id !== "string") {
    addFieldError(tree, [...p, "custom_id"], { code: "BASE_TYPE_REQUIRED", message: "This field is required" });
  }
}

/** Discord error 50006: a message needs content, an embed, a file, a component, a sticker or a poll. */
export function isEmptyMessage(m: { content: string; embeds: unknown[]; attachments: unknown[]; components: unknown[]; poll?: unknown }): boolean {
  return m.content.length === 0 && m.embeds.length === 0 && m.attachments.length === 0 && m.components.length === 0 && m.poll === undefined;
}
