import { afterEach, describe, expect, it } from "vitest";
import type { JobKind } from "../../src/domain/fal-endpoints.js";
import type { JobOrigin } from "../../src/domain/job.js";
import type { Prices } from "../../src/domain/pricing.js";
import { DuplicateCharacterError } from "../../src/store/character-store.js";
import { LeaseLostError, type AdmissionCheck, type NewJob } from "../../src/store/job-store.js";
import type { Stores } from "../../src/store/sql/open-stores.js";

/** A store implementation under test: how to get a fresh database, and more openers of it. */
export interface StoreOpener {
  /** Opens the stores on a new, empty database; `open` opens one more instance on that same database. */
  fresh(now: () => number): Promise<{ stores: Stores; open(): Promise<Stores>; dispose(): Promise<void> }>;
  /**
   * Instances that race in the concurrency tests. PostgreSQL: separate openStores (separate pools),
   * as separate processes would be. SQLite is the one-process store: the same instance, shared.
   */
  separateInstances: boolean;
}

const DAY = 86_400_000;
/** 2100-01-01T00:00:00Z: beyond 32 bits and beyond any INTEGER column that is not 64-bit. */
export const START = Date.UTC(2100, 0, 1);
/** Rows without a stored cost (the first release's) are priced by speed at the character price. */
const PRICES: Prices = { character: { TURBO: 0.03, BALANCED: 0.06, QUALITY: 0.09 }, edit: { TURBO: 1, BALANCED: 1, QUALITY: 1 }, remix: { TURBO: 1, BALANCED: 1, QUALITY: 1 }, upscale: 1 };

const origin = (overrides: Partial<JobOrigin> = {}): JobOrigin => ({
  userId: "1", guildId: "2", channelId: "3", applicationId: "4", interactionToken: "tok", interactionAt: 0, attachmentSizeLimit: 1000, private: false,
  ...overrides,
});
const settings = { prompt: "p", imageSize: "square_hd", speed: "BALANCED", numImages: 1 } as const;
const newJob = (id: string, overrides: Partial<NewJob> = {}): NewJob => ({ id, origin: origin(), settings, ...overrides });
const result = (...urls: string[]) => ({ seed: 5, images: urls.map((url) => ({ url })) });
const request = { userId: "u1", applicationId: "app", interactionToken: "tok", interactionAt: 1000, attachmentSizeLimit: 10 * 1024 * 1024 };
const character = (id: string, name: string, scope = "g:1") => ({
  id, scope, name, referenceUrl: `https://fal/${id}.png`, maskUrl: undefined, description: undefined, creatorId: "u1",
});

class LimitReached extends Error {}
/** The default lease (openStores' DEFAULT_LEASE_MS). */
const LEASE = 20_000;

/**
 * The set-up of every store-contract file: `fresh()` opens the stores on a new database whose
 * clock reads `time.ms`, which a test moves; each test starts at START, and what it
 * opened is disposed after it. Call inside a describe.
 */
export function freshStoresEachTest(opener: StoreOpener) {
  const time = { ms: START };
  const now = () => time.ms;
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const fresh = async () => {
    time.ms = START;
    const opened = await opener.fresh(now);
    cleanups.push(opened.dispose);
    return opened;
  };
  return { time, now, fresh };
}

export function describeStoreContract(name: string, opener: StoreOpener): void {
  describe(`${name} store contract`, () => {
    const { time, fresh } = freshStoresEachTest(opener);
    /** n instances on one database: separate ones where the dialect has them. */
    const racers = async (opened: Awaited<ReturnType<typeof fresh>>, n: number): Promise<Stores[]> => {
      const all = [opened.stores];
      for (let i = 1; i < n; i++) all.push(opener.separateInstances ? await opened.open() : opened.stores);
      return all;
    };

    describe("jobs", () => {
      it("when a job moves through its states, then every state survives reopening the database", async () => {
        const opened = await fresh();
        const store = opened.stores.jobs;
        await store.create(newJob("j1"));
        await store.setFalInput("j1", { prompt: "p", reference_image_urls: ["u"] });
        await store.transition("j1", { kind: "submitting" });
        await store.transition("j1", { kind: "queued", requestId: "req-1" });
        await store.close();

        const reopened = (await opened.open()).jobs;
        // As a process does at start: the jobs of the one before are its own now.
        expect((await reopened.claimOrphans(10, { everything: true })).map((j) => j.id)).toEqual(["j1"]);
        const job = await reopened.get("j1");
        expect(job?.state).toEqual({ kind: "queued", requestId: "req-1" });
        expect(job?.falInput).toEqual({ prompt: "p", reference_image_urls: ["u"] });
        expect(job?.origin).toEqual(origin());
        expect(job?.settings).toEqual(settings);
        expect((await reopened.unfinished()).map((j) => j.id)).toEqual(["j1"]);
        await reopened.transition("j1", { kind: "completed", requestId: "req-1", result: result("x") });
        await reopened.transition("j1", { kind: "delivered", requestId: "req-1", result: result("x") });
        const plan = { parts: [{ images: [0], messageId: "m1", channelId: "c" }, { images: [1] }], links: [] };
        await reopened.setDelivery("j1", plan);
        expect((await reopened.get("j1"))?.messageIds).toEqual(["m1"]);
        await reopened.setDelivery("j1", { ...plan, parts: [plan.parts[0]!, { images: [1], messageId: "m2", channelId: "c" }] });
        expect((await reopened.get("j1"))?.messageIds).toEqual(["m1", "m2"]);
        expect((await reopened.get("j1"))?.delivery?.parts.map((p) => p.messageId)).toEqual(["m1", "m2"]);
        expect(await reopened.unfinished()).toEqual([]);
        expect(await reopened.healthy()).toBe(true);
        await reopened.close();
        expect(await reopened.healthy()).toBe(false);
      });

      it("when a forbidden transition is asked for, then it rejects and the state is unchanged", async () => {
        const { stores } = await fresh();
        await stores.jobs.create(newJob("j2"));
        await expect(stores.jobs.transition("j2", { kind: "delivered", requestId: "r", result: result() })).rejects.toThrow(/cannot go from pending/);
        expect((await stores.jobs.get("j2"))?.state).toEqual({ kind: "pending" });
        await expect(stores.jobs.transition("missing", { kind: "submitting" })).rejects.toThrow(/not found/);
        expect(await stores.jobs.get("missing")).toBeUndefined();
      });

      it("when a job is created, then its fields, reroll, request id and times come back as written", async () => {
        const { stores } = await fresh();
        const created = await stores.jobs.create(newJob("j3", { rerollOf: "j0", characterId: "c1", falInput: { prompt: "p", reference_image_urls: ["r"] } }));
        expect(created).toMatchObject({ id: "j3", createdAt: START, updatedAt: START, rerollOf: "j0", messageIds: [], delivery: null, state: { kind: "pending" } });
        expect(created.falInput).toEqual({ prompt: "p", reference_image_urls: ["r"] });
        expect(typeof created.createdAt).toBe("number");
        time.ms += 5;
        await stores.jobs.transition("j3", { kind: "submitting" });
        await stores.jobs.transition("j3", { kind: "queued", requestId: "req-9", acceptedAt: START + 5 });
        // A later state without a request id keeps the one fal gave.
        const cancelled = await stores.jobs.transition("j3", { kind: "cancelled" });
        expect(cancelled).toMatchObject({ updatedAt: START + 5, createdAt: START, state: { kind: "cancelled" } });
        // ... which counts it as chargeable (fal saw it): the request id is kept in its column.
        expect(await stores.servers.memberImagesSince("2", "1", 0)).toBe(1);
      });

      it("when jobs are unfinished, then they are listed oldest first and finished ones are left out", async () => {
        const { stores } = await fresh();
        for (const id of ["b", "a", "c", "d"]) {
          await stores.jobs.create(newJob(id));
          time.ms += 1000;
        }
        await stores.jobs.transition("c", { kind: "failed", reason: "no" });
        await stores.jobs.transition("d", { kind: "submitting" });
        expect((await stores.jobs.unfinished()).map((job) => job.id)).toEqual(["b", "a", "d"]);
      });

      it("when a job has an emoji and a very long prompt, then both round-trip exactly", async () => {
        const { stores } = await fresh();
        const prompt = `🦊 a fox in the 雪 — "quoted" \\ 'single' ${"ß🌲".repeat(50_000)} end 👩‍👩‍👧`;
        await stores.jobs.create({ id: "emoji", origin: origin({ caption: "Scene 3 ✨" }), settings: { ...settings, prompt } });
        const job = await stores.jobs.get("emoji");
        expect(job?.settings.prompt).toBe(prompt);
        expect(job?.origin.caption).toBe("Scene 3 ✨");
      });

      it("when timestamps are beyond 32 bits, then they come back as the same JS numbers", async () => {
        const { stores } = await fresh();
        time.ms = 8_640_000_000_000_000 / 1000; // year ~2243: still far beyond 2^32 and 2^41
        const job = await stores.jobs.create(newJob("far"));
        expect(job.createdAt).toBe(time.ms);
        expect(typeof (await stores.jobs.get("far"))?.updatedAt).toBe("number");
        const story = await stores.stories.create({ id: "s", guildId: "g", channelId: "c", threadId: "t", title: "T", creatorId: "u", cast: [], defaults: {} });
        expect(story.createdAt).toBe(time.ms);
        expect((await stores.characters.create(character("c", "Far"))).createdAt).toBe(time.ms);
      });

      it("when 30 creations race against a limit of 10 images per member per day, then exactly 10 are written and the rest get the check's error", async () => {
        const opened = await fresh();
        const instances = await racers(opened, 3);
        const thrown: LimitReached[] = [];
        const atMostTenToday: AdmissionCheck = async (usage) => {
          const used = await usage.memberImagesSince("2", "1", START - (START % DAY));
          if (used + settings.numImages > 10) {
            const refusal = new LimitReached(`limit reached: ${used} images today`);
            thrown.push(refusal);
            throw refusal;
          }
        };
        const outcomes = await Promise.allSettled(
          Array.from({ length: 30 }, (_, i) => instances[i % instances.length]!.jobs.create(newJob(`burst-${i}`), atMostTenToday)),
        );
        const accepted = outcomes.filter((outcome) => outcome.status === "fulfilled");
        const refused = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason as unknown] : []));
        expect(accepted).toHaveLength(10);
        expect(refused).toHaveLength(20);
        // The very error objects the check threw, not wrapped or replaced.
        expect(refused.every((reason) => thrown.includes(reason as LimitReached))).toBe(true);
        expect(await opened.stores.servers.memberImagesSince("2", "1", 0)).toBe(10);
        const rows = await opened.stores.db.selectFrom("jobs").select("id").execute();
        expect(rows).toHaveLength(10);
      });

      it("when an admission check refuses, then nothing is written; when it passes, it read the usage before this job", async () => {
        const { stores } = await fresh();
        await stores.jobs.create(newJob("first", { settings: { ...settings, numImages: 3 } }));
        const seen: number[] = [];
        const refusal = new LimitReached("no");
        await expect(stores.jobs.create(newJob("refused"), () => Promise.reject(refusal))).rejects.toBe(refusal);
        expect(await stores.jobs.get("refused")).toBeUndefined();
        await stores.jobs.create(newJob("second"), async (usage) => {
          seen.push(await usage.memberImagesSince("2", "1", 0), await usage.spendSince("2", 0, PRICES));
        });
        expect(seen[0]).toBe(3);
        expect(seen[1]).toBeCloseTo(0.18);
        // A DM job (no server) is admitted too: its lock is the member's.
        await stores.jobs.create(newJob("dm", { origin: origin({ guildId: null }) }), () => undefined);
        expect((await stores.jobs.get("dm"))?.origin.guildId).toBeNull();
      });

      it("when one job is moved out of the same state twice at once, then exactly one move wins", async () => {
        const { stores } = await fresh();
        for (let round = 0; round < 5; round++) {
          const id = `race-${round}`;
          await stores.jobs.create(newJob(id));
          const outcomes = await Promise.allSettled([stores.jobs.transition(id, { kind: "submitting" }), stores.jobs.transition(id, { kind: "submitting" })]);
          expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
          const loser = outcomes.find((outcome) => outcome.status === "rejected") as PromiseRejectedResult;
          expect(String(loser.reason)).toMatch(/cannot go from submitting to submitting/);
        }
      });
    });

    /** n instances on one database, each its own connection(s), whatever the dialect: as n processes would be. */
    const processes = async (opened: Awaited<ReturnType<typeof fresh>>, n: number): Promise<Stores[]> => {
      const all = [opened.stores];
      for (let i = 1; i < n; i++) all.push(await opened.open());
      return all;
    };

    describe("leases", () => {

      it("when another instance takes a job over, then the first one's writes are refused with LeaseLostError and change nothing", async () => {
        const opened = await fresh();
        const [a, b] = await processes(opened, 2);
        await a!.jobs.create(newJob("held"));
        expect(a!.jobs.holds("held")).toBe(true);
        // b never claimed it: it may not write it either.
        await expect(b!.jobs.transition("held", { kind: "submitting" })).rejects.toBeInstanceOf(LeaseLostError);
        const taken = await b!.jobs.takeOver("held", ["pending", "queued"]);
        expect(taken?.id).toBe("held");
        await expect(a!.jobs.transition("held", { kind: "submitting" })).rejects.toBeInstanceOf(LeaseLostError);
        await expect(a!.jobs.setFalInput("held", { prompt: "late", reference_image_urls: ["u"] })).rejects.toBeInstanceOf(LeaseLostError);
        await expect(a!.jobs.setDelivery("held", { parts: [{ images: [0] }], links: [] })).rejects.toBeInstanceOf(LeaseLostError);
        expect(a!.jobs.holds("held")).toBe(false);
        const row = await b!.jobs.get("held");
        expect(row?.state.kind).toBe("pending");
        expect(row?.falInput).toBeNull();
        await b!.jobs.transition("held", { kind: "submitting" });
        expect(await a!.jobs.renewLeases()).toEqual([]); // already known lost, no longer tracked
      });

      it("when a process stops renewing, then its unfinished jobs are claimed once its lease has run out, and not before", async () => {
        const opened = await fresh();
        const [a, b] = await processes(opened, 2);
        await a!.jobs.create(newJob("j-old"));
        time.ms += 1;
        await a!.jobs.create(newJob("j-new"));
        await a!.jobs.create(newJob("j-done"));
        await a!.jobs.transition("j-done", { kind: "failed", reason: "x" });
        time.ms += LEASE / 2;
        expect(await b!.jobs.claimOrphans(10)).toEqual([]);
        time.ms += LEASE / 2 + 1;
        expect((await b!.jobs.claimOrphans(1)).map((j) => j.id)).toEqual(["j-old"]);
        expect((await b!.jobs.claimOrphans(10)).map((j) => j.id)).toEqual(["j-new"]);
        expect(await b!.jobs.claimOrphans(10)).toEqual([]);
        expect(await a!.jobs.renewLeases()).toEqual(["j-old", "j-new"]);
        await expect(a!.jobs.transition("j-new", { kind: "submitting" })).rejects.toBeInstanceOf(LeaseLostError);
      });

      it("when a process renews its leases, then its jobs are not claimed however long it works", async () => {
        const opened = await fresh();
        const [a, b] = await processes(opened, 2);
        await a!.jobs.create(newJob("busy"));
        for (let i = 0; i < 5; i++) {
          time.ms += LEASE / 2;
          expect(await a!.jobs.renewLeases()).toEqual([]);
          expect(await b!.jobs.claimOrphans(10)).toEqual([]);
        }
        await a!.jobs.transition("busy", { kind: "submitting" });
      });

      it("when a process stops cleanly, then its jobs are claimed at once; a start with `everything` claims all unfinished jobs", async () => {
        const opened = await fresh();
        const [a] = await processes(opened, 1);
        await a!.jobs.create(newJob("left"));
        await a!.jobs.releaseLeases();
        expect(a!.jobs.holds("left")).toBe(false);
        const next = await opened.open();
        expect((await next.jobs.claimOrphans(10)).map((j) => j.id)).toEqual(["left"]);
        const after = await opened.open();
        expect((await after.jobs.claimOrphans(10, { everything: true })).map((j) => j.id)).toEqual(["left"]);
        await after.jobs.transition("left", { kind: "submitting" });
      });

      it("when instances scan for orphans at the same moment, then each orphan is claimed by exactly one", async () => {
        const opened = await fresh();
        const [dead, ...scanners] = await processes(opened, 3);
        for (let i = 0; i < 12; i++) await dead!.jobs.create(newJob(`orphan-${String(i).padStart(2, "0")}`));
        await dead!.jobs.close();
        time.ms += LEASE + 1;
        const claims = await Promise.all(scanners.flatMap((s) => [s.jobs.claimOrphans(5), s.jobs.claimOrphans(5), s.jobs.claimOrphans(5)]));
        const ids = claims.flat().map((j) => j.id);
        expect(ids.sort()).toEqual(Array.from({ length: 12 }, (_, i) => `orphan-${String(i).padStart(2, "0")}`));
      });
    });

    describe("the fal line", () => {
      it("when more jobs want fal than the cap allows, then the rest wait in the order they arrived, across instances", async () => {
        const opened = await fresh();
        const [a, b, c] = await processes(opened, 3);
        for (const [store, id] of [[a, "f1"], [b, "f2"], [c, "f3"], [a, "f4"]] as const) {
          await store!.jobs.create(newJob(id));
          time.ms += 1;
        }
        expect(await a!.jobs.enterFal("f1", 2)).toEqual({ granted: true });
        expect(await b!.jobs.enterFal("f2", 2)).toEqual({ granted: true });
        expect(await a!.jobs.enterFal("f4", 2)).toEqual({ granted: false, position: 1 });
        time.ms += 1;
        expect(await c!.jobs.enterFal("f3", 2)).toEqual({ granted: false, position: 2 });
        // Asking again changes nothing: a grant is kept, a place is kept.
        expect(await a!.jobs.enterFal("f1", 2)).toEqual({ granted: true });
        expect(await a!.jobs.enterFal("f4", 2)).toEqual({ granted: false, position: 1 });
        // f1 goes to fal and finishes: its place frees; f4 (waiting longest) gets it, not f3.
        await a!.jobs.transition("f1", { kind: "submitting" });
        await a!.jobs.transition("f1", { kind: "queued", requestId: "r1" });
        expect(await c!.jobs.enterFal("f3", 2)).toEqual({ granted: false, position: 2 });
        await a!.jobs.transition("f1", { kind: "completed", requestId: "r1", result: result("x") });
        expect(await c!.jobs.enterFal("f3", 2)).toEqual({ granted: false, position: 2 });
        expect(await a!.jobs.enterFal("f4", 2)).toEqual({ granted: true });
        expect(await c!.jobs.enterFal("f3", 2)).toEqual({ granted: false, position: 1 });
        // f2 is refused by fal before it is submitted: no longer pending, no longer counted.
        await b!.jobs.transition("f2", { kind: "failed", reason: "x" });
        expect(await c!.jobs.enterFal("f3", 2)).toEqual({ granted: true });
      });

      it("when a job leaves the line, or its process died while it waited, then it holds nobody up", async () => {
        const opened = await fresh();
        const [a, b] = await processes(opened, 2);
        await a!.jobs.create(newJob("busy"));
        await a!.jobs.create(newJob("left"));
        await a!.jobs.create(newJob("dead"));
        time.ms += 1;
        await b!.jobs.create(newJob("mine"));
        expect(await a!.jobs.enterFal("busy", 1)).toEqual({ granted: true });
        expect(await a!.jobs.enterFal("left", 1)).toEqual({ granted: false, position: 1 });
        time.ms += 1;
        expect(await a!.jobs.enterFal("dead", 1)).toEqual({ granted: false, position: 2 });
        time.ms += 1;
        expect(await b!.jobs.enterFal("mine", 1)).toEqual({ granted: false, position: 3 });
        await a!.jobs.leaveFalLine("left");
        expect(await b!.jobs.enterFal("mine", 1)).toEqual({ granted: false, position: 2 });
        // a stops renewing: its waiting job no longer counts ahead; its granted one still holds its place.
        time.ms += LEASE + 1;
        await b!.jobs.renewLeases();
        expect(await b!.jobs.enterFal("mine", 1)).toEqual({ granted: false, position: 1 });
        await a!.jobs.close();
        const [taken] = await b!.jobs.claimOrphans(1);
        expect(taken?.id).toBe("busy");
        await b!.jobs.transition("busy", { kind: "failed", reason: "x" });
        expect(await b!.jobs.enterFal("mine", 1)).toEqual({ granted: true });
      });
    });

    describe("characters", () => {
      it("when characters are saved with copies of their images, then the bytes come back as Buffers and lists skip them", async () => {
        const { stores } = await fresh();
        const characters = stores.characters;
        const reference = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
        const mask = Buffer.from("mask bytes\0with a nul");
        await characters.create({
          ...character("new", "New"),
          maskUrl: "https://fal/m.png",
          description: "a fox",
          images: { reference: { bytes: reference, contentType: "image/png" }, mask: { bytes: mask, contentType: "image/webp" } },
        });
        await characters.create(character("old", "Old"));
        const copies = await characters.storedImages("new");
        expect(Buffer.isBuffer(copies.reference?.bytes)).toBe(true);
        expect(copies.reference?.bytes.equals(reference)).toBe(true);
        expect(copies.reference?.contentType).toBe("image/png");
        expect(copies.mask?.bytes.equals(mask)).toBe(true);
        expect(await characters.storedImages("old")).toEqual({});
        expect(await characters.storedImages("missing")).toEqual({});
        expect((await characters.list("g:1", 0, 10)).characters.map((c) => c.name)).toEqual(["New", "Old"]);
        expect(await characters.byId("new")).toEqual({
          id: "new", scope: "g:1", name: "New", referenceUrl: "https://fal/new.png", maskUrl: "https://fal/m.png", description: "a fox", creatorId: "u1", createdAt: START, timesUsed: 0,
        });
        // Hosting again updates only the URLs it is given.
        expect(await characters.rehosted("new", { referenceUrl: "https://fal/b.png" })).toMatchObject({ referenceUrl: "https://fal/b.png", maskUrl: "https://fal/m.png" });
        expect(await characters.rehosted("new", { maskUrl: "https://fal/m2.png" })).toMatchObject({ referenceUrl: "https://fal/b.png", maskUrl: "https://fal/m2.png" });
      });

      it("when a name is taken in a scope, ignoring case, then create and rename reject with DuplicateCharacterError; other scopes are free", async () => {
        const { stores } = await fresh();
        const characters = stores.characters;
        await characters.create(character("a", "Mira"));
        await characters.create(character("b", "Tom"));
        const duplicate = characters.create(character("c", "MIRA"));
        await expect(duplicate).rejects.toBeInstanceOf(DuplicateCharacterError);
        await expect(duplicate).rejects.toMatchObject({ characterName: "MIRA" });
        await expect(characters.rename("b", "mira")).rejects.toBeInstanceOf(DuplicateCharacterError);
        expect((await characters.byId("b"))?.name).toBe("Tom");
        expect((await characters.create(character("d", "Mira", "g:2"))).scope).toBe("g:2");
        expect((await characters.rename("b", "TOMMY")).name).toBe("TOMMY");
        expect((await characters.byName("g:1", "tommy"))?.id).toBe("b");
        // Another clash (the same id) is not a name clash: it is not reported as one.
        const sameId = await characters.create(character("a", "Other")).catch((error: unknown) => error);
        expect(sameId).toBeInstanceOf(Error);
        expect(sameId).not.toBeInstanceOf(DuplicateCharacterError);
      });

      it("when characters are searched, listed, used and deleted, then the results follow the old store's rules", async () => {
        const { stores } = await fresh();
        const characters = stores.characters;
        for (const [id, name] of [["1", "Amber"], ["2", "Bram"], ["3", "Cam"], ["4", "Ambrose"], ["5", "Zed"]] as const) await characters.create(character(id, name));
        await characters.create(character("x", "Amber", "g:other"));
        // Names starting with the text first, then names containing it.
        expect((await characters.search("g:1", " am ", 10)).map((c) => c.name)).toEqual(["Amber", "Ambrose", "Bram", "Cam"]);
        expect((await characters.search("g:1", "am", 2)).map((c) => c.name)).toEqual(["Amber", "Ambrose"]);
        const page = await characters.list("g:1", 1, 2);
        expect(page.characters.map((c) => c.name)).toEqual(["Ambrose", "Bram"]);
        expect(page.total).toBe(5);
        expect(typeof page.total).toBe("number");
        await characters.recordUse("1");
        await characters.recordUse("1");
        expect((await characters.byId("1"))?.timesUsed).toBe(2);
        await characters.delete("1");
        expect(await characters.byId("1")).toBeUndefined();
        expect((await characters.byName("g:other", "AMBER"))?.id).toBe("x");
      });

      it("when jobs used a character, then its recent scenes are the delivered, non-private ones, newest first", async () => {
        const { stores } = await fresh();
        await stores.characters.create(character("hero", "Hero"));
        const deliver = async (id: string, urls: string[], isPrivate = false) => {
          await stores.jobs.create({ id, origin: origin({ private: isPrivate }), settings, characterId: "hero" });
          await stores.jobs.transition(id, { kind: "submitting" });
          await stores.jobs.transition(id, { kind: "queued", requestId: id });
          await stores.jobs.transition(id, { kind: "completed", requestId: id, result: result(...urls) });
          await stores.jobs.transition(id, { kind: "delivered", requestId: id, result: result(...urls) });
          time.ms += 1000;
        };
        await deliver("old", ["o1"]);
        await deliver("private", ["p1"], true);
        await deliver("new", ["n1", "n2"]);
        await stores.jobs.create({ id: "pending", origin: origin(), settings, characterId: "hero" });
        expect(await stores.characters.recentScenes("hero", 10)).toEqual(["n1", "n2", "o1"]);
        expect(await stores.characters.recentScenes("hero", 2)).toEqual(["n1", "n2"]);
      });
    });

    describe("servers", () => {
      it("when settings are saved twice, then the last ones are read; an unknown server has none", async () => {
        const { stores } = await fresh();
        expect(await stores.servers.settings("g")).toEqual({});
        await stores.servers.saveSettings("g", { dailyImageLimit: 5, allowedChannels: ["c1"] });
        await stores.servers.saveSettings("g", { dailyImageLimit: 7, monthlySpendCapUsd: 2.5 });
        expect(await stores.servers.settings("g")).toEqual({ dailyImageLimit: 7, monthlySpendCapUsd: 2.5 });
        expect(await stores.servers.settings("other")).toEqual({});
      });

      it("when jobs ran, then usage counts every job that may have cost money, as numbers, by member and by UTC day", async () => {
        const { stores } = await fresh();
        const job = async (id: string, userId: string, speed: "TURBO" | "BALANCED" | "QUALITY", numImages: number) =>
          stores.jobs.create({ id, origin: origin({ userId }), settings: { ...settings, speed, numImages } });
        await job("a", "u1", "TURBO", 2);
        await job("b", "u2", "QUALITY", 4);
        await job("free", "u1", "QUALITY", 4);
        await stores.jobs.transition("free", { kind: "failed", reason: "before fal" }); // never reached fal: free
        await job("paid", "u1", "BALANCED", 1);
        await stores.jobs.transition("paid", { kind: "submitting" });
        await stores.jobs.transition("paid", { kind: "queued", requestId: "r" });
        await stores.jobs.transition("paid", { kind: "failed", reason: "after fal", requestId: "r" }); // fal saw it: counted
        time.ms += DAY;
        await job("next-day", "u1", "TURBO", 3);
        await stores.jobs.create({ id: "other-server", origin: origin({ guildId: "9" }), settings });

        expect(await stores.servers.memberImagesSince("2", "u1", 0)).toBe(6);
        expect(await stores.servers.memberImagesSince("2", "u1", START + DAY)).toBe(3);
        expect(await stores.servers.memberImagesSince("2", "nobody", 0)).toBe(0);
        expect(await stores.servers.spendSince("2", 0, PRICES)).toBeCloseTo(2 * 0.03 + 4 * 0.09 + 0.06 + 3 * 0.03);
        expect(await stores.servers.spendSince("2", START + 2 * DAY, PRICES)).toBe(0);
        const byMember = await stores.servers.usageByMemberSince("2", 0, PRICES);
        expect(byMember.map((m) => [m.userId, m.images])).toEqual([["u2", 4], ["u1", 6]]);
        expect(byMember[0]?.spendUsd).toBeCloseTo(0.36);
        const byDay = await stores.servers.usageByDaySince("2", 0, PRICES);
        expect(byDay.map((d) => [d.day, d.images])).toEqual([["2100-01-01", 7], ["2100-01-02", 3]]);
        expect(byDay[1]?.spendUsd).toBeCloseTo(0.09);
        expect(typeof byDay[0]?.images).toBe("number");
      });

      it("when jobs of every kind ran, then usage per kind sums their stored costs, for the server or one member", async () => {
        const { stores } = await fresh();
        const job = (id: string, userId: string, kind: JobKind | undefined, numImages: number, costUsd: number | undefined, guildId = "2") =>
          stores.jobs.create({ id, origin: origin({ userId, guildId }), settings: { ...settings, numImages, ...(kind ? { kind } : {}) }, ...(costUsd !== undefined ? { costUsd } : {}) });
        await job("i1", "u1", "imagine", 2, 0.3);
        await job("legacy", "u2", undefined, 3, undefined); // no kind, no stored cost: an imagine at the Balanced character price
        await job("e1", "u1", "edit", 1, 0.5);
        await job("e2", "u2", "edit", 2, 1.25);
        await job("r1", "u1", "remix", 4, 2);
        await job("up", "u2", "upscale", 1, 0.07);
        await job("duo", "u1", "duo", 2, 0.6);
        await job("free", "u1", "remix", 8, 9);
        await stores.jobs.transition("free", { kind: "failed", reason: "before fal" }); // never reached fal: not counted
        await job("elsewhere", "u1", "upscale", 1, 5, "9");

        const byKind = await stores.servers.usageByKindSince("2", 0, PRICES);
        expect(byKind.map((k) => [k.kind, k.images])).toEqual([["remix", 4], ["edit", 3], ["duo", 2], ["imagine", 5], ["upscale", 1]]);
        const spend = Object.fromEntries(byKind.map((k) => [k.kind, k.spendUsd]));
        expect(spend.remix).toBeCloseTo(2);
        expect(spend.edit).toBeCloseTo(1.75);
        expect(spend.duo).toBeCloseTo(0.6);
        expect(spend.imagine).toBeCloseTo(0.3 + 3 * 0.06);
        expect(spend.upscale).toBeCloseTo(0.07);
        // The kinds add up to the server's spend.
        expect(byKind.reduce((sum, k) => sum + k.spendUsd, 0)).toBeCloseTo(await stores.servers.spendSince("2", 0, PRICES));

        const mine = await stores.servers.usageByKindSince("2", 0, PRICES, "u2");
        expect(mine.map((k) => [k.kind, k.images])).toEqual([["edit", 2], ["imagine", 3], ["upscale", 1]]);
        expect(mine[0]?.spendUsd).toBeCloseTo(1.25);
        expect(typeof mine[0]?.images).toBe("number");
        expect(await stores.servers.usageByKindSince("2", START + DAY, PRICES)).toEqual([]);
        expect(await stores.servers.usageByKindSince("2", 0, PRICES, "nobody")).toEqual([]);
      });
    });

    describe("stories", () => {
      it("when a storybook is built, failed, rebuilt and posted, then each state is recorded and a second build is refused", async () => {
        const { stores } = await fresh();
        const stories = stores.stories;
        await stories.create({ id: "s1", guildId: "g", channelId: "c", threadId: "t1", title: "Old", creatorId: "u1", cast: ["a", "b"], defaults: { speed: "TURBO" } });
        time.ms += 1;
        expect(await stories.end("s1")).toMatchObject({ endedAt: START + 1, storybook: { kind: "none" } });
        time.ms += 1;
        expect((await stories.end("s1")).endedAt).toBe(START + 1); // ended once
        expect(await stories.beginStorybook("s1", request)).toMatchObject({ endedAt: START + 1, storybook: { kind: "building", request } });
        expect(await stories.beginStorybook("s1", request)).toBeUndefined(); // one build at a time
        expect((await stories.buildingStorybooks()).map((s) => s.id)).toEqual(["s1"]);
        await stories.settleStorybook("s1", { kind: "failed", reason: "Discord answered HTTP 502" });
        expect(await stories.buildingStorybooks()).toEqual([]);
        expect((await stories.beginStorybook("s1", request))?.storybook.kind).toBe("building"); // a failed one may be built again
        expect((await stories.settleStorybook("s1", { kind: "posted", messageId: "m1" })).storybook).toEqual({ kind: "posted", messageId: "m1" });
        expect(await stories.beginStorybook("s1", request)).toBeUndefined(); // posted: never built twice
        // Settling is only for a building storybook.
        expect((await stories.settleStorybook("s1", { kind: "failed", reason: "late" })).storybook).toEqual({ kind: "posted", messageId: "m1" });

        const open = await stories.create({ id: "s2", guildId: "g", channelId: "c", threadId: "t2", title: "New", creatorId: "u1", cast: [], defaults: {} });
        expect(open).toMatchObject({ endedAt: undefined, storybook: { kind: "none" }, createdAt: START + 2 });
        time.ms += 1;
        expect((await stories.beginStorybook("s2", request))?.endedAt).toBe(START + 3); // ending starts: closed to new scenes
        expect(await stories.byThread("t1")).toMatchObject({ id: "s1", cast: ["a", "b"], defaults: { speed: "TURBO" }, title: "Old" });
        expect(await stories.byThread("nope")).toBeUndefined();
        expect((await stories.updateCast("s1", (cast) => cast.filter((id) => id !== "a"))).cast).toEqual(["b"]);
      });

      it("when two instances begin one storybook at once, then exactly one claims it", async () => {
        const opened = await fresh();
        const [a, b] = await racers(opened, 2);
        await a!.stories.create({ id: "s", guildId: "g", channelId: "c", threadId: "t", title: "T", creatorId: "u1", cast: [], defaults: {} });
        const claims = await Promise.all([a!.stories.beginStorybook("s", request), b!.stories.beginStorybook("s", request)]);
        expect(claims.filter((claim) => claim !== undefined)).toHaveLength(1);
      });

      it("when scenes are added from two instances at once, then they are numbered 1..n with no gap or duplicate", async () => {
        const opened = await fresh();
        const [a, b] = await racers(opened, 2);
        await a!.stories.create({ id: "s", guildId: "g", channelId: "c", threadId: "t", title: "T", creatorId: "u1", cast: [], defaults: {} });
        const scene = (i: number) => ({ storyId: "s", jobId: `j${i}`, authorId: "u", authorName: "Ann", prompt: `scene ${i} 🐉`, characterName: "Mira" });
        const added = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? b! : a!).stories.addScene(scene(i))));
        expect(added.map((s) => s.number).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        const stored = await a!.stories.scenes("s");
        expect(stored.map((s) => s.number)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        expect(stored.find((s) => s.jobId === "j3")).toEqual({ ...scene(3), number: added[3]!.number, createdAt: START });
        expect(await a!.stories.scenes("other")).toEqual([]);
      });
    });
  });
}
