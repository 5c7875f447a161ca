import { randomBytes } from "node:crypto";
import type { AppContext } from "../app-context.js";
import type { AttachmentInfo } from "../domain/imagine-request.js";

/** Which message menu opened a form. */
export type MenuKind = "ref" | "char" | "remix";

/** What a menu's form needs at submit time and cannot get from the submit itself. */
export interface PendingMenuForm {
  kind: MenuKind;
  userId: string;
  image: AttachmentInfo;
  expiresAt: number;
}

/**
 * A modal submit carries only its custom_id (100 characters) and the fields: not the message the
 * menu was used on (no `resolved.messages`), and re-reading it by REST fails where the bot is
 * present only through a member's install. The image was found and checked when the menu was
 * used (the modal must be the first answer, within 3 s, so nothing is downloaded then); its URL
 * waits here under a nonce that the form's custom_id carries. In memory on purpose: Discord's
 * signed attachment URLs expire anyway, and a form that outlived a restart gets a clear
 * "run it again" rather than a guess.
 */
export const MENU_FORM_TTL_MS = 15 * 60_000;
/** Far more forms than are ever open at once; past it the oldest is forgotten ("run it again"), so memory stays bounded. */
const MAX_PENDING_FORMS = 10_000;

const pendingByApp = new WeakMap<AppContext, Map<string, PendingMenuForm>>();

function pendingOf(ctx: AppContext): Map<string, PendingMenuForm> {
  let pending = pendingByApp.get(ctx);
  if (!pending) pendingByApp.set(ctx, (pending = new Map()));
  return pending;
}

/** Keeps a form's image for its submit; returns the nonce for the custom_id. Expired entries are dropped on the way. */
export function rememberMenuForm(ctx: AppContext, form: Omit<PendingMenuForm, "expiresAt">): string {
  const pending = pendingOf(ctx);
  const now = ctx.now();
  for (const [nonce, entry] of pending) if (entry.expiresAt <= now) pending.delete(nonce);
  const nonce = randomBytes(8).toString("hex");
  pending.set(nonce, { ...form, expiresAt: now + MENU_FORM_TTL_MS });
  if (pending.size > MAX_PENDING_FORMS) pending.delete(pending.keys().next().value!);
  return nonce;
}

/**
 * The form's image, once: only for the member it was shown to and of the menu that showed it,
 * and only before it expires. undefined means the form is stale (or forged).
 */
export function takeMenuForm(ctx: AppContext, nonce: string, kind: MenuKind, userId: string): PendingMenuForm | undefined {
  const pending = pendingOf(ctx);
  const entry = pending.get(nonce);
  if (!entry || entry.kind !== kind || entry.userId !== userId) return undefined;
  pending.delete(nonce);
  return entry.expiresAt > ctx.now() ? entry : undefined;
}

const FORM_ID = /^menu:(ref|char|remix):([0-9a-f]{16})$/;

export function menuFormId(kind: MenuKind, nonce: string): string {
  return `menu:${kind}:${nonce}`;
}

export function parseMenuFormId(customId: string): { kind: MenuKind; nonce: string } | undefined {
  const match = FORM_ID.exec(customId);
  return match ? { kind: match[1] as MenuKind, nonce: match[2]! } : undefined;
}
