import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { UserFacingError } from "../../src/domain/errors.js";
import type { JobOrigin } from "../../src/domain/job.js";
import type { AdmissionCheck } from "../../src/store/job-store.js";
import { openSqliteJobStore } from "../../src/store/sqlite-job-store.js";

// The stopgap SQLite store: an admission check may await (a Postgres query, in the store that
// replaces it), so creations with a check must not interleave inside one process.
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const freshStore = () => {
  const dir = mkdtempSync(join(tmpdir(), "storycast-admission-"));
  dirs.push(dir);
  return openSqliteJobStore(dir);
};

const origin: JobOrigin = { userId: "u1", guildId: "g1", channelId: "c", applicationId: "a", interactionToken: "t", interactionAt: 0, attachmentSizeLimit: 1e7, private: false };
const settings = { prompt: "p", imageSize: "square_hd" as const, speed: "TURBO" as const, numImages: 1 };

/** At most `limit` images a day for u1, reading the usage, then yielding to the event loop before deciding (as a network round trip would). */
const atMost = (limit: number): AdmissionCheck => async (usage) => {
  const used = await usage.memberImagesSince("g1", "u1", 0);
  await new Promise((resolve) => setTimeout(resolve, 5));
  if (used + 1 > limit) throw new UserFacingError(`limit ${limit} reached`);
};

describe("SQLite job store: creation with an admission check", () => {
  it("when the check refuses, then nothing is written and the creation rejects with the check's error", async () => {
    const store = freshStore();
    await expect(store.create({ id: "j1", origin, settings }, atMost(0))).rejects.toThrow(/limit 0 reached/);
    expect(await store.get("j1")).toBeUndefined();
    expect(await store.unfinished()).toEqual([]);
    await store.close();
  });

  it("when many creations with an awaiting check arrive at once, then together they cannot pass the limit", async () => {
    const store = freshStore();
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => store.create({ id: `j${i}`, origin, settings }, atMost(2))));
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(2);
    const refusals = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason as Error] : []));
    expect(refusals).toHaveLength(4);
    expect(refusals.every((e) => e instanceof UserFacingError)).toBe(true);
    expect((await store.unfinished()).map((job) => job.id)).toEqual(["j0", "j1"]);
    await store.close();
  });

  it("when a creation is refused, then the next one is still admitted (a refusal does not block the store)", async () => {
    const store = freshStore();
    await expect(store.create({ id: "refused", origin, settings }, atMost(0))).rejects.toThrow(UserFacingError);
    const job = await store.create({ id: "next", origin, settings }, atMost(1));
    expect(job).toMatchObject({ id: "next", state: { kind: "pending" } });
    await store.close();
  });
});
