import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openStores, type Stores } from "../../src/store/sql/open-stores.js";
import { createTestDatabase, type TestDatabase } from "../support/postgres.js";

const root = new URL("../../", import.meta.url).pathname;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs the compiled command as an operator would (`npm test` builds dist/ first). */
function migrate(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(root, "dist/src/migrate-to-postgres.js")], { env: { PATH: process.env.PATH, ...env }, cwd: tmpdir() });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
}

const origin = { userId: "u1", guildId: "g1", channelId: "c1", applicationId: "a", interactionToken: "t", interactionAt: 1, attachmentSizeLimit: 1000, private: false };
const settings = { prompt: "a lighthouse", imageSize: "square_hd", speed: "TURBO", numImages: 2 } as const;

/** A SQLite deployment with one of everything: a running and a delivered job, a character with image copies, a story with a scene, settings. */
async function sqliteDeployment(dataDir: string): Promise<void> {
  const stores = await openStores({ dataDir, now: () => 1_700_000_000_000 });
  await stores.jobs.create({ id: "done", origin, settings });
  await stores.jobs.transition("done", { kind: "failed", reason: "x" });
  await stores.jobs.create({ id: "running", origin, settings });
  await stores.characters.create({
    id: "ch1", scope: "g:g1", name: "Mira", referenceUrl: "https://fal/ref.png", maskUrl: undefined, description: "a fox", creatorId: "u1",
    images: { reference: { bytes: Buffer.from([0, 1, 2, 255]), contentType: "image/png" } },
  });
  await stores.stories.create({ id: "s1", guildId: "g1", channelId: "c1", threadId: "t1", title: "The Tale", creatorId: "u1", cast: ["ch1"], defaults: {} });
  await stores.stories.addScene({ storyId: "s1", jobId: "done", authorId: "u1", authorName: "Ann", prompt: "p", characterName: "Mira" });
  // A storybook being built when the deployment stopped: held (leased) by the SQLite process.
  await stores.stories.create({ id: "s2", guildId: "g1", channelId: "c1", threadId: "t2", title: "The End", creatorId: "u1", cast: [], defaults: {} });
  await stores.stories.beginStorybook("s2", { userId: "u1", applicationId: "a", interactionToken: "t", interactionAt: 1, attachmentSizeLimit: 1000 });
  await stores.servers.saveSettings("g1", { dailyImageLimit: 5 });
  await stores.close();
}

describe("npm run migrate-to-postgres", () => {
  it("when a SQLite deployment is copied into an empty PostgreSQL database, then everything arrives once, and a second run copies nothing twice", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "storycast-move-"));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const database: TestDatabase = await createTestDatabase();
    cleanups.push(() => database.drop());
    await sqliteDeployment(dataDir);

    const first = await migrate({ DATA_DIR: dataDir, DATABASE_URL: database.url });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/jobs: 2 copied/);
    expect(first.stdout).toMatch(/characters: 1 copied/);
    expect(first.stdout).toMatch(/stories: 2 copied/);
    expect(first.stdout).toMatch(/scenes: 1 copied/);
    expect(first.stdout).toMatch(/server_settings: 1 copied/);
    expect(first.stdout).not.toContain(new URL(database.url).password || "never-empty");

    const stores: Stores = await openStores({ dataDir, databaseUrl: database.url, now: () => 1_700_000_100_000 });
    cleanups.push(() => stores.close());
    expect((await stores.jobs.get("done"))?.state).toEqual({ kind: "failed", reason: "x" });
    expect((await stores.characters.storedImages("ch1")).reference?.bytes).toEqual(Buffer.from([0, 1, 2, 255]));
    expect((await stores.stories.scenes("s1")).map((scene) => scene.number)).toEqual([1]);
    expect(await stores.servers.settings("g1")).toEqual({ dailyImageLimit: 5 });
    expect(await stores.servers.memberImagesSince("g1", "u1", 0)).toBe(2); // the running job counts; the failed one reached no fal
    // The unfinished job belongs to no process yet: the first one on PostgreSQL takes it at once.
    expect((await stores.jobs.claimOrphans(10)).map((job) => job.id)).toEqual(["running"]);
    // Likewise the storybook being built: copied without the SQLite process's lease on it.
    expect(await stores.db.selectFrom("stories").select(["storybook_owner", "storybook_lease_until"]).where("id", "=", "s2").executeTakeFirst()).toEqual({ storybook_owner: null, storybook_lease_until: null });
    expect((await stores.stories.claimStorybooks()).map((story) => story.id)).toEqual(["s2"]);

    const again = await migrate({ DATA_DIR: dataDir, DATABASE_URL: database.url });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/jobs: 0 copied, 2 already there/);
    expect(again.stdout).toMatch(/Done: 0 rows copied/);
  });

  it("when DATA_DIR holds no SQLite database or DATABASE_URL is missing, then it says so in one line and exits 1", async () => {
    const empty = mkdtempSync(join(tmpdir(), "storycast-move-empty-"));
    cleanups.push(() => rmSync(empty, { recursive: true, force: true }));
    const noFile = await migrate({ DATA_DIR: empty, DATABASE_URL: "postgres://u:p@127.0.0.1:1/x" });
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toMatch(/Nothing to copy: there is no .*storycast\.sqlite/);
    const noUrl = await migrate({ DATA_DIR: empty });
    expect(noUrl.code).toBe(1);
    expect(noUrl.stderr).toContain("DATABASE_URL is required");
  });
});
