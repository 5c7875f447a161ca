// Width and height read straight from an image's header bytes, so a mask can be drawn at the
// image's exact size and checked against it before anything is paid (fal's character edit
// refuses a mask whose size differs from the image's). Only the formats fal accepts:
// PNG, JPEG and WebP, told apart by sniffImageType, never by a file name.
import { sniffImageType, type ImageMime } from "./image-type.js";

export interface ImageDimensions {
  readonly type: ImageMime;
  readonly width: number;
  readonly height: number;
}

/** Why the size could not be read: not one of the three formats, cut short, or a header that makes no sense. */
export type ImageDimensionsProblem = "not-an-image" | "truncated" | "malformed";

export class ImageDimensionsError extends Error {
  override readonly name = "ImageDimensionsError";
  constructor(
    readonly problem: ImageDimensionsProblem,
    message: string,
  ) {
    super(message);
  }
}

/** Reads width and height from PNG, JPEG or WebP bytes; throws ImageDimensionsError otherwise. */
export function readImageDimensions(bytes: Uint8Array): ImageDimensions {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = sniffImageType(b);
  if (type === undefined) {
    throw new ImageDimensionsError("not-an-image", "These bytes are not a PNG, JPEG or WebP image.");
  }
  const size = type === "image/png" ? pngSize(b) : type === "image/jpeg" ? jpegSize(b) : webpSize(b);
  if (size.width < 1 || size.height < 1) {
    throw new ImageDimensionsError("malformed", `The ${formatName(type)} header gives a size of ${size.width}×${size.height}.`);
  }
  return { type, ...size };
}

function formatName(type: ImageMime): string {
  return type === "image/png" ? "PNG" : type === "image/jpeg" ? "JPEG" : "WebP";
}

function truncated(format: string): ImageDimensionsError {
  return new ImageDimensionsError("truncated", `The ${format} ends before its size is given (the file is cut short).`);
}

/** PNG: the first chunk must be IHDR (spec §11.2.2): width and height are its first two 32-bit big-endian fields. */
function pngSize(b: Buffer): { width: number; height: number } {
  if (b.length < 24) throw truncated("PNG");
  if (b.toString("latin1", 12, 16) !== "IHDR") {
    throw new ImageDimensionsError("malformed", "The PNG does not start with its IHDR header chunk.");
  }
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

/**
 * JPEG: walk the marker segments after SOI until a start-of-frame (SOFn) marker, whose body is
 * precision(1) height(2) width(2). Anything before it — APPn (JFIF, EXIF with its embedded
 * thumbnail, ICC profiles), DQT, DHT, COM… — is skipped by its length field, so an EXIF
 * thumbnail's own SOF (inside APP1) is never mistaken for the image's.
 */
function jpegSize(b: Buffer): { width: number; height: number } {
  let off = 2; // past SOI (FF D8)
  for (;;) {
    if (off + 2 > b.length) throw truncated("JPEG");
    if (b[off] !== 0xff) {
      throw new ImageDimensionsError("malformed", "The JPEG has bytes between its segments where a marker should be.");
    }
    const marker = b[off + 1]!;
    if (marker === 0xff) {
      off += 1; // fill byte: markers may be preceded by any number of 0xFF
      continue;
    }
    off += 2;
    // Markers without a length field: TEM and RSTn (a stray SOI is treated the same way).
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) continue;
    if (marker === 0xd9 || marker === 0xda) {
      // EOI or start of scan before any frame header: there is no size to read.
      throw new ImageDimensionsError("malformed", "The JPEG has no frame header (SOF) before its image data.");
    }
    if (off + 2 > b.length) throw truncated("JPEG");
    const length = b.readUInt16BE(off); // counts itself, not the marker
    if (length < 2) throw new ImageDimensionsError("malformed", "The JPEG has a segment with an impossible length.");
    if (isStartOfFrame(marker)) {
      if (off + 7 > b.length) throw truncated("JPEG");
      const height = b.readUInt16BE(off + 3);
      const width = b.readUInt16BE(off + 5);
      if (height === 0) {
        // Height 0 means "given later in a DNL segment" (ITU T.81 B.2.5); browsers and fal's
        // decoders do not support it, so neither do we.
        throw new ImageDimensionsError("malformed", "The JPEG defers its height to a DNL segment, which is not supported.");
      }
      return { width, height };
    }
    off += length;
  }
}

/** SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range (ITU T.81 Table B.1). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/**
 * WebP (RIFF container): the first chunk after "WEBP" is one of
 * - "VP8 " (lossy): a 3-byte frame tag, the start code 9D 01 2A, then 14-bit width and height (LE; top 2 bits are scaling);
 * - "VP8L" (lossless): signature byte 0x2F, then 14 bits width−1 and 14 bits height−1, packed little-endian;
 * - "VP8X" (extended): flags(1), reserved(3), then 24-bit canvas width−1 and height−1 (LE).
 * (Google's "WebP Container Specification" and "WebP Lossless Bitstream Specification".)
 */
function webpSize(b: Buffer): { width: number; height: number } {
  if (b.length < 20) throw truncated("WebP");
  const fourcc = b.toString("latin1", 12, 16);
  const data = 20;
  if (fourcc === "VP8 ") {
    if (b.length < data + 10) throw truncated("WebP");
    if (b[data + 3] !== 0x9d || b[data + 4] !== 0x01 || b[data + 5] !== 0x2a) {
      throw new ImageDimensionsError("malformed", "The WebP's lossy frame lacks its start code.");
    }
    return { width: b.readUInt16LE(data + 6) & 0x3fff, height: b.readUInt16LE(data + 8) & 0x3fff };
  }
  if (fourcc === "VP8L") {
    if (b.length < data + 5) throw truncated("WebP");
    if (b[data] !== 0x2f) throw new ImageDimensionsError("malformed", "The WebP's lossless stream lacks its signature.");
    const bits = b.readUInt32LE(data + 1);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (fourcc === "VP8X") {
    if (b.length < data + 10) throw truncated("WebP");
    return { width: b.readUIntLE(data + 4, 3) + 1, height: b.readUIntLE(data + 7, 3) + 1 };
  }
  throw new ImageDimensionsError("malformed", `The WebP starts with an unknown chunk (${JSON.stringify(fourcc)}).`);
}
