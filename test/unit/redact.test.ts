import { Writable } from "node:stream";
import { ApiError } from "@fal-ai/client";
import { DiscordAPIError, HTTPError, RateLimitError } from "discord.js";
import fc from "fast-check";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import { createRedactor } from "../../src/util/redact.js";

const DISCORD_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GAbCdE.a-discord-bot-token_0123456789abcdef";
const FAL_KEY = "0b9f3c1e-5d7a-4e2b-9c8d-1f2e3a4b5c6d:4f8a9b2c7d1e3f5a6b8c9d0e1f2a3b4c";
const APP_ID = "123456789012345678";
const INTERACTION_ID = "223456789012345678";
/** Shaped like Discord's: base64 of "interaction:{id}:" followed by random base64url. */
const TOKEN = Buffer.from(`interaction:${INTERACTION_ID}:`).toString("base64url") + "Zk9xR3pLb2dUcW1Hd0VwYlhWcW5hT0N5dFpKc0RmU2xyQ3dYb1l2cVd4R2Fk";
const API = "https://discord.com/api/v10";
const webhookUrl = `${API}/webhooks/${APP_ID}/${TOKEN}/messages/@original`;
const followUpUrl = `${API}/webhooks/${APP_ID}/${TOKEN}?wait=true`;
const callbackUrl = `${API}/interactions/${INTERACTION_ID}/${TOKEN}/callback`;
const noBody = { files: undefined, body: undefined };

/** Lines a logger writes, as text. */
function sink(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  return { stream, lines };
}

/** What the bot logs when Discord and fal fail: real library errors, nested the way handlers nest them. */
function logFailures(logger: pino.Logger): void {
  const unknownWebhook = new DiscordAPIError({ message: "Unknown Webhook", code: 10015 }, 10015, 404, "PATCH", webhookUrl, noBody);
  const badGateway = new HTTPError(502, "Bad Gateway", "POST", followUpUrl, { files: undefined, body: { content: "hi" } });
  const callbackFailed = new HTTPError(503, "Service Unavailable", "POST", callbackUrl, noBody);
  const rateLimited = new RateLimitError({
    timeToReset: 1000, limit: 5, method: "POST", hash: "h", url: followUpUrl, route: "/webhooks/:id/:token",
    majorParameter: `${APP_ID}/${TOKEN}`, global: false, retryAfter: 1000, sublimitTimeout: 0, scope: "user",
  });
  const falError = new ApiError({ message: `upstream refused Authorization: Key ${FAL_KEY}`, status: 502, body: { echoed: { headers: { Authorization: `Key ${FAL_KEY}` } } } });
  logger.warn({ err: unknownWebhook, jobId: "job-1" }, "delivery to Discord failed; will retry");
  logger.warn({ err: badGateway }, "delivery to Discord failed; will retry");
  logger.error({ err: callbackFailed, interactionId: INTERACTION_ID }, "interaction failed");
  logger.warn({ err: rateLimited }, "rate limited");
  logger.child({ origin: { webhook: webhookUrl } }).warn({ deep: { list: [{ url: callbackUrl, note: `token ${TOKEN}` }] } }, `edit of ${webhookUrl} failed`);
  logger.error({ err: falError, requestId: "5f0c2b1a-8d3e-4c6f-9a7b-2e1d0c9b8a7f" }, "job failed: fal is having trouble right now (it answered 502)");
  logger.fatal({ config: { discordToken: DISCORD_TOKEN } }, `could not log in with ${DISCORD_TOKEN}`);
}

const secrets = [DISCORD_TOKEN, FAL_KEY, TOKEN, FAL_KEY.split(":")[1]!];

describe("redaction in the logger", () => {
  it("when discord.js and fal errors carrying every secret are logged, then the secrets reach a plain logger's output but none reaches ours", () => {
    // The control: without redaction each secret really does reach the output through these errors.
    const plain = sink();
    logFailures(pino({ base: null }, plain.stream));
    for (const secret of secrets) expect(plain.lines.join("\n"), "the input must carry the secret").toContain(secret);

    const redacted = sink();
    logFailures(createLogger("debug", [DISCORD_TOKEN, FAL_KEY], redacted.stream));
    expect(redacted.lines).toHaveLength(plain.lines.length);
    for (const line of redacted.lines) {
      for (const secret of secrets) expect(line).not.toContain(secret);
      expect(line).not.toMatch(/aW50ZXJhY3Rpb246/); // no fragment of the token's prefix either
    }
  });

  it("when a webhook or callback URL is logged, then the route keeps its shape and the line stays structured JSON", () => {
    const out = sink();
    logFailures(createLogger("debug", [DISCORD_TOKEN, FAL_KEY], out.stream));
    const [unknownWebhook, badGateway, callback, rateLimited, nested, fal, fatal] = out.lines.map((line) => JSON.parse(line) as Record<string, any>);
    expect(unknownWebhook!.err.url).toBe(`${API}/webhooks/${APP_ID}/[redacted]/messages/@original`);
    expect(unknownWebhook!.err.code).toBe(10015);
    expect(unknownWebhook!.jobId).toBe("job-1");
    expect(badGateway!.err.url).toBe(`${API}/webhooks/${APP_ID}/[redacted]?wait=true`);
    expect(badGateway!.err.requestBody).toBeUndefined();
    expect(callback!.err.url).toBe(`${API}/interactions/${INTERACTION_ID}/[redacted]/callback`);
    expect(callback!.interactionId).toBe(INTERACTION_ID);
    expect(rateLimited!.err.majorParameter).toBe(`${APP_ID}/[redacted]`);
    expect(nested!.origin.webhook).toBe(`${API}/webhooks/${APP_ID}/[redacted]/messages/@original`);
    expect(nested!.deep.list[0]).toEqual({ url: `${API}/interactions/${INTERACTION_ID}/[redacted]/callback`, note: "token [redacted]" });
    expect(nested!.msg).toBe(`edit of ${API}/webhooks/${APP_ID}/[redacted]/messages/@original failed`);
    expect(fal!.err.message).toBe("upstream refused Authorization: [redacted]");
    expect(fal!.err.body.echoed.headers.Authorization).toBe("[redacted]");
    expect(fal!.requestId).toBe("5f0c2b1a-8d3e-4c6f-9a7b-2e1d0c9b8a7f");
    expect(fatal!.msg).toBe("could not log in with [redacted]");
  });
});

describe("createRedactor", () => {
  const redact = createRedactor([DISCORD_TOKEN, FAL_KEY]);

  it("when a text has no secret, then it comes out unchanged (ids, hashes, CDN and fal URLs stay readable)", () => {
    const ordinary = [
      "job 01HZX3K9Q2W8E5R7T6Y4U1I0OP delivered to channel 323456789012345678",
      "requestId 5f0c2b1a-8d3e-4c6f-9a7b-2e1d0c9b8a7f",
      "https://cdn.discordapp.com/attachments/323456789012345678/423456789012345678/storycast-01HZX3K9Q2W8E5R7T6Y4U1I0OP-1.png?ex=65f&is=65e&hm=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08&",
      "https://v3.fal.media/files/penguin/Xr4k2-aBcD_eFgH.png",
      "/webhooks/:id/:token/messages/@original",
      "The key point is the authorization step.",
    ];
    for (const text of ordinary) expect(redact(text)).toBe(text);
  });

  it("when an interaction token of any Discord-like shape sits in a webhook or callback URL, then it never survives", () => {
    const base64url = fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".split(""));
    fc.assert(
      fc.property(
        fc.array(base64url, { minLength: 20, maxLength: 260 }).map((chars) => chars.join("")),
        fc.bigInt({ min: 10n ** 16n, max: 10n ** 19n - 1n }),
        fc.constantFrom("/messages/@original", "/messages/1234567890123456789", "?wait=true", "/callback", ""),
        fc.constantFrom("webhooks", "interactions"),
        (token, id, tail, kind) => {
          const line = JSON.stringify({ err: { url: `${API}/${kind}/${id}/${token}${tail}`, stack: `Error: POST /${kind}/${id}/${token}${tail} failed\n    at request` } });
          const out = redact(line);
          expect(out).not.toContain(`/${token}`);
          expect(out).toContain(`/${kind}/${id}/[redacted]${tail}`);
        },
      ),
      { seed: 20261201, numRuns: 500 }, // fixed, so a failure in CI can be replayed
    );
  });

  it("when a long bare token is quoted without its route, then it is removed too", () => {
    const bare = "Zk9xR3pLb2dUcW1Hd0VwYlhWcW5hT0N5dFpKc0RmU2xyQ3dYb1l2cVd4R2FkZk9xR3pLb2dUcW1Hd0VwYlhW";
    expect(redact(`token=${TOKEN} next`)).toBe("token=[redacted] next");
    expect(redact(`bucket ${bare}.`)).toBe("bucket [redacted].");
  });

  it("when a fal key's secret half is quoted alone, then it is removed", () => {
    const [, secretHalf] = FAL_KEY.split(":");
    expect(redact(`key secret ${secretHalf!} leaked`)).toBe("key secret [redacted] leaked");
  });
});
