// Masks for fal's `fal-ai/ideogram/character/edit`, drawn from a named region instead of a
// file the member has to paint, at exactly the image's width and height (the endpoint's
// `mask_url` "MUST have the exact same dimensions (width and height) as the input image").
//
// COLOUR CONVENTION — BLACK (0) marks the area to REPAINT, WHITE (255) the area to KEEP.
// Source: Ideogram's API docs, "masked edits" (developer.ideogram.ai/ideogram-api/masked-edits):
// its table gives "Inpaint with Ideogram 3.0, and its character and custom model versions" as
// black = change, white = keep, and says mask colours DIFFER between endpoints (Remove Objects is
// the reverse) — so do not reuse these masks elsewhere without checking. Ideogram's Inpaint v3
// reference agrees ("Black regions in the mask should match up with the regions of the image that
// you would like to edit"); /work/shared/reference/fal-notes.md ("Mask colours") records the same.
// fal says nothing about colours: the @fal-ai/client typings only say of
// IdeogramCharacterEditInput.mask_url "The mask URL to inpaint the image. MUST have the exact same
// dimensions (width and height) as the input image.", and the fal page we hold
// (/work/shared/reference/fal-ideogram-character.txt, the `character` endpoint) only mentions
// masks for the character reference (`reference_mask_urls`).
import { deflateSync, crc32 } from "node:zlib";
import { UserFacingError } from "./errors.js";

export const REPAINT = 0;
export const KEEP = 255;

export type MaskRegion = "left_half" | "right_half" | "centre" | "top" | "bottom" | "background";
export const MASK_REGIONS: readonly MaskRegion[] = ["left_half", "right_half", "centre", "top", "bottom", "background"];

/**
 * Largest mask drawn, in pixels: the unfiltered rows are held once in memory (1 byte a pixel),
 * so this bounds that buffer to 64 MB. Ideogram's images are far smaller (≈1–2 megapixels).
 */
export const MAX_MASK_PIXELS = 8192 * 8192;

/**
 * An 8-bit greyscale PNG of exactly width×height, black where `region` is to be repainted.
 *
 * Odd sizes: a half takes the middle column (or row) too, so a half is never empty and the two
 * halves together cover the whole image (they overlap by that one line, a harmless seam).
 * `centre` is the middle ceil(w/2)×ceil(h/2) rectangle; `background` is exactly its complement.
 */
export function drawRegionMask(region: MaskRegion, width: number, height: number): Buffer {
  checkSize(width, height);
  const area = repaintArea(region, width, height);
  if (isEmpty(area, width, height)) {
    throw new UserFacingError(`At ${width}×${height} pixels the ${regionLabel(region)} is empty: there is nothing to repaint.`);
  }
  return encodeGreyPng(width, height, area);
}

/**
 * The mask for placing a second character into a scene: the chosen side is repainted (the new
 * character goes there), the other side — with the first character — is kept.
 */
export function placementMask(side: "left" | "right", width: number, height: number): Buffer {
  return drawRegionMask(side === "left" ? "left_half" : "right_half", width, height);
}

/** A rectangle [x0, x1) × [y0, y1); `inverted` means "everything but the rectangle". */
interface RepaintArea {
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
  readonly inverted: boolean;
}

function repaintArea(region: MaskRegion, w: number, h: number): RepaintArea {
  const all = { x0: 0, x1: w, y0: 0, y1: h, inverted: false };
  switch (region) {
    case "left_half":
      return { ...all, x1: Math.ceil(w / 2) };
    case "right_half":
      return { ...all, x0: Math.floor(w / 2) };
    case "top":
      return { ...all, y1: Math.ceil(h / 2) };
    case "bottom":
      return { ...all, y0: Math.floor(h / 2) };
    case "centre":
      return centre(w, h, false);
    case "background":
      return centre(w, h, true);
  }
}

/** The middle half by width and by height, centred (an odd leftover pixel goes after it). */
function centre(w: number, h: number, inverted: boolean): RepaintArea {
  const cw = Math.ceil(w / 2);
  const ch = Math.ceil(h / 2);
  const x0 = Math.floor((w - cw) / 2);
  const y0 = Math.floor((h - ch) / 2);
  return { x0, x1: x0 + cw, y0, y1: y0 + ch, inverted };
}

function isEmpty(a: RepaintArea, w: number, h: number): boolean {
  const rectEmpty = a.x1 <= a.x0 || a.y1 <= a.y0;
  const rectIsAll = a.x0 === 0 && a.y0 === 0 && a.x1 === w && a.y1 === h;
  return a.inverted ? rectIsAll : rectEmpty;
}

function regionLabel(region: MaskRegion): string {
  return region.replace("_", " ");
}

function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    // Sizes come from readImageDimensions, which never returns these: a caller's bug.
    throw new RangeError(`A mask needs a positive whole width and height, got ${width}×${height}.`);
  }
  if (width * height > MAX_MASK_PIXELS) {
    throw new UserFacingError(`The image is ${width}×${height}: too large to draw a mask for.`);
  }
}

// ---------------------------------------------------------------------------------------------
// PNG encoding (W3C PNG spec): signature, IHDR, one IDAT (zlib stream of scanlines, each a
// filter-type byte then the pixels), IEND; each chunk is length + type + data + CRC-32(type+data).

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Every row of a region mask is one of two patterns (inside the rectangle's rows or outside), so
 * both are built once and copied: no per-pixel work in JavaScript, and memory is the raw scanline
 * buffer (height × (1 + width) bytes) plus its compressed form.
 */
function encodeGreyPng(width: number, height: number, area: RepaintArea): Buffer {
  const inside = area.inverted ? KEEP : REPAINT;
  const outside = area.inverted ? REPAINT : KEEP;
  const stride = 1 + width; // filter byte 0 ("None") + one grey byte per pixel
  const rowCrossingRect = Buffer.alloc(stride, outside);
  rowCrossingRect[0] = 0;
  rowCrossingRect.fill(inside, 1 + area.x0, 1 + area.x1);
  const rowMissingRect = Buffer.alloc(stride, outside);
  rowMissingRect[0] = 0;

  const raw = Buffer.allocUnsafe(stride * height);
  for (let y = 0; y < height; y++) {
    const row = y >= area.y0 && y < area.y1 ? rowCrossingRect : rowMissingRect;
    row.copy(raw, y * stride);
  }

  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // colour type 0: greyscale
  ihdr[10] = 0; // compression: deflate
  ihdr[11] = 0; // filter method 0
  ihdr[12] = 0; // no interlace
  return Buffer.concat([PNG_SIGNATURE, pngChunk("IHDR", ihdr), pngChunk("IDAT", deflateSync(raw)), pngChunk("IEND", Buffer.alloc(0))]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  // zlib.crc32 (Node ≥ 20.15; package.json requires ≥ 20.19) is the same IEEE CRC-32 PNG uses.
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4, 8))), 0);
  return Buffer.concat([head, data, crc]);
}
