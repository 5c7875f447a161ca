/**
 * Line breaks and control characters a client could render as a new line or use to
 * reorder text: C0/C1 controls (\n, \r, \v, \f, NEL…), the Unicode line and paragraph
 * separators, and the bidirectional overrides and isolates. Joiners (ZWJ) are kept:
 * emoji sequences need them.
 */
const BREAKING = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/gu;

/**
 * Text for a field shown on one line (a settings line, a name, a title): every line break
 * and control character becomes a space, runs of white space fold to one, ends trimmed,
 * so user text can never start a new line (a heading, a quote) after it.
 */
export function singleLine(text: string): string {
  return text.replace(BREAKING, " ").replace(/\s+/g, " ").trim();
}
