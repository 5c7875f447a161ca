import { UserFacingError } from "./errors.js";

const CODE = /^[0-9a-f]{8}$/i;
const MAX_CODES = 16;

/** Parses style codes typed as 8-hex strings separated by spaces or commas. */
export function parseStyleCodes(text: string): string[] {
  const codes = text.split(/[\s,]+/).filter((code) => code.length > 0);
  if (codes.length === 0) {
    throw new UserFacingError("style_codes is empty: give one or more 8-character hex codes like `1a2b3c4d`.");
  }
  if (codes.length > MAX_CODES) {
    throw new UserFacingError(`style_codes takes at most ${MAX_CODES} codes; you gave ${codes.length}.`);
  }
  const bad = codes.filter((code) => !CODE.test(code));
  if (bad.length > 0) {
    throw new UserFacingError(
      `These style codes are not 8-character hex codes: ${bad.slice(0, 5).map((c) => `\`${Array.from(c).slice(0, 20).join("")}\``).join(", ")}. ` +
        "A style code looks like `1a2b3c4d`.",
    );
  }
  return codes.map((code) => code.toLowerCase());
}
