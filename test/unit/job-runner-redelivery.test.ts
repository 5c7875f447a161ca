import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { FalService } from "../../src/fal/fal-service.js";
import type { JobReporter } from "../../src/jobs/job-reporter.js";
import { createJobRunner } from "../../src/jobs/job-runner.js";
import { createJobSlots } from "../../src/jobs/job-slots.js";
import { openSqliteJobStore } from "../support/sqlite-job-store.js";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A fal that finishes every job at once: this test is about what happens after. */
const instantFal: FalService = {
  upload: async () => "https://fal/ref.png",
  resolves: async () => "live",
  submit: async () => "req-1",
  status: async () => ({ kind: "done" }),
  watch: async () => true,
  result: async () => ({ seed: 7, images: [{ url: "https://fal/out.png" }] }),
  cancel: async () => "cancelled" as const,
  download: async () => Buffer.from("png"),
  probe: async () => "ok",
};

describe("delivery when Discord stays down", () => {
  it("when every delivery attempt fails, then the job stays completed and is delivered by a later retry", async () => {
    const dir = mkdtempSync(join(tmpdir(), "storycast-redeliver-"));
    dirs.push(dir);
    const store = await openSqliteJobStore(dir);
    let calls = 0;
    const reporter: JobReporter = {
      progress: async () => undefined,
      fail: async () => undefined,
      finishDelivery: async () => undefined,
      findPostedPart: async () => undefined,
      postPart: async () => {
        calls += 1;
        if (calls <= 2) throw new Error("Discord is down");
        return { messageId: "message-1", channelId: "c" };
      },
    };
    const runner = createJobRunner({
      store, fal: instantFal, reporter, slots: createJobSlots(5), logger: pino({ level: "silent" }),
      pollIntervalMs: 10, jobTimeoutMs: 60_000, deliveryAttempts: 2, deliveryBackoffMs: 5, redeliveryDelayMs: 50,
    });
    const job = await store.create({
      id: "job-1",
      origin: { userId: "u", guildId: "g", channelId: "c", applicationId: "a", interactionToken: "t", interactionAt: Date.now(), attachmentSizeLimit: 1e7, private: false },
      settings: { prompt: "p", imageSize: "square_hd", speed: "BALANCED", numImages: 1 },
    });
    await runner.start(job, async () => ({ reference: { url: "https://fal/ref.png" } }));
    expect(calls).toBe(2);
    expect((await store.get("job-1"))?.state.kind).toBe("completed"); // nothing lost, nothing marked failed
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(calls).toBe(3);
    expect((await store.get("job-1"))?.state.kind).toBe("delivered");
    expect((await store.get("job-1"))?.messageIds).toEqual(["message-1"]);
    await store.close();
  });
});
