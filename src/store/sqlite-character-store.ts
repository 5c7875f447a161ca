import { characterNameKey } from "../domain/character-name.js";
import { addMissingColumns, type Db } from "./database.js";
import { DuplicateCharacterError, type Character, type CharacterStore, type NewCharacter, type StoredImage } from "./character-store.js";

interface CharacterRow {
  id: string;
  scope: string;
  name: string;
  name_key: string;
  reference_url: string;
  mask_url: string | null;
  description: string | null;
  creator_id: string;
  created_at: number;
  times_used: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS characters (
  id TEXT PRIMARY KEY,
  scope TEXT NOT NULL,
  name TEXT NOT NULL,
  name_key TEXT NOT NULL,
  reference_url TEXT NOT NULL,
  mask_url TEXT,
  description TEXT,
  creator_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  times_used INTEGER NOT NULL DEFAULT 0,
  UNIQUE (scope, name_key)
);
`;

/** Columns added after the first release: copies of the images, to host them on fal again (NULL for older rows). */
const LATER_COLUMNS = {
  reference_bytes: "BLOB",
  reference_type: "TEXT",
  mask_bytes: "BLOB",
  mask_type: "TEXT",
};

/** Every column but the image copies: lists and lookups never load megabytes of images. */
const COLUMNS = "id, scope, name, name_key, reference_url, mask_url, description, creator_id, created_at, times_used";

interface ImagesRow {
  reference_bytes: Buffer | null;
  reference_type: string | null;
  mask_bytes: Buffer | null;
  mask_type: string | null;
}

/** Saved characters in the shared SQLite database; the unique index enforces one name per scope. */
export function createSqliteCharacterStore(db: Db, now: () => number = Date.now): CharacterStore {
  db.exec(SCHEMA);
  addMissingColumns(db, "characters", LATER_COLUMNS);
  const insert = db.prepare(
    `INSERT INTO characters (id, scope, name, name_key, reference_url, mask_url, description, creator_id, created_at, reference_bytes, reference_type, mask_bytes, mask_type)
     VALUES (@id, @scope, @name, @nameKey, @referenceUrl, @maskUrl, @description, @creatorId, @createdAt, @referenceBytes, @referenceType, @maskBytes, @maskType)`,
  );
  const byKey = db.prepare<[string, string], CharacterRow>(`SELECT ${COLUMNS} FROM characters WHERE scope = ? AND name_key = ?`);
  const byId = db.prepare<[string], CharacterRow>(`SELECT ${COLUMNS} FROM characters WHERE id = ?`);
  const inScope = db.prepare<[string], CharacterRow>(`SELECT ${COLUMNS} FROM characters WHERE scope = ? ORDER BY name_key`);
  const page = db.prepare<[string, number, number], CharacterRow>(`SELECT ${COLUMNS} FROM characters WHERE scope = ? ORDER BY name_key LIMIT ? OFFSET ?`);
  const images = db.prepare<[string], ImagesRow>("SELECT reference_bytes, reference_type, mask_bytes, mask_type FROM characters WHERE id = ?");
  const setUrls = db.prepare("UPDATE characters SET reference_url = COALESCE(@referenceUrl, reference_url), mask_url = COALESCE(@maskUrl, mask_url) WHERE id = @id");
  const count = db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM characters WHERE scope = ?");
  const rename = db.prepare("UPDATE characters SET name = ?, name_key = ? WHERE id = ?");
  const remove = db.prepare("DELETE FROM characters WHERE id = ?");
  const use = db.prepare("UPDATE characters SET times_used = times_used + 1 WHERE id = ?");
  // Private results are their requester's alone: /character show is seen by anyone, so they never count as scenes.
  const scenes = db.prepare<[string, number], { state: string }>(
    `SELECT state FROM jobs WHERE character_id = ? AND state_kind = 'delivered' AND COALESCE(json_extract(origin, '$.private'), 0) = 0
     ORDER BY created_at DESC LIMIT ?`,
  );

  const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE";

  return {
    async create(character: NewCharacter) {
      const { images: copies, ...fields } = character;
      try {
        insert.run({
          ...fields,
          nameKey: characterNameKey(character.name),
          maskUrl: character.maskUrl ?? null,
          description: character.description ?? null,
          createdAt: now(),
          referenceBytes: copies?.reference?.bytes ?? null,
          referenceType: copies?.reference?.contentType ?? null,
          maskBytes: copies?.mask?.bytes ?? null,
          maskType: copies?.mask?.contentType ?? null,
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw new DuplicateCharacterError(character.name);
        throw error;
      }
      return fromRow(byId.get(character.id)!);
    },
    async byName(scope, name) {
      const row = byKey.get(scope, characterNameKey(name));
      return row ? fromRow(row) : undefined;
    },
    async byId(id) {
      const row = byId.get(id);
      return row ? fromRow(row) : undefined;
    },
    async search(scope, typed, limit) {
      const needle = characterNameKey(typed.trim());
      const all = inScope.all(scope);
      const starts = all.filter((row) => row.name_key.startsWith(needle));
      const contains = all.filter((row) => !row.name_key.startsWith(needle) && row.name_key.includes(needle));
      return [...starts, ...contains].slice(0, limit).map(fromRow);
    },
    async list(scope, offset, limit) {
      return { characters: page.all(scope, limit, offset).map(fromRow), total: count.get(scope)?.n ?? 0 };
    },
    async rename(id, newName) {
      try {
        rename.run(newName, characterNameKey(newName), id);
      } catch (error) {
        if (isUniqueViolation(error)) throw new DuplicateCharacterError(newName);
        throw error;
      }
      return fromRow(byId.get(id)!);
    },
    async delete(id) {
      remove.run(id);
    },
    async recordUse(id) {
      use.run(id);
    },
    async storedImages(id) {
      const row = images.get(id);
      const image = (bytes: Buffer | null | undefined, contentType: string | null | undefined): StoredImage | undefined =>
        bytes && contentType ? { bytes, contentType } : undefined;
      const reference = image(row?.reference_bytes, row?.reference_type);
      const mask = image(row?.mask_bytes, row?.mask_type);
      return { ...(reference ? { reference } : {}), ...(mask ? { mask } : {}) };
    },
    async rehosted(id, urls) {
      setUrls.run({ id, referenceUrl: urls.referenceUrl ?? null, maskUrl: urls.maskUrl ?? null });
      return fromRow(byId.get(id)!);
    },
    async recentScenes(id, limit) {
      return scenes
        .all(id, limit)
        .flatMap((row) => (JSON.parse(row.state) as { result?: { images?: { url: string }[] } }).result?.images?.map((image) => image.url) ?? [])
        .slice(0, limit);
    },
  };
}

function fromRow(row: CharacterRow): Character {
  return {
    id: row.id,
    scope: row.scope,
    name: row.name,
    referenceUrl: row.reference_url,
    maskUrl: row.mask_url ?? undefined,
    description: row.description ?? undefined,
    creatorId: row.creator_id,
    createdAt: row.created_at,
    timesUsed: row.times_used,
  };
}
