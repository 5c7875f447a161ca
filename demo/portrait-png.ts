// The demo's character reference: a small picture someone would recognise as a character (a
// figure in a red coat against a dusk sky), drawn pixel by pixel as an RGB PNG so the demo needs
// no image files or libraries. PNG layout: W3C PNG spec (signature, IHDR, IDAT, IEND; chunk CRCs).
import { deflateSync } from "node:zlib";
import { crc32 } from "../fakes/fal/index.js";

type Rgb = readonly [number, number, number];

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const typeBytes = Buffer.from(type, "latin1");
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeBytes, data));
  return Buffer.concat([length, typeBytes, data, crc]);
}

/** The colour at (x, y) of a `size`×`size` portrait: sky, coat, head, hat. */
function pixel(x: number, y: number, size: number): Rgb {
  const u = x / size;
  const v = y / size;
  const inEllipse = (cx: number, cy: number, rx: number, ry: number) => ((u - cx) / rx) ** 2 + ((v - cy) / ry) ** 2 <= 1;
  if (v < 0.3 && v > 0.24 && Math.abs(u - 0.5) < 0.2) return [40, 30, 60]; // hat brim
  if (v <= 0.24 && v > 0.1 && Math.abs(u - 0.5) < 0.11) return [40, 30, 60]; // hat crown
  if (inEllipse(0.5, 0.38, 0.12, 0.14)) return [236, 196, 160]; // face
  if (v > 0.52 && Math.abs(u - 0.5) < 0.1 + (v - 0.52) * 0.6) return [190, 40, 50]; // red coat
  const t = v; // dusk: deep blue above, orange at the horizon
  return [Math.round(30 + 220 * t), Math.round(40 + 110 * t), Math.round(110 - 40 * t)];
}

/** A `size`×`size` truecolour PNG of the demo's character. */
export function portraitPng(size = 256): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: truecolour (RGB)
  const stride = 1 + size * 3;
  const raw = Buffer.alloc(stride * size); // filter byte 0 ("None") on every row
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) raw.set(pixel(x, y, size), y * stride + 1 + x * 3);
  }
  return Buffer.concat([SIGNATURE, chunk("IHDR", header), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}
