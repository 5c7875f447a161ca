// Pixel dimensions read from an image's header, as fal's runner learns them when it opens an
// input: the edit endpoint needs them to compare the mask with the image, and edit/remix/upscale
// size their outputs from the input image.
//   PNG  — IHDR (png.ts pngSize).
//   JPEG — the first SOFn segment (ITU T.81 B.2.2): precision(1) height(2) width(2).
//   WebP — RIFF container (Google's WebP container spec): "VP8 " (lossy key frame, 14-bit sizes
//          at byte 26), "VP8L" (lossless, 14-bit width-1/height-1 after the 0x2f signature),
//          "VP8X" (extended, 24-bit canvas width-1/height-1 at byte 24).
import { pngSize, sniffImage } from "./png.js";

export interface Size {
  width: number;
  height: number;
}

/** The image's width and height, or undefined if the header cannot be read. */
export function imageSize(buf: Buffer): Size | undefined {
  switch (sniffImage(buf)) {
    case "png":
      return pngSize(buf);
    case "jpeg":
      return jpegSize(buf);
    case "webp":
      return webpSize(buf);
    default:
      return undefined;
  }
}

// SOF markers carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

function jpegSize(b: Buffer): Size | undefined {
  let off = 2; // after SOI
  while (off + 4 <= b.length) {
    if (b[off] !== 0xff) return undefined;
    const marker = b[off + 1]!;
    if (marker === 0xff) {
      off += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      off += 2; // markers without a length
      continue;
    }
    const len = b.readUInt16BE(off + 2);
    if (SOF.has(marker)) {
      if (off + 9 > b.length) return undefined;
      return { height: b.readUInt16BE(off + 5), width: b.readUInt16BE(off + 7) };
    }
    if (marker === 0xda || marker === 0xd9) return undefined; // scan data or end before any frame header
    off += 2 + len;
  }
  return undefined;
}

function webpSize(b: Buffer): Size | undefined {
  if (b.length < 30) return undefined;
  const fourcc = b.toString("latin1", 12, 16);
  if (fourcc === "VP8 ") {
    return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
  }
  if (fourcc === "VP8L") {
    if (b[20] !== 0x2f) return undefined;
    const bits = b.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (fourcc === "VP8X") {
    return { width: b.readUIntLE(24, 3) + 1, height: b.readUIntLE(27, 3) + 1 };
  }
  return undefined;
}
