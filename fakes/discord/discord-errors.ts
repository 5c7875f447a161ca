/**
 * Discord's JSON error format (docs "Opcodes and Status Codes" → "JSON Error Codes" and the
 * "Error Messages" example):
 *   { "code": 50035, "message": "Invalid Form Body",
 *     "errors": { "embeds": { "0": { "title": { "_errors": [{ "code": "BASE_TYPE_MAX_LENGTH", "message": "…" }] } } } } }
 */

export interface FieldError {
  code: string;
  message: string;
}
export type ErrorTree = { _errors?: FieldError[]; [key: string]: unknown };

export class DiscordHttpError extends Error {
  /** Raw Ajv errors behind a 50035 produced by schema validation. */
  ajvErrors: unknown[] = [];
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status} ${String(body.message)}`);
  }
}

export const errors = {
  unauthorized: () => new DiscordHttpError(401, { message: "401: Unauthorized", code: 0 }),
  notFound: () => new DiscordHttpError(404, { message: "404: Not Found", code: 0 }),
  methodNotAllowed: () => new DiscordHttpError(405, { message: "405: Method Not Allowed", code: 0 }),
  unknownChannel: () => new DiscordHttpError(404, { message: "Unknown Channel", code: 10003 }),
  unknownMessage: () => new DiscordHttpError(404, { message: "Unknown Message", code: 10008 }),
  unknownUser: () => new DiscordHttpError(404, { message: "Unknown User", code: 10013 }),
  unknownWebhook: () => new DiscordHttpError(404, { message: "Unknown Webhook", code: 10015 }),
  unknownCommand: () => new DiscordHttpError(404, { message: "Unknown application command", code: 10063 }),
  unknownInteraction: () => new DiscordHttpError(404, { message: "Unknown interaction", code: 10062 }),
  alreadyAcknowledged: () =>
    new DiscordHttpError(400, { message: "Interaction has already been acknowledged.", code: 40060 }),
  invalidWebhookToken: () => new DiscordHttpError(401, { message: "Invalid Webhook Token", code: 50027 }),
  missingPermissions: () => new DiscordHttpError(403, { message: "Missing Permissions", code: 50013 }),
  missingAccess: () => new DiscordHttpError(403, { message: "Missing Access", code: 50001 }),
  cannotDmUser: () => new DiscordHttpError(403, { message: "Cannot send messages to this user", code: 50007 }),
  cannotEditOthers: () =>
    new DiscordHttpError(403, { message: "Cannot edit a message authored by another user", code: 50005 }),
  /** 50024 (docs "JSON Error Codes"); e.g. starting a thread in a DM or in a thread. */
  invalidChannelType: () => new DiscordHttpError(400, { message: "Cannot execute action on this channel type", code: 50024 }),
  /** 50083 "Tried to perform an operation on an archived thread" (docs "JSON Error Codes"). */
  threadArchived: () => new DiscordHttpError(400, { message: "Thread is archived", code: 50083 }),
  /** 160004 (docs "JSON Error Codes"): a message can only have a single thread started from it. */
  threadAlreadyCreated: () => new DiscordHttpError(400, { message: "A thread has already been created for this message", code: 160004 }),
  /** 160005 (docs "JSON Error Codes"); the HTTP status is not documented, 403 is assumed. */
  threadLocked: () => new DiscordHttpError(403, { message: "Thread is locked", code: 160005 }),
  /** 40094 (docs "JSON Error Codes"); the follow-up cap of user-install-only interactions ("Create Followup Message"). */
  maxFollowUps: () => new DiscordHttpError(400, { message: "This interaction has hit the maximum number of follow up messages", code: 40094 }),
  emptyMessage: () => new DiscordHttpError(400, { message: "Cannot send an empty message", code: 50006 }),
  tooLarge: () => new DiscordHttpError(413, { message: "Request entity too large", code: 40005 }),
  badRequest: (message = "400: Bad Request") => new DiscordHttpError(400, { message, code: 0 }),
  invalidFormBody: (tree: ErrorTree, ajvErrors: unknown[] = []) => {
    const e = new DiscordHttpError(400, { code: 50035, message: "Invalid Form Body", errors: tree });
    e.ajvErrors = ajvErrors;
    return e;
  },
  invalidJson: () => new DiscordHttpError(400, { code: 50109, message: "The request body contains invalid JSON." }),
};

/** Adds a field error at a path such as ["embeds", "0", "title"]. An empty path means the body itself. */
export function addFieldError(tree: ErrorTree, path: readonly (string | number)[], err: FieldError): void {
  let node: ErrorTree = tree;
  for (const seg of path) {
    const key = String(seg);
    const child = node[key];
    if (child && typeof child === "object") node = child as ErrorTree;
    else {
      const fresh: ErrorTree = {};
      node[key] = fresh;
      node = fresh;
    }
  }
  node._errors ??= [];
  if (!node._errors.some((e) => e.code === err.code && e.message === err.message)) node._errors.push(err);
}

export function isEmptyTree(tree: ErrorTree): boolean {
  return Object.keys(tree).length === 0;
}
