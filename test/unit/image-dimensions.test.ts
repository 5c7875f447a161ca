import { describe, expect, it } from "vitest";
import { ImageDimensionsError, readImageDimensions } from "../../src/domain/image-dimensions.js";
import { makePng, sampleJpeg, sampleWebp } from "../../fakes/fal/png.js";

// ---- hand-assembled headers ---------------------------------------------------------------

/** A JPEG segment: FF marker, 16-bit length (counting itself), body. */
function segment(marker: number, body: number[]): number[] {
  const len = body.length + 2;
  return [0xff, marker, len >> 8, len & 0xff, ...body];
}

function sof(marker: number, width: number, height: number): number[] {
  return segment(marker, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
}

/** An APP1 "Exif" segment whose payload carries a thumbnail JPEG with its own (different) SOF0. */
function exifWithThumbnail(): number[] {
  const thumbnail = [0xff, 0xd8, ...sof(0xc0, 160, 120), 0xff, 0xd9];
  const tiffHeader = [0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8];
  return segment(0xe1, [...Buffer.from("Exif\0\0", "latin1"), ...tiffHeader, ...thumbnail]);
}

function riff(chunkType: string, chunkData: number[]): Buffer {
  const chunk = Buffer.concat([Buffer.from(chunkType, "latin1"), le32(chunkData.length), Buffer.from(chunkData)]);
  return Buffer.concat([Buffer.from("RIFF", "latin1"), le32(4 + chunk.length), Buffer.from("WEBP", "latin1"), chunk]);
}

function le32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

/** "VP8 " key frame header: 3-byte frame tag, start code, 14-bit sizes with 2-bit scale on top. */
function vp8(width: number, height: number, scaleBits = 0): Buffer {
  const w = width | (scaleBits << 14);
  const h = height | (scaleBits << 14);
  return riff("VP8 ", [0x50, 0x02, 0x00, 0x9d, 0x01, 0x2a, w & 0xff, w >> 8, h & 0xff, h >> 8, 0, 0]);
}

/** "VP8L": 0x2F then width−1 (14 bits), height−1 (14 bits), alpha (1), version (3), little-endian. */
function vp8l(width: number, height: number): Buffer {
  const bits = ((width - 1) | ((height - 1) << 14) | (1 << 28)) >>> 0;
  return riff("VP8L", [0x2f, bits & 0xff, (bits >>> 8) & 0xff, (bits >>> 16) & 0xff, bits >>> 24, 0, 0]);
}

/** "VP8X": flags, 3 reserved, 24-bit canvas width−1 and height−1. */
function vp8x(width: number, height: number): Buffer {
  const w = width - 1;
  const h = height - 1;
  return riff("VP8X", [0x10, 0, 0, 0, w & 0xff, (w >> 8) & 0xff, w >> 16, h & 0xff, (h >> 8) & 0xff, h >> 16]);
}

function problemOf(bytes: Uint8Array): string {
  try {
    readImageDimensions(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(ImageDimensionsError);
    return (e as ImageDimensionsError).problem;
  }
  throw new Error("expected readImageDimensions to throw");
}

describe("readImageDimensions", () => {
  it.each([
    [1, 1],
    [1024, 768],
    [7, 4096],
  ])("when a generated PNG is %i×%i, then its IHDR gives that size", (width, height) => {
    expect(readImageDimensions(makePng({ width, height, targetBytes: 0 }))).toEqual({ type: "image/png", width, height });
  });

  it("when the JPEG is the fake's complete baseline sample, then it is 8×8", () => {
    expect(readImageDimensions(sampleJpeg())).toEqual({ type: "image/jpeg", width: 8, height: 8 });
  });

  it.each([
    ["SOF0 (baseline)", 0xc0],
    ["SOF1 (extended)", 0xc1],
    ["SOF2 (progressive)", 0xc2],
    ["SOF3 (lossless)", 0xc3],
  ])("when a JPEG's frame header is %s, then its width and height are read", (_name, marker) => {
    const jpeg = Buffer.from([0xff, 0xd8, ...sof(marker, 1920, 1080), 0xff, 0xd9]);
    expect(readImageDimensions(jpeg)).toEqual({ type: "image/jpeg", width: 1920, height: 1080 });
  });

  it("when a JPEG has EXIF (with a thumbnail's own SOF), JFIF, ICC, DQT and DHT before its frame, then those are skipped and the image's size is read", () => {
    const jpeg = Buffer.from([
      0xff, 0xd8,
      ...segment(0xe0, [...Buffer.from("JFIF\0", "latin1"), 1, 1, 0, 0, 1, 0, 1, 0, 0]),
      ...exifWithThumbnail(),
      ...segment(0xe2, [...Buffer.from("ICC_PROFILE\0", "latin1"), 1, 1, ...new Array<number>(300).fill(0xc0)]),
      ...segment(0xdb, [0, ...new Array<number>(64).fill(1)]),
      ...segment(0xc4, [0x00, 1, ...new Array<number>(15).fill(0), 0]), // DHT shares the C0–CF range but is no frame
      0xff, 0xff, // fill bytes before a marker are allowed
      ...sof(0xc2, 3000, 2000),
      0xff, 0xd9,
    ]);
    expect(readImageDimensions(jpeg)).toEqual({ type: "image/jpeg", width: 3000, height: 2000 });
  });

  it("when the WebP is the fake's 1×1 lossless sample, then it is 1×1", () => {
    expect(readImageDimensions(sampleWebp())).toEqual({ type: "image/webp", width: 1, height: 1 });
  });

  it.each([
    ["VP8 (lossy)", vp8(1536, 640)],
    ["VP8 (lossy) with scaling bits set", vp8(1536, 640, 2)],
    ["VP8L (lossless)", vp8l(1536, 640)],
    ["VP8X (extended)", vp8x(1536, 640)],
  ])("when a WebP starts with %s, then its size is read", (_name, webp) => {
    expect(readImageDimensions(webp)).toEqual({ type: "image/webp", width: 1536, height: 640 });
  });

  it("when sizes use every bit of their field, then they are read whole", () => {
    expect(readImageDimensions(vp8l(16384, 16384))).toMatchObject({ width: 16384, height: 16384 });
    expect(readImageDimensions(vp8x(16777216, 3))).toMatchObject({ width: 16777216, height: 3 });
    expect(readImageDimensions(vp8(16383, 1))).toMatchObject({ width: 16383, height: 1 });
  });

  it.each([
    ["text", Buffer.from("hello, this is not an image at all")],
    ["an empty buffer", Buffer.alloc(0)],
    ["a GIF", Buffer.from("GIF89a\x01\x00\x01\x00\x00\x00\x00", "latin1")],
    ["a RIFF that is not WebP", Buffer.from("RIFF\x04\x00\x00\x00WAVEfmt ", "latin1")],
  ])("when the bytes are %s, then the error says it is not an image", (_name, bytes) => {
    expect(problemOf(bytes)).toBe("not-an-image");
    expect(() => readImageDimensions(bytes)).toThrow(/not a PNG, JPEG or WebP/);
  });

  it.each([
    ["a PNG cut inside IHDR", makePng({ width: 10, height: 10 }).subarray(0, 20)],
    ["a PNG that is only its signature", makePng({ width: 10, height: 10 }).subarray(0, 8)],
    ["a JPEG cut after SOI", Buffer.from([0xff, 0xd8, 0xff])],
    ["a JPEG cut inside an APP segment", Buffer.from([0xff, 0xd8, ...exifWithThumbnail()]).subarray(0, 30)],
    ["a JPEG cut inside its SOF", Buffer.from([0xff, 0xd8, ...sof(0xc0, 640, 480)]).subarray(0, 8)],
    ["a WebP cut before its first chunk", vp8l(10, 10).subarray(0, 16)],
    ["a VP8 WebP cut inside the frame header", vp8(10, 10).subarray(0, 26)],
    ["a VP8L WebP cut inside the size bits", vp8l(10, 10).subarray(0, 22)],
    ["a VP8X WebP cut inside the canvas size", vp8x(10, 10).subarray(0, 28)],
  ])("when the bytes are %s, then the error says it is truncated", (_name, bytes) => {
    expect(problemOf(bytes)).toBe("truncated");
    expect(() => readImageDimensions(bytes)).toThrow(/cut short/);
  });

  it.each([
    ["a PNG whose first chunk is not IHDR", Buffer.concat([makePng({ width: 2, height: 2 }).subarray(0, 12), Buffer.from("tEXt"), Buffer.alloc(12)])],
    ["a JPEG with a scan but no frame header", Buffer.from([0xff, 0xd8, ...segment(0xda, [1, 1, 0, 0, 63, 0]), 0xff, 0xd9])],
    ["a JPEG with garbage between segments", Buffer.from([0xff, 0xd8, ...segment(0xe0, [0]), 0x12, 0x34])],
    ["a JPEG whose height is deferred to DNL", Buffer.from([0xff, 0xd8, ...sof(0xc0, 640, 0)])],
    ["a JPEG with a zero width", Buffer.from([0xff, 0xd8, ...sof(0xc0, 0, 480)])],
    ["a PNG with a zero height", (() => { const p = Buffer.from(makePng({ width: 3, height: 3 })); p.writeUInt32BE(0, 20); return p; })()],
    ["a WebP with an unknown first chunk", riff("ALPH", new Array<number>(12).fill(0))],
    ["a VP8 WebP without its start code", riff("VP8 ", new Array<number>(12).fill(0))],
    ["a VP8L WebP without its signature", riff("VP8L", new Array<number>(8).fill(0))],
  ])("when the bytes are %s, then the error says the header is malformed", (_name, bytes) => {
    expect(problemOf(bytes)).toBe("malformed");
  });
});
