import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { canTransition, isFinal } from "../../src/domain/job-state.js";
import type { JobOrigin } from "../../src/domain/job.js";
import { openSqliteJobStore } from "../../src/store/sqlite-job-store.js";

const origin: JobOrigin = {
  userId: "1", guildId: "2", channelId: "3", applicationId: "4", interactionToken: "tok", interactionAt: 0, attachmentSizeLimit: 1000, private: false,
};
const settings = { prompt: "p", imageSize: "square_hd", speed: "BALANCED", numImages: 1 } as const;
const dirs: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "storycast-store-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe("job state machine", () => {
  it("allows the happy path and forbids going back or resubmitting", () => {
    expect(canTransition("pending", "submitting")).toBe(true);
    expect(canTransition("submitting", "queued")).toBe(true);
    expect(canTransition("queued", "completed")).toBe(true);
    expect(canTransition("completed", "delivered")).toBe(true);
    expect(canTransition("queued", "submitting")).toBe(false);
    expect(canTransition("submit_unknown", "submitting")).toBe(false);
    expect(canTransition("cancelled", "queued")).toBe(false);
    expect(isFinal("delivered") && isFinal("failed") && isFinal("cancelled") && isFinal("submit_unknown")).toBe(true);
    expect(isFinal("queued")).toBe(false);
  });
});

describe("SQLite job store", () => {
  it("when a job moves through its states, then every state survives reopening the database", async () => {
    const dir = freshDir();
    const store = openSqliteJobStore(dir);
    await store.create({ id: "j1", origin, settings });
    await store.setFalInput("j1", { prompt: "p", reference_image_urls: ["u"] });
    await store.transition("j1", { kind: "submitting" });
    await store.transition("j1", { kind: "queued", requestId: "req-1" });
    await store.close();

    const reopened = openSqliteJobStore(dir);
    const job = await reopened.get("j1");
    expect(job?.state).toEqual({ kind: "queued", requestId: "req-1" });
    expect(job?.falInput).toEqual({ prompt: "p", reference_image_urls: ["u"] });
    expect(job?.origin).toEqual(origin);
    expect((await reopened.unfinished()).map((j) => j.id)).toEqual(["j1"]);
    await reopened.transition("j1", { kind: "completed", requestId: "req-1", result: { seed: 5, images: [{ url: "x" }] } });
    await reopened.transition("j1", { kind: "delivered", requestId: "req-1", result: { seed: 5, images: [{ url: "x" }] } });
    const plan = { parts: [{ images: [0], messageId: "m1", channelId: "c" }, { images: [1] }], links: [] };
    await reopened.setDelivery("j1", plan);
    expect((await reopened.get("j1"))?.messageIds).toEqual(["m1"]);
    await reopened.setDelivery("j1", { ...plan, parts: [plan.parts[0]!, { images: [1], messageId: "m2", channelId: "c" }] });
    expect((await reopened.get("j1"))?.messageIds).toEqual(["m1", "m2"]);
    expect((await reopened.get("j1"))?.delivery?.parts.map((p) => p.messageId)).toEqual(["m1", "m2"]);
    expect(await reopened.unfinished()).toEqual([]);
    expect(await reopened.healthy()).toBe(true);
    await reopened.close();
  });

  it("when a forbidden transition is asked for, then it throws and the state is unchanged", async () => {
    const store = openSqliteJobStore(freshDir());
    await store.create({ id: "j2", origin, settings });
    await expect(store.transition("j2", { kind: "delivered", requestId: "r", result: { seed: 1, images: [] } })).rejects.toThrow(/cannot go from pending/);
    expect((await store.get("j2"))?.state).toEqual({ kind: "pending" });
    await store.close();
  });
});
