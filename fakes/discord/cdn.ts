/**
 * A small CDN for attachments (Discord docs "Image Formatting"/"Attachment Object" and the
 * 2024 "signed attachment CDN URLs" change): attachment URLs look like
 *   {base}/attachments/{channel_id}/{attachment_id}/{filename}?ex={hex expiry}&is={hex issued}&hm={signature}&
 * (slash-command attachment options live under /ephemeral-attachments/{application_id}/…)
 * and proxy_url is the same under {base}/media/…. URLs expire after 24 h (fake clock);
 * an expired, unsigned or tampered URL answers 404 "This content is no longer available."
 * The Content-Type served is derived from the filename extension; bytes are served as uploaded.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Clock } from "./state.js";

const MIME: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
  bmp: "image/bmp",
  svg: "image/svg+xml",
  mp4: "video/mp4",
  webm: "video/webm",
  mov: "video/quicktime",
  mp3: "audio/mpeg",
  ogg: "audio/ogg",
  wav: "audio/wav",
  txt: "text/plain; charset=utf-8",
  html: "text/html; charset=utf-8",
  htm: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  md: "text/markdown; charset=utf-8",
  json: "application/json; charset=utf-8",
  pdf: "application/pdf",
  zip: "application/zip",
};

export function mimeFromFilename(filename: string): string | undefined {
  const ext = /\.([A-Za-z0-9]+)$/.exec(filename)?.[1]?.toLowerCase();
  return ext ? MIME[ext] : undefined;
}

/** Width/height of PNG, GIF, JPEG and WebP images (Discord fills these for image attachments). */
export function imageSize(b: Buffer): { width: number; height: number } | undefined {
  try {
    if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47 && b.toString("latin1", 12, 16) === "IHDR") {
      return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
    }
    if (b.length >= 10 && (b.toString("latin1", 0, 6) === "GIF87a" || b.toString("latin1", 0, 6) === "GIF89a")) {
      return { width: b.readUInt16LE(6), height: b.readUInt16LE(8) };
    }
    if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) {
      let i = 2;
      while (i + 9 < b.length) {
        if (b[i] !== 0xff) {
          i++;
          continue;
        }
        const marker = b[i + 1]!;
        if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0xff) {
          i += marker === 0xff ? 1 : 2;
          continue;
        }
        const len = b.readUInt16BE(i + 2);
        const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
        if (isSof) return { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
        i += 2 + len;
      }
      return undefined;
    }
    if (b.length >= 30 && b.toString("latin1", 0, 4) === "RIFF" && b.toString("latin1", 8, 12) === "WEBP") {
      const chunk = b.toString("latin1", 12, 16);
      if (chunk === "VP8X") return { width: 1 + b.readUIntLE(24, 3), height: 1 + b.readUIntLE(27, 3) };
      if (chunk === "VP8 ") return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
      if (chunk === "VP8L") {
        const bits = b.readUInt32LE(21);
        return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}

interface Hosted {
  bytes: Buffer;
  contentType: string;
  expiresAt: number; // ms, fake clock
}

export const CDN_TTL_MS = 24 * 60 * 60 * 1000;

export class Cdn {
  private readonly secret = randomBytes(16);
  private readonly files = new Map<string, Hosted>();
  /** Count of CDN GETs per path (lets tests assert the bot downloaded an attachment). */
  readonly downloads = new Map<string, number>();

  constructor(
    private readonly baseUrl: () => string,
    private readonly clock: Clock,
  ) {}

  /** `dir` is `attachments/{channel_id}` (message uploads) or `ephemeral-attachments/{application_id}` (command options). */
  host(dir: string, attachmentId: string, filename: string, bytes: Buffer): { url: string; proxyUrl: string } {
    const p = `/${dir}/${attachmentId}/${encodeURIComponent(filename)}`;
    const issued = Math.floor(this.clock.now() / 1000);
    const expires = Math.floor((this.clock.now() + CDN_TTL_MS) / 1000);
    this.files.set(p, {
      bytes,
      contentType: mimeFromFilename(filename) ?? "application/octet-stream",
      expiresAt: expires * 1000,
    });
    const ex = expires.toString(16);
    const is = issued.toString(16);
    const q = `?ex=${ex}&is=${is}&hm=${this.sign(p, ex, is)}&`;
    return { url: `${this.baseUrl()}${p}${q}`, proxyUrl: `${this.baseUrl()}/media${p}${q}` };
  }

  private sign(p: string, ex: string, is: string): string {
    return createHmac("sha256", this.secret).update(`${p}\n${ex}\n${is}`).digest("hex");
  }

  /** Handles GET/HEAD for CDN paths; returns false if the path is not a CDN path. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    let p = url.pathname;
    if (p.startsWith("/media/attachments/") || p.startsWith("/media/ephemeral-attachments/")) p = p.slice("/media".length);
    if (!p.startsWith("/attachments/") && !p.startsWith("/ephemeral-attachments/")) return false;
    const gone = () => {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end("This content is no longer available.");
    };
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return true;
    }
    // Normalise the filename segment encoding so it matches how host() keyed it.
    const segs = p.split("/");
    const fname = segs.pop() ?? "";
    let decoded: string;
    try {
      decoded = decodeURIComponent(fname);
    } catch {
      gone();
      return true;
    }
    p = [...segs, encodeURIComponent(decoded)].join("/");
    const hosted = this.files.get(p);
    const ex = url.searchParams.get("ex") ?? "";
    const is = url.searchParams.get("is") ?? "";
    const hm = url.searchParams.get("hm") ?? "";
    const expected = Buffer.from(this.sign(p, ex, is), "hex");
    const given = Buffer.from(/^[0-9a-f]+$/i.test(hm) ? hm : "", "hex");
    if (!hosted || given.length !== expected.length || !timingSafeEqual(given, expected)) return gone(), true;
    if (this.clock.now() > parseInt(ex, 16) * 1000) return gone(), true;
    this.downloads.set(p, (this.downloads.get(p) ?? 0) + 1);
    res.writeHead(200, {
      "content-type": hosted.contentType,
      "content-length": String(hosted.bytes.length),
      "cache-control": "public, max-age=31536000",
      "accept-ranges": "none",
    });
    res.end(req.method === "HEAD" ? undefined : hosted.bytes);
    return true;
  }
}
