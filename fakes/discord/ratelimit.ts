/**
 * Rate limit headers and fault injection (Discord docs "Rate Limits").
 *
 * Every REST response carries X-RateLimit-Limit / -Remaining / -Reset (epoch seconds) /
 * -Reset-After (seconds) / -Bucket (opaque hash per route shape). Buckets are keyed by
 * route + "major parameter" (channel_id, guild_id, webhook_id+token). Windows run on real
 * time (discord.js waits in real time), not on the fake clock. Exceeding a bucket answers
 * 429 with `retry-after` and `X-RateLimit-Scope: user`, like Discord.
 *
 * `failNext` injects 429/5xx answers, or any Discord JSON error (`error: errors.unknownWebhook()`). Deviation: the injected `retry-after` header carries
 * the exact (possibly fractional) seconds so tests stay fast; Discord sends whole seconds
 * in the header and the precise float in the body's `retry_after`.
 */
import { createHash } from "node:crypto";
import type { FailSpec } from "./types.js";

interface Window {
  start: number;
  used: number;
}

export class RateLimiter {
  private readonly windows = new Map<string, Window>();
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  static bucketHash(method: string, template: string): string {
    return createHash("sha1").update(`${method} ${template}`).digest("hex").slice(0, 32);
  }

  /** Consumes one request from the bucket. Returns headers and, if over the limit, the retry delay. */
  take(method: string, template: string, major: string): { headers: Record<string, string>; retryAfter?: number } {
    const key = `${method} ${template} ${major}`;
    const now = Date.now();
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      w = { start: now, used: 0 };
      this.windows.set(key, w);
    }
    const resetAt = w.start + this.windowMs;
    const resetAfter = Math.max(0, resetAt - now) / 1000;
    const headers: Record<string, string> = {
      "x-ratelimit-limit": String(this.limit),
      "x-ratelimit-reset": (resetAt / 1000).toFixed(3),
      "x-ratelimit-reset-after": resetAfter.toFixed(3),
      "x-ratelimit-bucket": RateLimiter.bucketHash(method, template),
    };
    if (w.used >= this.limit) {
      headers["x-ratelimit-remaining"] = "0";
      headers["x-ratelimit-scope"] = "user";
      headers["retry-after"] = resetAfter.toFixed(3);
      return { headers, retryAfter: resetAfter };
    }
    w.used++;
    headers["x-ratelimit-remaining"] = String(this.limit - w.used);
    return { headers };
  }
}

interface ActiveFault extends FailSpec {
  remaining: number;
  skipped?: number;
}

export class FaultInjector {
  private readonly faults: ActiveFault[] = [];

  add(f: FailSpec): void {
    if ((f.status === undefined) === (f.error === undefined)) throw new Error("failNext: give either status or error");
    if (f.status !== undefined && ![429, 500, 502, 503, 504].includes(f.status)) throw new Error(`failNext: unsupported status ${f.status}`);
    this.faults.push({ ...f, remaining: f.count ?? 1 });
  }

  /** Returns (and consumes one use of) the first fault matching the request. */
  take(method: string, path: string, fileCount = 0): ActiveFault | undefined {
    for (const f of this.faults) {
      if (f.remaining <= 0) continue;
      if (f.method && f.method.toUpperCase() !== method.toUpperCase()) continue;
      if (f.withFiles && fileCount === 0) continue;
      f.path.lastIndex = 0;
      if (!f.path.test(path)) continue;
      if ((f.skipped ?? 0) < (f.skip ?? 0)) {
        f.skipped = (f.skipped ?? 0) + 1;
        return undefined;
      }
      f.remaining--;
      return f;
    }
    return undefined;
  }

  get pending(): number {
    return this.faults.reduce((n, f) => n + Math.max(0, f.remaining), 0);
  }
}

export function faultResponse(f: FailSpec, bucket: string): { status: number; headers: Record<string, string>; body: unknown } {
  // A Discord JSON error (e.g. 404 10015 Unknown Webhook) is answered with its own status and body.
  if (f.error) return { status: f.error.status, headers: { ...f.error.headers }, body: f.error.body };
  if (f.status === 429) {
    const retryAfter = f.retryAfter ?? 1;
    return {
      status: 429,
      headers: {
        "retry-after": String(retryAfter),
        "x-ratelimit-limit": "5",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": ((Date.now() + retryAfter * 1000) / 1000).toFixed(3),
        "x-ratelimit-reset-after": retryAfter.toFixed(3),
        "x-ratelimit-bucket": bucket,
        "x-ratelimit-scope": "user",
      },
      // `code: 0` because the OpenAPI RatelimitedResponse (allOf Error) requires it.
      body: { message: "You are being rate limited.", retry_after: retryAfter, global: false, code: 0 },
    };
  }
  const text: Record<number, string> = { 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout" };
  const status = f.status ?? 500; // add() guarantees a status when there is no error
  return { status, headers: {}, body: { message: `${status}: ${text[status] ?? "Error"}`, code: 0 } };
}
