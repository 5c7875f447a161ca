/** Discord's upload limit for bots without boosts, used when an interaction does not say. */
export const DEFAULT_ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024;

/** Discord allows at most 10 attachments on one message. */
export const MAX_ATTACHMENTS_PER_MESSAGE = 10;

export interface SizedFile {
  size: number;
}

export interface FileBatches<T extends SizedFile> {
  /** Groups of files, each small enough for one message, in the original order. */
  batches: T[][];
  /** Files larger than one message allows on their own: they are linked, not attached. */
  tooLarge: T[];
}

/**
 * Splits files into messages so no message exceeds the attachment size limit or 10
 * attachments. Nothing is dropped: a file that cannot fit any message is returned in
 * `tooLarge` for the caller to link instead.
 */
export function splitIntoMessages<T extends SizedFile>(files: readonly T[], sizeLimit: number): FileBatches<T> {
  const batches: T[][] = [];
  const tooLarge: T[] = [];
  let current: T[] = [];
  let currentBytes = 0;
  for (const file of files) {
    if (file.size > sizeLimit) {
      tooLarge.push(file);
      continue;
    }
    if (current.length === MAX_ATTACHMENTS_PER_MESSAGE || currentBytes + file.size > sizeLimit) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(file);
    currentBytes += file.size;
  }
  if (current.length > 0) batches.push(current);
  return { batches, tooLarge };
}
