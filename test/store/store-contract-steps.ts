import { describe, expect, it } from "vitest";
import type { FalInput } from "../../src/domain/fal-endpoints.js";
import type { JobOrigin } from "../../src/domain/job.js";
import { LeaseLostError, type NewJob } from "../../src/store/job-store.js";
import type { Stores } from "../../src/store/sql/open-stores.js";
import { freshStoresEachTest, START, type StoreOpener } from "./store-contract.js";


const origin: JobOrigin = { userId: "1", guildId: "2", channelId: "3", applicationId: "4", interactionToken: "tok", interactionAt: 0, attachmentSizeLimit: 1000, private: false };
const duoSettings = { prompt: "p", imageSize: "square_hd", speed: "BALANCED", numImages: 1, kind: "duo", second: { name: "Vex", placement: "left" } } as const;
/** A two-character scene as recordJob writes it: step 1 of 2, its second character hosted with its first step's input. */
const duoJob = (id: string): NewJob => ({ id, origin, settings: duoSettings, pipeline: { step: 1, steps: 2, done: [], stepCosts: [0.15, 0.15] }, costUsd: 0.3 });
const firstInput: FalInput = { prompt: "p", reference_image_urls: ["https://fal/mira.png"], image_size: "square_hd", rendering_speed: "BALANCED", num_images: 1 };
const editInput: FalInput = { prompt: "p", image_url: "https://fal/scene.png", mask_url: "https://fal/left.png", reference_image_urls: ["https://fal/vex.png"], rendering_speed: "BALANCED", num_images: 1 };
const sceneResult = { seed: 7, images: [{ url: "https://fal/scene.png" }] };
const second = { reference: "https://fal/vex.png" };

/**
 * Jobs of two fal steps (two characters in one scene): JobStore.advanceStep records a finished
 * step and moves the job on to the next in one write, under the same rules as a transition
 * (checked and written atomically, fenced by the job's lease). Part of the store contract: run
 * on both dialects beside describeStoreContract.
 */
export function describeStepsStoreContract(name: string, opener: StoreOpener): void {
  describe(`${name} store contract: jobs of two steps`, () => {
    const { time, fresh } = freshStoresEachTest(opener);
    /** n instances with their own identities (lease owners), as n processes would be. */
    const processes = async (opened: Awaited<ReturnType<typeof fresh>>, n: number): Promise<Stores[]> => {
      const all = [opened.stores];
      for (let i = 1; i < n; i++) all.push(await opened.open());
      return all;
    };
    /** A duo at fal with its first step: queued under request `req-1` (its place at fal granted first, as the runner does). */
    const queuedAtStepOne = async (stores: Stores, id: string) => {
      await stores.jobs.create(duoJob(id));
      await stores.jobs.setFalInput(id, firstInput, { step: 1, steps: 2, done: [], stepCosts: [0.15, 0.15], second });
      expect(await stores.jobs.enterFal(id, 100)).toEqual({ granted: true });
      await stores.jobs.transition(id, { kind: "submitting" });
      return stores.jobs.transition(id, { kind: "queued", requestId: `req-${id}`, acceptedAt: time.ms });
    };

    it("when step 1 of a queued duo finished, then advanceStep records it and moves the job to pending at step 2 with the edit's input, in one write that survives reopening", async () => {
      const opened = await fresh();
      const { jobs } = opened.stores;
      await queuedAtStepOne(opened.stores, "duo");
      time.ms += 5;
      const next = await jobs.advanceStep("duo", { requestId: "req-duo", input: firstInput, result: sceneResult }, editInput);
      const expected = { step: 2, steps: 2, stepCosts: [0.15, 0.15], second, done: [{ requestId: "req-duo", input: firstInput, result: sceneResult }] };
      expect(next).toMatchObject({ state: { kind: "pending" }, falInput: editInput, pipeline: expected, updatedAt: START + 5, costUsd: 0.3 });
      await jobs.close();

      const reopened = (await opened.open()).jobs;
      expect((await reopened.claimOrphans(10, { everything: true })).map((job) => job.id)).toEqual(["duo"]);
      expect(await reopened.get("duo")).toMatchObject({ state: { kind: "pending" }, falInput: editInput, pipeline: expected });
      // Step 2 then goes through the usual states under its own request id.
      await reopened.transition("duo", { kind: "submitting" });
      const queued = await reopened.transition("duo", { kind: "queued", requestId: "req-edit" });
      expect(queued.pipeline?.done.map((step) => step.requestId)).toEqual(["req-duo"]);
      await reopened.transition("duo", { kind: "completed", requestId: "req-edit", result: sceneResult });
      expect((await reopened.get("duo"))?.state).toMatchObject({ kind: "completed", requestId: "req-edit" });
    });

    it("when a duo moves on to step 2, then it keeps its place at fal; and if it ends there, its paid first step still counts", async () => {
      const { stores } = await fresh();
      await queuedAtStepOne(stores, "duo");
      await stores.jobs.create({ id: "other", origin: { ...origin, userId: "9" }, settings: { ...duoSettings, kind: "imagine" } });
      await stores.jobs.advanceStep("duo", { requestId: "req-duo", input: firstInput, result: sceneResult }, editInput);
      // Cap 1: the duo between its steps still holds the one place; it is granted again at once, the other waits.
      expect(await stores.jobs.enterFal("other", 1)).toEqual({ granted: false, position: 1 });
      expect(await stores.jobs.enterFal("duo", 1)).toEqual({ granted: true });
      // Cancelled before step 2 was submitted: fal charged step 1, so the job stays chargeable in usage.
      await stores.jobs.transition("duo", { kind: "cancelled" });
      expect(await stores.servers.memberImagesSince("2", "1", 0)).toBe(1);
      expect(await stores.jobs.enterFal("other", 1)).toEqual({ granted: true });
    });

    it("when the job is not queued, is at its last step, has one step only, or is queued under another request, then advanceStep refuses and changes nothing", async () => {
      const { stores } = await fresh();
      const { jobs } = stores;
      const finished = (requestId: string) => ({ requestId, input: firstInput, result: sceneResult });
      // Not queued: still pending at step 1.
      await jobs.create(duoJob("pending"));
      await expect(jobs.advanceStep("pending", finished("r"), editInput)).rejects.toThrow(/cannot move on from pending at step 1 of 2/);
      // At its last step: already moved on once, then queued at step 2.
      await queuedAtStepOne(stores, "last");
      await jobs.advanceStep("last", finished("req-last"), editInput);
      await jobs.transition("last", { kind: "submitting" });
      await jobs.transition("last", { kind: "queued", requestId: "req-edit" });
      await expect(jobs.advanceStep("last", finished("req-edit"), editInput)).rejects.toThrow(/cannot move on from queued at step 2 of 2/);
      // One step only (no pipeline).
      await jobs.create({ id: "single", origin, settings: { ...duoSettings, kind: "imagine" } });
      await jobs.transition("single", { kind: "submitting" });
      await jobs.transition("single", { kind: "queued", requestId: "req-single" });
      await expect(jobs.advanceStep("single", finished("req-single"), editInput)).rejects.toThrow(/cannot move on from queued at step 1 of 1/);
      // Queued, but under another request than the one said to have finished.
      await queuedAtStepOne(stores, "stale");
      await expect(jobs.advanceStep("stale", finished("req-older"), editInput)).rejects.toThrow(/cannot move on with request req-older/);
      await expect(jobs.advanceStep("missing", finished("r"), editInput)).rejects.toThrow(/not found/);

      expect(await jobs.get("pending")).toMatchObject({ state: { kind: "pending" }, pipeline: { step: 1, done: [] } });
      expect(await jobs.get("last")).toMatchObject({ state: { kind: "queued", requestId: "req-edit" }, pipeline: { step: 2 } });
      expect((await jobs.get("last"))?.pipeline?.done).toHaveLength(1);
      expect(await jobs.get("single")).toMatchObject({ state: { kind: "queued" }, pipeline: null });
      expect(await jobs.get("stale")).toMatchObject({ state: { kind: "queued", requestId: "req-stale" }, falInput: firstInput, pipeline: { step: 1, done: [] } });
    });

    it("when another process took the job over, then advanceStep from the first is refused with LeaseLostError and changes nothing; the new holder may move it on", async () => {
      const opened = await fresh();
      const [a, b] = await processes(opened, 2);
      await queuedAtStepOne(a!, "held");
      const finished = { requestId: "req-held", input: firstInput, result: sceneResult };
      // b never claimed it: it may not move it on either.
      await expect(b!.jobs.advanceStep("held", finished, editInput)).rejects.toBeInstanceOf(LeaseLostError);
      expect((await b!.jobs.takeOver("held", ["pending", "queued"]))?.id).toBe("held");
      await expect(a!.jobs.advanceStep("held", finished, editInput)).rejects.toBeInstanceOf(LeaseLostError);
      expect(a!.jobs.holds("held")).toBe(false);
      expect(await b!.jobs.get("held")).toMatchObject({ state: { kind: "queued" }, falInput: firstInput, pipeline: { step: 1, done: [] } });
      expect(await b!.jobs.advanceStep("held", finished, editInput)).toMatchObject({ state: { kind: "pending" }, pipeline: { step: 2 } });
    });

    it("when one duo is moved on twice at once, then exactly one advanceStep wins and step 1 is recorded once", async () => {
      const { stores } = await fresh();
      for (let round = 0; round < 5; round++) {
        const id = `race-${round}`;
        await queuedAtStepOne(stores, id);
        const finished = { requestId: `req-${id}`, input: firstInput, result: sceneResult };
        const outcomes = await Promise.allSettled([stores.jobs.advanceStep(id, finished, editInput), stores.jobs.advanceStep(id, finished, editInput)]);
        expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
        const loser = outcomes.find((outcome) => outcome.status === "rejected") as PromiseRejectedResult;
        expect(String(loser.reason)).toMatch(/cannot move on from pending at step 2 of 2/);
        expect((await stores.jobs.get(id))?.pipeline?.done).toHaveLength(1);
      }
    });
  });
}
