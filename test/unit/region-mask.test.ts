import { inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { UserFacingError } from "../../src/domain/errors.js";
import { readImageDimensions } from "../../src/domain/image-dimensions.js";
import { KEEP, MASK_REGIONS, REPAINT, drawRegionMask, placementMask, type MaskRegion } from "../../src/domain/region-mask.js";
import { checkPng } from "../../fakes/fal/png.js";

/** Decodes the masks this module writes: 8-bit greyscale, filter "None" on every row. */
function decodeGreyPng(png: Buffer): { width: number; height: number; at: (x: number, y: number) => number } {
  expect(checkPng(png)).toEqual([]); // signature, chunk CRCs, order, IDAT length
  let off = 8;
  let ihdr: Buffer | undefined;
  const idat: Buffer[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString("latin1", off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === "IHDR") ihdr = data;
    if (type === "IDAT") idat.push(data);
    off += 12 + len;
  }
  if (!ihdr) throw new Error("no IHDR");
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  expect([ihdr[8], ihdr[9], ihdr[12]]).toEqual([8, 0, 0]); // 8-bit, greyscale, not interlaced
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width + 1;
  expect(raw.length).toBe(stride * height);
  const rowsWithAFilter: number[] = [];
  for (let y = 0; y < height; y++) if (raw[y * stride] !== 0) rowsWithAFilter.push(y);
  expect(rowsWithAFilter).toEqual([]);
  return {
    width,
    height,
    at: (x, y) => {
      if (x < 0 || y < 0 || x >= width || y >= height) throw new Error(`(${x}, ${y}) is outside ${width}×${height}`);
      return raw[y * stride + 1 + x]!;
    },
  };
}

/** The mask as rows of "#" (repaint, black) and "." (keep, white); any other grey fails. */
function picture(png: Buffer): string[] {
  const { width, height, at } = decodeGreyPng(png);
  const rows: string[] = [];
  for (let y = 0; y < height; y++) {
    let row = "";
    for (let x = 0; x < width; x++) {
      const v = at(x, y);
      row += v === REPAINT ? "#" : v === KEEP ? "." : "?";
    }
    rows.push(row);
  }
  return rows;
}

describe("drawRegionMask", () => {
  it("follows Ideogram's convention: black (0) is repainted, white (255) kept", () => {
    expect(REPAINT).toBe(0);
    expect(KEEP).toBe(255);
  });

  it.each<[MaskRegion, string[]]>([
    ["left_half", ["##..", "##..", "##..", "##.."]],
    ["right_half", ["..##", "..##", "..##", "..##"]],
    ["top", ["####", "####", "....", "...."]],
    ["bottom", ["....", "....", "####", "####"]],
    ["centre", ["....", ".##.", ".##.", "...."]],
    ["background", ["####", "#..#", "#..#", "####"]],
  ])("when %s is drawn at 4×4, then exactly that area is black", (region, expected) => {
    expect(picture(drawRegionMask(region, 4, 4))).toEqual(expected);
  });

  // Odd sizes: a half takes the middle line; the centre is ceil(w/2)×ceil(h/2).
  it.each<[MaskRegion, string[]]>([
    ["left_half", ["###..", "###..", "###.."]],
    ["right_half", ["..###", "..###", "..###"]],
    ["top", ["#####", "#####", "....."]],
    ["bottom", [".....", "#####", "#####"]],
    ["centre", [".###.", ".###.", "....."]],
    ["background", ["#...#", "#...#", "#####"]],
  ])("when %s is drawn at an odd 5×3, then exactly that area is black", (region, expected) => {
    expect(picture(drawRegionMask(region, 5, 3))).toEqual(expected);
  });

  it.each(MASK_REGIONS.filter((r) => r !== "background"))("when %s is drawn at 1×1, then the single pixel is repainted", (region) => {
    expect(picture(drawRegionMask(region, 1, 1))).toEqual(["#"]);
  });

  it("when the background is asked for at 1×1, then the user is told there is nothing to repaint", () => {
    expect(() => drawRegionMask("background", 1, 1)).toThrow(UserFacingError);
    expect(() => drawRegionMask("background", 1, 1)).toThrow("At 1×1 pixels the background is empty: there is nothing to repaint.");
  });

  it.each([
    [7, 5],
    [1, 9],
    [9, 1],
    [2, 3],
  ])("when the halves are drawn at %i×%i, then left ∪ right and top ∪ bottom cover every pixel, and background is exactly the centre's complement", (w, h) => {
    const left = picture(drawRegionMask("left_half", w, h)).join("");
    const right = picture(drawRegionMask("right_half", w, h)).join("");
    const top = picture(drawRegionMask("top", w, h)).join("");
    const bottom = picture(drawRegionMask("bottom", w, h)).join("");
    const centre = picture(drawRegionMask("centre", w, h)).join("");
    const background = picture(drawRegionMask("background", w, h)).join("");
    for (let i = 0; i < w * h; i++) {
      expect(left[i] === "#" || right[i] === "#").toBe(true);
      expect(top[i] === "#" || bottom[i] === "#").toBe(true);
      expect(background[i]).toBe(centre[i] === "#" ? "." : "#");
    }
    expect(centre).toContain("#");
  });

  it.each(MASK_REGIONS)("when %s is drawn at 1536×640, then the PNG's header and pixel rows are exactly that size", (region) => {
    const png = drawRegionMask(region, 1536, 640);
    expect(readImageDimensions(png)).toEqual({ type: "image/png", width: 1536, height: 640 });
    const { width, height } = decodeGreyPng(png);
    expect([width, height]).toEqual([1536, 640]);
  });

  it("when the centre of a 4096×4096 image is masked, then its edges, corners and middle land where they should", () => {
    const { at } = decodeGreyPng(drawRegionMask("centre", 4096, 4096));
    for (const [x, y] of [[0, 0], [4095, 0], [0, 4095], [4095, 4095], [1023, 2048], [3072, 2048], [2048, 1023], [2048, 3072]] as const) {
      expect(at(x, y), `(${x}, ${y})`).toBe(KEEP);
    }
    for (const [x, y] of [[2048, 2048], [1024, 1024], [3071, 1024], [1024, 3071], [3071, 3071]] as const) {
      expect(at(x, y), `(${x}, ${y})`).toBe(REPAINT);
    }
  });

  it("when a very wide 10000×1 image is split, then the halves meet at column 5000", () => {
    const left = decodeGreyPng(drawRegionMask("left_half", 10000, 1));
    expect([left.at(0, 0), left.at(4999, 0), left.at(5000, 0), left.at(9999, 0)]).toEqual([REPAINT, REPAINT, KEEP, KEEP]);
    const background = decodeGreyPng(drawRegionMask("background", 10000, 1));
    expect([background.at(2499, 0), background.at(2500, 0), background.at(7499, 0), background.at(7500, 0)]).toEqual([REPAINT, KEEP, KEEP, REPAINT]);
  });

  it("when a very tall 1×10001 image is split, then the top and bottom share only the middle row 5000", () => {
    const top = decodeGreyPng(drawRegionMask("top", 1, 10001));
    const bottom = decodeGreyPng(drawRegionMask("bottom", 1, 10001));
    expect([top.at(0, 0), top.at(0, 5000), top.at(0, 5001), top.at(0, 10000)]).toEqual([REPAINT, REPAINT, KEEP, KEEP]);
    expect([bottom.at(0, 0), bottom.at(0, 4999), bottom.at(0, 5000), bottom.at(0, 10000)]).toEqual([KEEP, KEEP, REPAINT, REPAINT]);
  });

  it.each([
    [0, 10],
    [10, -1],
    [1.5, 10],
    [Number.NaN, 10],
  ])("when the size is %s×%s, then it is refused as a caller's bug", (w, h) => {
    expect(() => drawRegionMask("top", w, h)).toThrow(RangeError);
  });

  it("when the image is larger than 8192×8192 pixels in all, then the user is told it is too large", () => {
    expect(() => drawRegionMask("top", 8193, 8192)).toThrow(UserFacingError);
    expect(() => drawRegionMask("top", 8193, 8192)).toThrow("The image is 8193×8192: too large to draw a mask for.");
  });
});

describe("placementMask", () => {
  it.each([
    ["left", "left_half"],
    ["right", "right_half"],
  ] as const)("when the second character goes on the %s, then that side is repainted (the %s mask)", (side, region) => {
    expect(placementMask(side, 6, 2).equals(drawRegionMask(region, 6, 2))).toBe(true);
    expect(picture(placementMask(side, 6, 2))).toEqual(side === "left" ? ["###...", "###..."] : ["...###", "...###"]);
  });
});
