import { describe, expect, it } from "vitest";
import { UserFacingError } from "../../src/domain/errors.js";
import { checkMaskMatchesImage } from "../../src/domain/mask-check.js";
import { drawRegionMask } from "../../src/domain/region-mask.js";
import { makePng, sampleJpeg } from "../../fakes/fal/png.js";

function refusal(image: Buffer, mask: Buffer): string {
  try {
    checkMaskMatchesImage(image, mask);
  } catch (e) {
    expect(e).toBeInstanceOf(UserFacingError);
    return (e as Error).message;
  }
  throw new Error("expected checkMaskMatchesImage to refuse");
}

describe("checkMaskMatchesImage", () => {
  it("when a drawn mask has the image's size, then it is accepted and the size returned", () => {
    const image = makePng({ width: 1024, height: 768 });
    expect(checkMaskMatchesImage(image, drawRegionMask("centre", 1024, 768))).toEqual({ width: 1024, height: 768 });
  });

  it("when the image and the mask are different formats of the same size, then it is accepted", () => {
    expect(checkMaskMatchesImage(sampleJpeg(), drawRegionMask("top", 8, 8))).toEqual({ width: 8, height: 8 });
  });

  it("when the sizes differ, then the message names the mask's size and the image's", () => {
    const image = makePng({ width: 1024, height: 768 });
    expect(refusal(image, drawRegionMask("top", 768, 1024))).toBe(
      "The mask is 768×1024 but the image is 1024×768: they must be the same size.",
    );
    expect(refusal(image, drawRegionMask("top", 1024, 767))).toBe(
      "The mask is 1024×767 but the image is 1024×768: they must be the same size.",
    );
  });

  it("when the mask is not an image, then it is refused as such", () => {
    expect(refusal(makePng({ width: 4, height: 4 }), Buffer.from("not an image"))).toBe("The mask is not a PNG, JPEG or WebP file.");
  });

  it("when the mask is cut short or damaged, then the message says so", () => {
    const image = makePng({ width: 4, height: 4 });
    expect(refusal(image, drawRegionMask("top", 4, 4).subarray(0, 20))).toMatch(/^The mask file is cut short/);
    expect(refusal(image, Buffer.from([0xff, 0xd8, 0xff, 0xd9]))).toMatch(/^The mask file is damaged/);
  });

  it("when the image itself is not an image, then that is what the user is told", () => {
    expect(refusal(Buffer.from("<html>"), drawRegionMask("top", 4, 4))).toBe("The image is not a PNG, JPEG or WebP file.");
  });
});
