import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/database.js";
import { createSqliteCharacterStore } from "../../src/store/sqlite-character-store.js";
import { createSqliteJobStore } from "../../src/store/sqlite-job-store.js";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** The characters table as the first release created it: URLs only. */
const FIRST_RELEASE_SCHEMA = `
CREATE TABLE characters (
  id TEXT PRIMARY KEY, scope TEXT NOT NULL, name TEXT NOT NULL, name_key TEXT NOT NULL,
  reference_url TEXT NOT NULL, mask_url TEXT, description TEXT, creator_id TEXT NOT NULL,
  created_at INTEGER NOT NULL, times_used INTEGER NOT NULL DEFAULT 0, UNIQUE (scope, name_key)
);
INSERT INTO characters (id, scope, name, name_key, reference_url, creator_id, created_at)
  VALUES ('old', 'g:1', 'Old', 'old', 'https://fal/old.png', 'u1', 1);
`;

describe("saved characters keep a copy of their images", () => {
  it("when a database from the first release is opened, then its characters stay usable, without copies, and new ones keep theirs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "storycast-characters-"));
    dirs.push(dir);
    const legacy = new Database(join(dir, "storycast.sqlite"));
    legacy.exec(FIRST_RELEASE_SCHEMA);
    legacy.close();

    const db = openDatabase(dir);
    createSqliteJobStore(db); // as the app does: the characters store reads the jobs table too
    const characters = createSqliteCharacterStore(db);
    expect((await characters.byName("g:1", "old"))?.referenceUrl).toBe("https://fal/old.png");
    expect(await characters.storedImages("old")).toEqual({});

    const reference = Buffer.from("reference bytes");
    const mask = Buffer.from("mask bytes");
    await characters.create({
      id: "new",
      scope: "g:1",
      name: "New",
      referenceUrl: "https://fal/a.png",
      maskUrl: "https://fal/m.png",
      description: undefined,
      creatorId: "u1",
      images: { reference: { bytes: reference, contentType: "image/png" }, mask: { bytes: mask, contentType: "image/webp" } },
    });
    const copies = await characters.storedImages("new");
    expect(copies.reference?.bytes.equals(reference)).toBe(true);
    expect(copies.reference?.contentType).toBe("image/png");
    expect(copies.mask?.bytes.equals(mask)).toBe(true);
    expect((await characters.list("g:1", 0, 10)).characters.map((c) => c.name)).toEqual(["New", "Old"]);

    // Hosting again updates only the URLs it is given.
    expect(await characters.rehosted("new", { referenceUrl: "https://fal/b.png" })).toMatchObject({ referenceUrl: "https://fal/b.png", maskUrl: "https://fal/m.png" });
    db.close();
  });
});
