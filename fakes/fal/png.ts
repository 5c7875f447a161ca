// Real, decodable image bytes for the fake fal: generated PNGs (the "model output")
// and tiny JPEG / WebP samples (reference images for bot tests).
//
// PNG layout (ISO/IEC 15948 / W3C PNG spec): 8-byte signature, IHDR, PLTE, IDAT (zlib
// stream of filtered scanlines), optional tEXt, IEND; every chunk is
// length(4, BE) + type(4) + data + CRC-32(type + data).
import { deflateSync, inflateSync } from "node:zlib";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

// ---------------------------------------------------------------------------
// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) as used by PNG chunks.
const CRC_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(...parts: Uint8Array[]): number {
  let c = 0xffffffff;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      c = (CRC_TABLE[(c ^ part[i]!) & 0xff]! ^ (c >>> 8)) >>> 0;
    }
  }
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const typeBytes = Buffer.from(type, "latin1");
  const head = Buffer.alloc(4);
  head.writeUInt32BE(data.length, 0);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeBytes, data), 0);
  return Buffer.concat([head, typeBytes, data, crc]);
}

// ---------------------------------------------------------------------------
// Deterministic PRNG (mulberry32) so the same seed always gives the same bytes.
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function fillRandom(buf: Buffer, start: number, end: number, next: () => number): void {
  let i = start;
  while (i < end) {
    let v = next();
    for (let k = 0; k < 4 && i < end; k++, i++) {
      buf[i] = v & 0xff;
      v >>>= 8;
    }
  }
}

/** A saturated colour for image `index` (golden-angle hue steps, so neighbours differ clearly). */
export function colorForIndex(index: number): [number, number, number] {
  const hue = (index * 137.508) % 360;
  const c = 200;
  const x = c * (1 - Math.abs(((hue / 60) % 2) - 1));
  const [r, g, b] =
    hue < 60 ? [c, x, 0] : hue < 120 ? [x, c, 0] : hue < 180 ? [0, c, x] : hue < 240 ? [0, x, c] : hue < 300 ? [x, 0, c] : [c, 0, x];
  return [Math.round(r) + 40, Math.round(g) + 40, Math.round(b) + 40];
}

export interface MakePngOptions {
  width: number;
  height: number;
  /** Drives the palette and the noise; same seed + options → identical bytes. Default 1. */
  seed?: number;
  /** Approximate total file size. The PNG is never smaller than what the dimensions need
   *  (≈ width*height/1000 + 1 KB); above what noise pixels can provide it is padded with a
   *  tEXt "Comment" chunk. Default 2048. */
  targetBytes?: number;
  /** Base colour of the non-noise area (default derived from the seed). */
  color?: [number, number, number];
}

/**
 * A valid 8-bit palette PNG (colour type 3) of exactly width×height pixels:
 * a solid base colour plus a band of pseudo-random palette indices (incompressible,
 * which is how the size is steered towards `targetBytes`).
 */
export function makePng(opts: MakePngOptions): Buffer {
  const { width, height } = opts;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`makePng: width/height must be positive integers, got ${width}x${height}`);
  }
  const seed = opts.seed ?? 1;
  const targetBytes = opts.targetBytes ?? 2048;
  const next = mulberry32(seed);

  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 3; // colour type: indexed
  ihdr[10] = 0; // compression: deflate
  ihdr[11] = 0; // filter method 0
  ihdr[12] = 0; // no interlace

  const plte = Buffer.alloc(256 * 3);
  fillRandom(plte, 0, plte.length, next);
  const base = opts.color ?? [next() & 0xff, next() & 0xff, next() & 0xff];
  plte[0] = base[0] & 0xff;
  plte[1] = base[1] & 0xff;
  plte[2] = base[2] & 0xff;

  const head = Buffer.concat([PNG_SIGNATURE, chunk("IHDR", ihdr), chunk("PLTE", plte)]);
  const iend = chunk("IEND", Buffer.alloc(0));
  const stride = width + 1; // filter byte + one index per pixel
  const pixels = width * height;
  const noiseSeed = next();

  const build = (noisePixels: number): Buffer => {
    const raw = Buffer.alloc(stride * height); // zero = filter "None" + palette index 0 (base colour)
    const rnd = mulberry32(noiseSeed);
    let left = noisePixels;
    for (let y = 0; y < height && left > 0; y++) {
      const n = Math.min(width, left);
      fillRandom(raw, y * stride + 1, y * stride + 1 + n, rnd);
      left -= n;
    }
    return deflateSync(raw, { level: 6 });
  };

  const fixed = head.length + iend.length + 12; // + IDAT chunk framing
  let noise = Math.min(pixels, Math.max(0, targetBytes - fixed - Math.ceil((stride * height) / 1000)));
  let idat = build(noise);
  const diff = targetBytes - (fixed + idat.length);
  if (Math.abs(diff) > Math.max(64, targetBytes * 0.02)) {
    const corrected = Math.min(pixels, Math.max(0, noise + diff));
    if (corrected !== noise) {
      noise = corrected;
      idat = build(noise);
    }
  }
  const parts = [head, chunk("IDAT", idat)];
  const shortBy = targetBytes - (fixed + idat.length);
  if (shortBy > 64 && noise === pixels) {
    // Pad with a standard text chunk (keyword "Comment", Latin-1 text); decoders ignore it.
    const text = Buffer.alloc(Math.max(1, shortBy - 12 - 8));
    for (let i = 0; i < text.length; i++) text[i] = 0x41 + (next() % 26);
    parts.push(chunk("tEXt", Buffer.concat([Buffer.from("Comment\0", "latin1"), text])));
  }
  parts.push(iend);
  return Buffer.concat(parts);
}

/** Width/height from a PNG's IHDR, or undefined if `buf` does not start like a PNG. */
export function pngSize(buf: Uint8Array): { width: number; height: number } | undefined {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 24 || !b.subarray(0, 8).equals(PNG_SIGNATURE) || b.toString("latin1", 12, 16) !== "IHDR") {
    return undefined;
  }
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

/**
 * Walks every chunk and checks lengths, CRCs, chunk order (IHDR first, IEND last) and
 * that the concatenated IDAT data inflates to exactly height × (1 + rowBytes) bytes.
 * Returns a list of problems (empty = valid). Used by the fake's own tests.
 */
export function checkPng(buf: Buffer): string[] {
  const problems: string[] = [];
  if (!buf.subarray(0, 8).equals(PNG_SIGNATURE)) return ["bad signature"];
  let off = 8;
  const types: string[] = [];
  const idats: Buffer[] = [];
  let ihdr: Buffer | undefined;
  while (off < buf.length) {
    if (off + 12 > buf.length) {
      problems.push(`truncated chunk at ${off}`);
      break;
    }
    const len = buf.readUInt32BE(off);
    const type = buf.toString("latin1", off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    const crc = buf.readUInt32BE(off + 8 + len);
    if (crc !== crc32(buf.subarray(off + 4, off + 8), data)) problems.push(`bad CRC in ${type}`);
    types.push(type);
    if (type === "IHDR") ihdr = data;
    if (type === "IDAT") idats.push(data);
    off += 12 + len;
  }
  if (types[0] !== "IHDR") problems.push("IHDR is not first");
  if (types[types.length - 1] !== "IEND") problems.push("IEND is not last");
  if (ihdr && idats.length > 0) {
    const width = ihdr.readUInt32BE(0);
    const height = ihdr.readUInt32BE(4);
    const bitDepth = ihdr[8]!;
    const colorType = ihdr[9]!;
    const channels = colorType === 2 ? 3 : colorType === 6 ? 4 : colorType === 4 ? 2 : 1;
    const rowBytes = Math.ceil((width * channels * bitDepth) / 8);
    try {
      const raw = inflateSync(Buffer.concat(idats));
      if (raw.length !== height * (rowBytes + 1)) {
        problems.push(`IDAT inflates to ${raw.length} bytes, expected ${height * (rowBytes + 1)}`);
      }
    } catch (e) {
      problems.push(`IDAT does not inflate: ${String(e)}`);
    }
  } else {
    problems.push("missing IHDR or IDAT");
  }
  return problems;
}

// ---------------------------------------------------------------------------
/**
 * A complete baseline JPEG (JFIF, 8×8, one grey component): SOI, APP0, DQT, SOF0,
 * two one-symbol Huffman tables, SOS and a 1-byte scan (DC diff 0, then EOB), EOI.
 * Decodes to a flat mid-grey 8×8 image.
 */
export function sampleJpeg(): Buffer {
  const seg = (marker: number, body: number[]): number[] => {
    const len = body.length + 2;
    return [0xff, marker, len >> 8, len & 0xff, ...body];
  };
  const oneCodeTable = (tc: number): number[] => [tc, 1, ...new Array<number>(15).fill(0), 0x00];
  const bytes = [
    0xff, 0xd8, // SOI
    ...seg(0xe0, [0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0]), // APP0 "JFIF\0" v1.1, no units, 1:1, no thumbnail
    ...seg(0xdb, [0x00, ...new Array<number>(64).fill(1)]), // DQT: table 0, 8-bit, all ones
    ...seg(0xc0, [8, 0, 8, 0, 8, 1, 1, 0x11, 0]), // SOF0: 8-bit, 8×8, 1 component (id 1, 1×1 sampling, table 0)
    ...seg(0xc4, oneCodeTable(0x00)), // DHT DC0: one 1-bit code → category 0
    ...seg(0xc4, oneCodeTable(0x10)), // DHT AC0: one 1-bit code → 0x00 (EOB)
    ...seg(0xda, [1, 1, 0x00, 0, 63, 0]), // SOS: 1 component, tables 0/0, Ss=0 Se=63 Ah/Al=0
    0x3f, // scan data: "0" (DC cat 0) "0" (EOB), padded with 1-bits
    0xff, 0xd9, // EOI
  ];
  return Buffer.from(bytes);
}

/** A 1×1 lossless WebP (RIFF "WEBP" + VP8L chunk) — the classic feature-detection sample. */
export function sampleWebp(): Buffer {
  return Buffer.from("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==", "base64");
}

export type ImageKind = "png" | "jpeg" | "webp";

/** Magic-byte sniffing, the same check fal's image inputs imply (JPEG, PNG or WebP). */
export function sniffImage(buf: Uint8Array): ImageKind | undefined {
  if (buf.length >= 8 && PNG_SIGNATURE.equals(Buffer.from(buf.subarray(0, 8)))) return "png";
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return "jpeg";
  if (
    buf.length >= 12 &&
    Buffer.from(buf.subarray(0, 4)).toString("latin1") === "RIFF" &&
    Buffer.from(buf.subarray(8, 12)).toString("latin1") === "WEBP"
  ) {
    return "webp";
  }
  return undefined;
}
