import { ApiError, ValidationError } from "@fal-ai/client";
import { createRedactor } from "../util/redact.js";

/** Credentials recognisable by their shape (no configured secret is known here). */
const quotedReasons = createRedactor([]);

/** What went wrong talking to fal, in terms the bot acts on. */
export type FalFailure =
  | { kind: "refused"; userMessage: string } // 422: content policy or validation
  | { kind: "unauthorized"; userMessage: string } // 401/403: the key is wrong; the owner must act
  | { kind: "transient"; userMessage: string; status?: number } // 429, 5xx, network, timeout
  | { kind: "other"; userMessage: string; status?: number };

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "ENOTFOUND", "EAI_AGAIN"]);

/** Sorts an error thrown by @fal-ai/client (or fetch) into what the user is told. */
export function classifyFalError(error: unknown): FalFailure {
  if (error instanceof ValidationError) {
    const details = error.fieldErrors;
    const policy = details.some((d) => /content.?policy|nsfw|safety/i.test(`${d.type} ${d.msg}`));
    if (policy) {
      return {
        kind: "refused",
        userMessage:
          "fal refused this request under its content policy: your prompt or one of your images was flagged. " +
          "Try a different prompt or image.",
      };
    }
    // fal's own words go to the member: a proxy that echoes the request (Authorization header,
    // webhook URLs) must not put a credential in a Discord message.
    const reasons = quotedReasons(details.map((d) => d.msg).filter(Boolean).slice(0, 3).join("; "));
    return { kind: "refused", userMessage: `fal refused the request: ${reasons || "it did not accept the input"}.` };
  }
  if (error instanceof ApiError) {
    if (error.status === 401 || error.status === 403) {
      return {
        kind: "unauthorized",
        userMessage: "StoryCast is misconfigured: fal did not accept its API key. The bot's owner has been alerted.",
      };
    }
    if (error.status === 429 || error.status >= 500) {
      return {
        kind: "transient",
        status: error.status,
        userMessage: `fal is having trouble right now (it answered ${error.status}). Please try again in a few minutes.`,
      };
    }
    return { kind: "other", status: error.status, userMessage: `fal could not handle the request (it answered ${error.status}).` };
  }
  if (isNetworkError(error)) {
    return { kind: "transient", userMessage: "fal could not be reached. Please try again in a few minutes." };
  }
  return { kind: "other", userMessage: "Something went wrong talking to fal." };
}

/** True for failures of the connection itself or a timeout, where no HTTP answer came back. */
export function isNetworkError(error: unknown): boolean {
  for (let current = error, depth = 0; current && typeof current === "object" && depth < 5; depth++) {
    const { name, code, message } = current as { name?: string; code?: string; message?: string };
    if (name === "TimeoutError" || (code && NETWORK_CODES.has(code)) || /fetch failed/i.test(message ?? "")) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** True when the connection was refused: the request never reached fal. */
export function wasRefusedConnection(error: unknown): boolean {
  for (let current = error, depth = 0; current && typeof current === "object" && depth < 5; depth++) {
    if ((current as { code?: string }).code === "ECONNREFUSED") return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** Retry reads on fal's transient failures only. */
export function isRetryableFalError(error: unknown): boolean {
  return classifyFalError(error).kind === "transient";
}
