// Small HTTP helpers for the fake fal server.
import type { IncomingMessage, ServerResponse } from "node:http";

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

const lowerKeys = (headers: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(data.length),
    ...lowerKeys(headers),
  });
  res.end(data);
}

/** JSON for objects/arrays/numbers/null; a string body is sent as-is (text/plain unless headers say otherwise). */
export function sendAny(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (typeof body === "string") {
    const data = Buffer.from(body);
    res.writeHead(status, {
      "content-type": "text/plain; charset=utf-8",
      "content-length": String(data.length),
      ...lowerKeys(headers),
    });
    res.end(data);
    return;
  }
  sendJson(res, status, body, headers);
}

export function sendBytes(
  res: ServerResponse,
  status: number,
  bytes: Buffer,
  contentType: string,
  headOnly: boolean,
  headers: Record<string, string> = {},
  onSent?: (bytes: number) => void,
): void {
  res.writeHead(status, { "content-type": contentType, "content-length": String(bytes.length), ...headers });
  if (headOnly) {
    res.end();
    return;
  }
  // Written in chunks as the client takes them, as a CDN streams a file: a client that
  // stops reading (and closes) is sent no more, and `onSent` counts what it was sent.
  let offset = 0;
  const CHUNK = 64 * 1024;
  const next = () => {
    while (offset < bytes.length && !res.destroyed) {
      const chunk = bytes.subarray(offset, offset + CHUNK);
      offset += chunk.length;
      const length = chunk.length;
      const more = res.write(chunk, (error) => {
        if (!error) onSent?.(length);
      });
      if (!more) {
        res.once("drain", next);
        return;
      }
    }
    if (offset >= bytes.length) res.end();
  };
  next();
}
