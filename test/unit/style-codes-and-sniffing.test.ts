import { describe, expect, it } from "vitest";
import { sniffImageType } from "../../src/domain/image-type.js";
import { parseStyleCodes } from "../../src/domain/style-codes.js";

describe("style codes", () => {
  it("when codes are separated by spaces or commas, then each 8-hex code is kept, lower-cased", () => {
    expect(parseStyleCodes("1A2B3C4D, deadbeef  01234567")).toEqual(["1a2b3c4d", "deadbeef", "01234567"]);
  });
  it.each([["1a2b3c4"], ["1a2b3c4d5"], ["zzzzzzzz"], ["  ,  "], ["1a2b3c4d,xyz"]])("when %j is given, then the user is told what a code looks like", (text) => {
    expect(() => parseStyleCodes(text)).toThrow(/8-character hex/);
  });
});

describe("image sniffing", () => {
  it("recognises PNG, JPEG and WebP by their bytes", () => {
    expect(sniffImageType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe("image/png");
    expect(sniffImageType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe("image/jpeg");
    expect(sniffImageType(Buffer.from("RIFF\x10\x00\x00\x00WEBPVP8 ", "latin1"))).toBe("image/webp");
  });
  it("when a text file or a GIF is named .png, then it is not an accepted image", () => {
    expect(sniffImageType(Buffer.from("hello, I am text pretending to be a png"))).toBeUndefined();
    expect(sniffImageType(Buffer.from("GIF89a......"))).toBeUndefined();
    expect(sniffImageType(Buffer.from("RIFF\x10\x00\x00\x00WAVEfmt ", "latin1"))).toBeUndefined();
    expect(sniffImageType(new Uint8Array())).toBeUndefined();
  });
});
