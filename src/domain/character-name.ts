import { UserFacingError } from "./errors.js";

export const MAX_CHARACTER_NAME_LENGTH = 32;
export const MAX_CHARACTER_DESCRIPTION_LENGTH = 300;

/**
 * Cleans a character name as typed: mentions, markdown and control characters out,
 * white space folded. Names are shown in messages, so nothing in them may ping or
 * format. Throws a UserFacingError when nothing usable is left or it is too long.
 */
export function cleanCharacterName(typed: string): string {
  const name = plainText(typed);
  if (name.length === 0) throw new UserFacingError("That name is empty once mentions and formatting are removed. Pick a plain name, e.g. `Captain Mira`.");
  if ([...name].length > MAX_CHARACTER_NAME_LENGTH) {
    throw new UserFacingError(`Character names can be at most ${MAX_CHARACTER_NAME_LENGTH} characters long.`);
  }
  return name;
}

/** Text with no mentions, markdown or control characters, white space folded: safe to show anywhere. */
export function plainText(typed: string): string {
  return typed
    .replace(/<(@[!&]?|#)\d+>/g, "") // user, role and channel mentions
    .replace(/@(everyone|here)/gi, "$1")
    .replace(/[*_~`|>#\\[\]()]/g, "") // markdown
    .replace(/[\p{Cc}\p{Cf}]/gu, "") // control and invisible format characters
    .replace(/\s+/g, " ")
    .trim();
}

/** Names are unique per server ignoring case (and Unicode case variants). */
export function characterNameKey(name: string): string {
  return name.normalize("NFKC").toLocaleLowerCase("en-US");
}

/** Cleans an optional description the same way (it is shown and may be added to prompts). */
export function cleanCharacterDescription(typed: string | null | undefined): string | undefined {
  if (typed == null) return undefined;
  const text = typed
    .replace(/<(@[!&]?|#)\d+>/g, "")
    .replace(/@(everyone|here)/gi, "$1")
    .replace(/[\p{Cc}\p{Cf}]/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
  if (text.length > MAX_CHARACTER_DESCRIPTION_LENGTH) {
    throw new UserFacingError(`Character descriptions can be at most ${MAX_CHARACTER_DESCRIPTION_LENGTH} characters long.`);
  }
  return text || undefined;
}

/** Where a character lives: a server, or a user's DMs with the bot. */
export function characterScope(guildId: string | null, userId: string): string {
  return guildId ?? `dm:${userId}`;
}

/** Prepends a character's description to a prompt, when it has one. */
export function promptWithDescription(prompt: string, name: string, description: string | undefined): string {
  return description ? `${name}: ${description}. ${prompt}` : prompt;
}
