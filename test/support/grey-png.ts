import { inflateSync } from "node:zlib";
import { checkPng } from "../fakes/fal/png.js";

/**
 * Decodes an 8-bit greyscale PNG whose rows are unfiltered (what domain/region-mask.ts writes),
 * as a picture: one string per row, "#" for black (repaint), "." for white (keep), "?" for any
 * other grey. Throws for anything else, so a mask of another kind cannot pass by accident.
 */
export function maskPicture(png: Buffer): { width: number; height: number; rows: string[] } {
  const problems = checkPng(png);
  if (problems.length > 0) throw new Error(`not a valid PNG: ${problems.join(", ")}`);
  let offset = 8;
  let ihdr: Buffer | undefined;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString("latin1", offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === "IHDR") ihdr = data;
    if (type === "IDAT") idat.push(data);
    offset += 12 + length;
  }
  if (!ihdr) throw new Error("no IHDR");
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  if (ihdr[8] !== 8 || ihdr[9] !== 0 || ihdr[12] !== 0) throw new Error("not an 8-bit greyscale, non-interlaced PNG");
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width + 1;
  const rows: string[] = [];
  for (let y = 0; y < height; y++) {
    if (raw[y * stride] !== 0) throw new Error(`row ${y} is filtered`);
    let row = "";
    for (let x = 0; x < width; x++) {
      const value = raw[y * stride + 1 + x];
      row += value === 0 ? "#" : value === 255 ? "." : "?";
    }
    rows.push(row);
  }
  return { width, height, rows };
}

/** The picture a mask should have: "#" inside [x0, x1) × [y0, y1) and "." outside, or the reverse when `inverted`. */
export function expectedPicture(width: number, height: number, rect: { x0: number; x1: number; y0: number; y1: number }, inverted = false): string[] {
  const rows: string[] = [];
  for (let y = 0; y < height; y++) {
    let row = "";
    for (let x = 0; x < width; x++) {
      const inside = x >= rect.x0 && x < rect.x1 && y >= rect.y0 && y < rect.y1;
      row += inside !== inverted ? "#" : ".";
    }
    rows.push(row);
  }
  return rows;
}
