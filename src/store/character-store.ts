/**
 * A saved character: a reference (and mask) hosted on fal storage. fal files expire (see
 * README "File lifetimes"), so the store also keeps a copy of the image bytes to host them
 * again; characters saved by older versions have no copy.
 */
export interface Character {
  id: string;
  scope: string;
  name: string;
  referenceUrl: string;
  maskUrl: string | undefined;
  description: string | undefined;
  creatorId: string;
  createdAt: number;
  timesUsed: number;
}

/** An image kept in the database, to host it on fal again once its URL has expired. */
export interface StoredImage {
  bytes: Buffer;
  contentType: string;
}

/** The copies of a character's images; absent for characters saved before copies were kept. */
export interface StoredImages {
  reference?: StoredImage;
  mask?: StoredImage;
}

export type NewCharacter = Omit<Character, "createdAt" | "timesUsed"> & { images?: StoredImages };

export class DuplicateCharacterError extends Error {
  constructor(readonly characterName: string) {
    super(`a character named ${characterName} already exists`);
  }
}

/** The character is gone (deleted, e.g. by another member, after it was looked up). */
export class CharacterNotFoundError extends Error {
  constructor(readonly characterId: string) {
    super(`character ${characterId} not found`);
  }
}

/** Saved characters per scope (a server, or a user's DMs). Names are unique per scope, ignoring case. */
export interface CharacterStore {
  /** Rejects with DuplicateCharacterError when the name is taken in that scope. */
  create(character: NewCharacter): Promise<Character>;
  byName(scope: string, name: string): Promise<Character | undefined>;
  byId(id: string): Promise<Character | undefined>;
  /** Best matches for autocomplete: names starting with `typed` first, then containing it. */
  search(scope: string, typed: string, limit: number): Promise<Character[]>;
  list(scope: string, offset: number, limit: number): Promise<{ characters: Character[]; total: number }>;
  /** Rejects with DuplicateCharacterError when the new name is taken, CharacterNotFoundError when the character was deleted. */
  rename(id: string, newName: string): Promise<Character>;
  delete(id: string): Promise<void>;
  recordUse(id: string): Promise<void>;
  /** The kept copies of the character's images (read only when they are needed: they can be megabytes). */
  storedImages(id: string): Promise<StoredImages>;
  /** Records new fal URLs after the images were hosted again; returns the updated character. */
  rehosted(id: string, urls: { referenceUrl?: string; maskUrl?: string }): Promise<Character>;
  /** Result image URLs of the latest delivered jobs that used the character. */
  recentScenes(id: string, limit: number): Promise<string[]>;
}
