import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/database.js";
import { createSqliteStoryStore } from "../../src/store/sqlite-story-store.js";

const dir = mkdtempSync(join(tmpdir(), "story-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const request = { userId: "u1", applicationId: "app", interactionToken: "tok", interactionAt: 1000, attachmentSizeLimit: 10 * 1024 * 1024 };

describe("storybook state on the story row", () => {
  it("when a database from before storybook states holds an ended story, then it is migrated in place and its storybook can be built again", async () => {
    const db = openDatabase(dir);
    // The first version's table: a story ended, its storybook lost with no record of it.
    db.exec(`CREATE TABLE stories (id TEXT PRIMARY KEY, guild_id TEXT NOT NULL, channel_id TEXT NOT NULL, thread_id TEXT NOT NULL UNIQUE, title TEXT NOT NULL,
      creator_id TEXT NOT NULL, created_at INTEGER NOT NULL, ended_at INTEGER, cast_ids TEXT NOT NULL DEFAULT '[]', defaults TEXT NOT NULL DEFAULT '{}')`);
    db.prepare("INSERT INTO stories (id, guild_id, channel_id, thread_id, title, creator_id, created_at, ended_at) VALUES ('s1', 'g', 'c', 't1', 'Old', 'u1', 1, 2)").run();
    const stories = createSqliteStoryStore(db, () => 5000);
    expect(await stories.byId("s1")).toMatchObject({ endedAt: 2, storybook: { kind: "none" } });

    expect(await stories.beginStorybook("s1", request)).toMatchObject({ endedAt: 2, storybook: { kind: "building", request } });
    expect(await stories.beginStorybook("s1", request)).toBeUndefined(); // one build at a time
    expect((await stories.buildingStorybooks()).map((s) => s.id)).toEqual(["s1"]);
    await stories.settleStorybook("s1", { kind: "failed", reason: "Discord answered HTTP 502" });
    expect(await stories.buildingStorybooks()).toEqual([]);
    expect((await stories.beginStorybook("s1", request))?.storybook.kind).toBe("building"); // a failed one may be built again
    expect((await stories.settleStorybook("s1", { kind: "posted", messageId: "m1" })).storybook).toEqual({ kind: "posted", messageId: "m1" });
    expect(await stories.beginStorybook("s1", request)).toBeUndefined(); // posted: never built twice

    const open = await stories.create({ id: "s2", guildId: "g", channelId: "c", threadId: "t2", title: "New", creatorId: "u1", cast: [], defaults: {} });
    expect(open).toMatchObject({ endedAt: undefined, storybook: { kind: "none" } });
    expect((await stories.beginStorybook("s2", request))?.endedAt).toBe(5000); // ending starts: closed to new scenes
    db.close();
  });
});
