import { ApplicationCommandOptionType, type Attachment, type ChatInputCommandInteraction } from "discord.js";
import { UserFacingError } from "../domain/errors.js";
import type { AttachmentInfo } from "../domain/imagine-request.js";

/*
 * Options are read by hand rather than with getString/getInteger/…: those throw a discord.js
 * TypeError when the payload's option type disagrees with the definition (a stale client
 * cache or a forged request can send that), which would reach the user as "something went
 * wrong"; and they return whatever JSON value came, so a number could arrive as the prompt.
 * Here both become a message naming the option. A null value counts as not given.
 */
export type Options = ChatInputCommandInteraction["options"];

export function readString(o: Options, name: string): string | null {
  const option = o.get(name);
  if (option?.value == null) return null;
  if (option.type !== ApplicationCommandOptionType.String || typeof option.value !== "string") throw wrongType(name, "text");
  return option.value;
}

export function readInteger(o: Options, name: string): number | null {
  const option = o.get(name);
  if (option?.value == null) return null;
  // Whether it is whole and in range is checked with the other rules (checkImagineOptions).
  if (option.type !== ApplicationCommandOptionType.Integer || typeof option.value !== "number") throw wrongType(name, "a whole number");
  return option.value;
}

/** A Number option (a decimal, e.g. /remix's strength); its range is checked with the command's other rules. */
export function readNumber(o: Options, name: string): number | null {
  const option = o.get(name);
  if (option?.value == null) return null;
  if (option.type !== ApplicationCommandOptionType.Number || typeof option.value !== "number") throw wrongType(name, "a number");
  return option.value;
}

export function readBoolean(o: Options, name: string): boolean | null {
  const option = o.get(name);
  if (option?.value == null) return null;
  if (option.type !== ApplicationCommandOptionType.Boolean || typeof option.value !== "boolean") throw wrongType(name, "true or false");
  return option.value;
}

export function readAttachment(o: Options, name: string): AttachmentInfo | null {
  const option = o.get(name);
  if (option?.value == null) return null;
  if (option.type !== ApplicationCommandOptionType.Attachment) throw wrongType(name, "an attached file");
  // The file itself travels in the payload's `resolved` part; an id without it cannot be used.
  if (!option.attachment) throw new UserFacingError(`The \`${name}\` file did not come through with your command. Please attach it again.`);
  return attachmentInfo(option.attachment);
}

function wrongType(name: string, expected: string): UserFacingError {
  return new UserFacingError(
    `The option \`${name}\` must be ${expected}; your Discord client sent something else. Please run the command again from the command list.`,
  );
}

/**
 * Discord's metadata for a file, made safe to use: a forged or odd payload can omit or mistype
 * any of it. Only the bytes are trusted later (the download is capped and sniffed, and real
 * sizes are checked again), so an unusable field falls back to a harmless value.
 */
function attachmentInfo(attachment: Attachment): AttachmentInfo {
  const { name, size, url, contentType } = attachment as Partial<Record<keyof Attachment, unknown>>;
  return {
    name: typeof name === "string" && name.length > 0 ? name : "(unnamed file)",
    size: typeof size === "number" && Number.isFinite(size) && size >= 0 ? size : 0,
    url: typeof url === "string" ? url : "",
    contentType: typeof contentType === "string" ? contentType : null,
  };
}


/** A choice value, checked against the list: Discord enforces choices, but a stale client or a forged request might not. */
export function readChoice<T extends string>(o: Options, option: string, list: readonly { value: T; name: string }[]): T | null {
  const value = readString(o, option);
  if (value === null) return null;
  const found = list.find((entry) => entry.value === value);
  if (!found) {
    // Cut by code points, so an emoji is not split into a lone surrogate.
    const shown = value.trim() === "" ? "An empty value" : `\`${Array.from(value).slice(0, 40).join("")}\``;
    throw new UserFacingError(`${shown} is not a choice for ${option}; pick one of: ${list.map((e) => e.name).join(", ")}.`);
  }
  return found.value;
}

/** Discord choices from one of the enum lists (fal's value, a human name). */
export const choices = (list: readonly { value: string; name: string }[]) => list.map(({ name, value }) => ({ name, value }));
