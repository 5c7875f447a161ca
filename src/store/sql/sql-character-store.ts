import { sql, type Kysely, type Selectable } from "kysely";
import { characterNameKey } from "../../domain/character-name.js";
import { CharacterNotFoundError, DuplicateCharacterError, type Character, type CharacterStore, type NewCharacter, type StoredImage } from "../character-store.js";
import type { CharactersTable, Database, SqlDialectName } from "./schema.js";

/** Every column but the image copies: lists and lookups never load megabytes of images. */
const COLUMNS = ["id", "scope", "name", "name_key", "reference_url", "mask_url", "description", "creator_id", "created_at", "times_used"] as const;

type CharacterRow = Pick<Selectable<CharactersTable>, (typeof COLUMNS)[number]>;

/** Saved characters over Kysely; the unique (scope, name_key) constraint enforces one name per scope, ignoring case. */
export function createSqlCharacterStore(db: Kysely<Database>, dialect: SqlDialectName, now: () => number): CharacterStore {
  const byId = async (id: string) => {
    const row = await db.selectFrom("characters").select(COLUMNS).where("id", "=", id).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  };
  const mustGet = async (id: string) => {
    const character = await byId(id);
    if (!character) throw new Error(`character ${id} not found`);
    return character;
  };
  const inScope = (scope: string) => db.selectFrom("characters").select(COLUMNS).where("scope", "=", scope).orderBy("name_key");
  // Private results are their requester's alone: /character show is seen by anyone, so they never count as scenes.
  const isPublic =
    dialect === "postgres"
      ? sql<boolean>`COALESCE((origin::jsonb ->> 'private')::boolean, false) = false`
      : sql<boolean>`COALESCE(json_extract(origin, '$.private'), 0) = 0`;

  return {
    async create(character: NewCharacter) {
      const { images: copies } = character;
      try {
        await db
          .insertInto("characters")
          .values({
            id: character.id,
            scope: character.scope,
            name: character.name,
            name_key: characterNameKey(character.name),
            reference_url: character.referenceUrl,
            mask_url: character.maskUrl ?? null,
            description: character.description ?? null,
            creator_id: character.creatorId,
            created_at: now(),
            reference_bytes: copies?.reference?.bytes ?? null,
            reference_type: copies?.reference?.contentType ?? null,
            mask_bytes: copies?.mask?.bytes ?? null,
            mask_type: copies?.mask?.contentType ?? null,
          })
          .execute();
      } catch (error) {
        if (isDuplicateName(error)) throw new DuplicateCharacterError(character.name);
        throw error;
      }
      return mustGet(character.id);
    },
    async byName(scope, name) {
      const row = await db.selectFrom("characters").select(COLUMNS).where("scope", "=", scope).where("name_key", "=", characterNameKey(name)).executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },
    byId,
    async search(scope, typed, limit) {
      const needle = characterNameKey(typed.trim());
      // Matched in JS, as before: LIKE would treat % and _ in a name as wildcards, and a server's characters are few.
      const all = await inScope(scope).execute();
      const starts = all.filter((row) => row.name_key.startsWith(needle));
      const contains = all.filter((row) => !row.name_key.startsWith(needle) && row.name_key.includes(needle));
      return [...starts, ...contains].slice(0, limit).map(fromRow);
    },
    async list(scope, offset, limit) {
      const rows = await inScope(scope).limit(limit).offset(offset).execute();
      const count = await db.selectFrom("characters").select((eb) => eb.fn.countAll<number | string>().as("n")).where("scope", "=", scope).executeTakeFirst();
      return { characters: rows.map(fromRow), total: Number(count?.n ?? 0) };
    },
    async rename(id, newName) {
      try {
        // The UPDATE returns the row it changed: no second read that a delete in between could miss.
        const row = await db
          .updateTable("characters")
          .set({ name: newName, name_key: characterNameKey(newName) })
          .where("id", "=", id)
          .returning(COLUMNS)
          .executeTakeFirst();
        if (!row) throw new CharacterNotFoundError(id);
        return fromRow(row);
      } catch (error) {
        if (isDuplicateName(error)) throw new DuplicateCharacterError(newName);
        throw error;
      }
    },
    async delete(id) {
      await db.deleteFrom("characters").where("id", "=", id).execute();
    },
    async recordUse(id) {
      await db.updateTable("characters").set((eb) => ({ times_used: eb("times_used", "+", 1) })).where("id", "=", id).execute();
    },
    async storedImages(id) {
      const row = await db.selectFrom("characters").select(["reference_bytes", "reference_type", "mask_bytes", "mask_type"]).where("id", "=", id).executeTakeFirst();
      const image = (bytes: Buffer | null | undefined, contentType: string | null | undefined): StoredImage | undefined =>
        bytes && contentType ? { bytes: Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes), contentType } : undefined;
      const reference = image(row?.reference_bytes, row?.reference_type);
      const mask = image(row?.mask_bytes, row?.mask_type);
      return { ...(reference ? { reference } : {}), ...(mask ? { mask } : {}) };
    },
    async rehosted(id, urls) {
      await db
        .updateTable("characters")
        .set((eb) => ({
          reference_url: eb.fn.coalesce(eb.val(urls.referenceUrl ?? null), eb.ref("reference_url")),
          mask_url: eb.fn.coalesce(eb.val(urls.maskUrl ?? null), eb.ref("mask_url")),
        }))
        .where("id", "=", id)
        .execute();
      return mustGet(id);
    },
    async recentScenes(id, limit) {
      const rows = await db
        .selectFrom("jobs")
        .select("state")
        .where("character_id", "=", id)
        .where("state_kind", "=", "delivered")
        .where(isPublic)
        .orderBy("created_at", "desc")
        .limit(limit)
        .execute();
      return rows
        .flatMap((row) => (JSON.parse(row.state) as { result?: { images?: { url: string }[] } }).result?.images?.map((image) => image.url) ?? [])
        .slice(0, limit);
    },
  };
}

/**
 * The unique (scope, name_key) constraint, on either dialect. On SQLite a primary key clash has
 * its own code (SQLITE_CONSTRAINT_PRIMARYKEY); on PostgreSQL the constraint's name tells them apart.
 */
function isDuplicateName(error: unknown): boolean {
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  return code === "SQLITE_CONSTRAINT_UNIQUE" || (code === "23505" && constraint === "characters_scope_name_key");
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
    createdAt: Number(row.created_at),
    timesUsed: Number(row.times_used),
  };
}
