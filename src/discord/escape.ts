import { escapeMarkdown } from "discord.js";
import { singleLine } from "../domain/single-line.js";

/** Discord's limit for a message's content. */
export const MAX_MESSAGE_LENGTH = 2000;

/** Every line break a Discord client may render as one. */
const LINE_BREAK = /\r\n|[\n\r\v\f\u0085\u2028\u2029]/;

/**
 * A mark that starts a block when it begins a line: headings (#), subtext (-#), block
 * quotes (>, >>>), bulleted (-, *, +) and numbered (1.) lists. escapeMarkdown escapes
 * none of them by default, and its own heading/list options miss subtext and quotes.
 */
const LINE_START_MARK = /^(\s*)([#>\-*+]|\d+(?=[.)]))/;

/**
 * Escapes user text so Discord shows it as typed: escapeMarkdown (bold, italics, spoilers,
 * strikethrough, backslashes), then what it leaves alone: every backtick, every square bracket
 * (a masked link `[text](url)` hides where it leads; escapeMarkdown's maskedLink option
 * escapes only the first of several), every `<` (mentions, channels, emoji and timestamps
 * render even when they cannot ping) and a block mark at the start of the text.
 * The text must already be one line: see escapeLine / escapeLines.
 */
function escapeOneLine(line: string): string {
  // Backticks are escaped here, one by one: escapeMarkdown turns "```" into an escaped triple but
  // leaves a fourth backtick live (````), which could open inline code with one further on.
  const escaped = escapeMarkdown(line, { codeBlock: false, inlineCode: false }).replace(/[[\]<`]/g, "\\$&");
  return escaped.replace(LINE_START_MARK, (_match, space: string, mark: string) => (/^\d/.test(mark) ? `${space}${mark}\\` : `${space}\\${mark}`));
}

/** User text for a place that holds one line (a name, a title, a settings line): folded onto one line, then escaped. */
export function escapeLine(text: string): string {
  return escapeOneLine(singleLine(text));
}

/** User text that may span lines (a prompt): each non-blank line escaped on its own, so none can start a block. */
export function escapeLines(text: string): string[] {
  return text
    .split(LINE_BREAK)
    .map((line) => singleLine(line))
    .filter((line) => line.length > 0)
    .map(escapeOneLine);
}

/**
 * `render(text)` if it is at most `max` characters long, else `render` of the longest
 * start of `text` (whole code points) followed by "…" that is. Cutting the text before it
 * is escaped means an escape is never cut in half.
 */
export function fitEscaped(text: string, max: number, render: (text: string) => string): string {
  const whole = render(text);
  if (whole.length <= max) return whole;
  const points = Array.from(text);
  const attempt = (count: number) => render(`${points.slice(0, count).join("")}…`);
  // Escaping only ever adds characters, so the rendered length grows with the prefix: binary search.
  let low = 0;
  let high = points.length - 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (attempt(mid).length <= max) low = mid;
    else high = mid - 1;
  }
  return attempt(low);
}

/**
 * Cuts already escaped content to Discord's limit without leaving a lone backslash at the
 * end (half of an escape) or half of a surrogate pair.
 */
export function capContent(content: string, max = MAX_MESSAGE_LENGTH): string {
  if (content.length <= max) return content;
  let cut = content.slice(0, max);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  const trailing = /\\+$/.exec(cut)?.[0].length ?? 0;
  return trailing % 2 === 1 ? cut.slice(0, -1) : cut;
}
