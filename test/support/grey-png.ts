import { inflateSync } from "node:zlib";
import { checkPng } from "../../fakes/fal/png.js";

/**
 * A decoded 8-bit greyscale mask as a picture: one string per row, "#" for black (repaint), "."
 * for white (keep), "?" for any other grey. Throws for an invalid PNG or any other kind of PNG,
 * so a mask of another kind cannot pass by accident.
 */
export function maskPicture(png: Buffer): { width: number; height: number; rows: string[] } {
  const problems = checkPng(png);
  if (problems.length > 0) throw new Error(`not a valid PNG: ${problems.join(", ")}`);
  const mask = decodeGreyPng(png);
  const rows: string[] = [];
  for (let y = 0; y < mask.height; y++) {
    let row = "";
    for (let x = 0; x < mask.width; x++) {
      const value = mask.at(x, y);
      row += value === 0 ? "#" : value === 255 ? "." : "?";
    }
    rows.push(row);
  }
  return { width: mask.width, height: mask.height, rows };
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

/**
 * Decodes an 8-bit greyscale, non-interlaced PNG (what StoryCast draws its edit masks as), any
 * scanline filter, so tests can check a mask pixel by pixel. Throws on any other kind of PNG:
 * a mask that is not plain greyscale is already a failure.
 */
export function decodeGreyPng(png: Buffer): { width: number; height: number; at(x: number, y: number): number } {
  if (!png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) throw new Error("not a PNG");
  let offset = 8;
  let header: Buffer | undefined;
  const data: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString("latin1", offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    if (type === "IHDR") header = body;
    if (type === "IDAT") data.push(body);
    offset += 12 + length;
  }
  if (!header) throw new Error("no IHDR");
  const width = header.readUInt32BE(0);
  const height = header.readUInt32BE(4);
  if (header[8] !== 8 || header[9] !== 0 || header[12] !== 0) throw new Error(`not 8-bit greyscale non-interlaced (depth ${header[8]}, colour type ${header[9]}, interlace ${header[12]})`);
  const raw = inflateSync(Buffer.concat(data));
  const stride = width + 1;
  if (raw.length !== stride * height) throw new Error(`image data is ${raw.length} bytes, expected ${stride * height}`);
  const pixels = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * stride]!;
    for (let x = 0; x < width; x++) {
      const byte = raw[y * stride + 1 + x]!;
      const left = x > 0 ? pixels[y * width + x - 1]! : 0;
      const up = y > 0 ? pixels[(y - 1) * width + x]! : 0;
      const upLeft = x > 0 && y > 0 ? pixels[(y - 1) * width + x - 1]! : 0;
      pixels[y * width + x] = (byte + predict(filter, left, up, upLeft)) & 0xff;
    }
  }
  return {
    width,
    height,
    at(x, y) {
      if (x < 0 || y < 0 || x >= width || y >= height) throw new Error(`(${x}, ${y}) is outside ${width}×${height}`);
      return pixels[y * width + x]!;
    },
  };
}

/** PNG's scanline filters (W3C PNG spec, "Filter types"). */
function predict(filter: number, left: number, up: number, upLeft: number): number {
  switch (filter) {
    case 0:
      return 0;
    case 1:
      return left;
    case 2:
      return up;
    case 3:
      return Math.floor((left + up) / 2);
    case 4: {
      const p = left + up - upLeft;
      const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
      return pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
    }
    default:
      throw new Error(`unknown PNG filter ${filter}`);
  }
}

/**
 * The columns where a mask is black (repaint), as the first, the last and how many (a solid band
 * has count = last - first + 1); undefined if none. Fails unless every column is all black or all white.
 */
export function blackColumns(mask: ReturnType<typeof decodeGreyPng>): { first: number; last: number; count: number } | undefined {
  let first: number | undefined;
  let last: number | undefined;
  let count = 0;
  for (let x = 0; x < mask.width; x++) {
    const column = new Set<number>();
    for (let y = 0; y < mask.height; y++) column.add(mask.at(x, y));
    if (column.size !== 1 || ![0, 255].includes([...column][0]!)) throw new Error(`column ${x} is not all black or all white: ${[...column].join(", ")}`);
    if (column.has(0)) {
      first ??= x;
      last = x;
      count += 1;
    }
  }
  return first === undefined || last === undefined ? undefined : { first, last, count };
}
