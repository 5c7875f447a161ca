/** A saved character: a reference (and mask) hosted on fal storage, so it never expires. */
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

export type NewCharacter = Omit<Character, "createdAt" | "timesUsed">;

export class DuplicateCharacterError extends Error {
  constructor(readonly characterName: string) {
    super(`a character named ${characterName} already exists`);
  }
}

/** Saved characters per scope (a server, or a user's DMs). Names are unique per scope, ignoring case. */
export interface CharacterStore {
  /** Throws DuplicateCharacterError when the name is taken in that scope. */
  create(character: NewCharacter): Character;
  byName(scope: string, name: string): Character | undefined;
  byId(id: string): Character | undefined;
  /** Best matches for autocomplete: names starting with `typed` first, then containing it. */
  search(scope: string, typed: string, limit: number): Character[];
  list(scope: string, offset: number, limit: number): { characters: Character[]; total: number };
  /** Throws DuplicateCharacterError when the new name is taken. */
  rename(id: string, newName: string): Character;
  delete(id: string): void;
  recordUse(id: string): void;
  /** Result image URLs of the latest delivered jobs that used the character. */
  recentScenes(id: string, limit: number): string[];
}
