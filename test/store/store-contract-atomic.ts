import { describe, expect, it } from "vitest";
import { CharacterNotFoundError } from "../../src/store/character-store.js";
import type { Stores } from "../../src/store/sql/open-stores.js";
import { StoryEndedError } from "../../src/store/story-store.js";
import { freshStoresEachTest, type StoreOpener } from "./store-contract.js";

/** The default lease (openStores' DEFAULT_LEASE_MS). */
const LEASE = 20_000;
const request = { userId: "u1", applicationId: "app", interactionToken: "tok", interactionAt: 1000, attachmentSizeLimit: 10 * 1024 * 1024 };
const newStory = (id: string) => ({ id, guildId: "g", channelId: "c", threadId: `t-${id}`, title: "T", creatorId: "u1", cast: [], defaults: {} });
const scene = (i: number) => ({ storyId: "s", jobId: `j${i}`, authorId: "u", authorName: "Ann", prompt: `scene ${i}`, characterName: "Mira" });
const character = (id: string, name: string) => ({
  id, scope: "g:1", name, referenceUrl: `https://fal/${id}.png`, maskUrl: undefined, description: undefined, creatorId: "u1",
});

/**
 * Read-modify-write operations that several processes on one database may run at the same
 * moment (settings, cast, scenes after the end, renames of deleted characters), and storybook
 * leases. Part of the store contract: run on both dialects beside describeStoreContract.
 */
export function describeAtomicStoreContract(name: string, opener: StoreOpener): void {
  describe(`${name} store contract: atomic changes and storybook leases`, () => {
    const { time, fresh } = freshStoresEachTest(opener);
    /** n instances that race: separate ones (own pools) where the dialect has them, as processes would be. */
    const racers = async (opened: Awaited<ReturnType<typeof fresh>>, n: number): Promise<Stores[]> => {
      const all = [opened.stores];
      for (let i = 1; i < n; i++) all.push(opener.separateInstances ? await opened.open() : opened.stores);
      return all;
    };
    /** n instances with their own identities (lease owners), whatever the dialect. */
    const processes = async (opened: Awaited<ReturnType<typeof fresh>>, n: number): Promise<Stores[]> => {
      const all = [opened.stores];
      for (let i = 1; i < n; i++) all.push(await opened.open());
      return all;
    };

    describe("settings", () => {
      it("when 24 admins on three instances each allow a different channel at the same moment, then every channel is kept", async () => {
        const opened = await fresh();
        const instances = await racers(opened, 3);
        await opened.stores.servers.saveSettings("g", { dailyImageLimit: 5 });
        const saved = await Promise.all(
          Array.from({ length: 24 }, (_, i) =>
            instances[i % 3]!.servers.updateSettings("g", (current) => ({ ...current, allowedChannels: [...(current.allowedChannels ?? []), `c${i}`] })),
          ),
        );
        const final = await opened.stores.servers.settings("g");
        expect([...(final.allowedChannels ?? [])].sort()).toEqual(Array.from({ length: 24 }, (_, i) => `c${i}`).sort());
        expect(final.dailyImageLimit).toBe(5);
        // Each resolved with what it wrote: the last writer saw all 24.
        expect(Math.max(...saved.map((s) => s.allowedChannels?.length ?? 0))).toBe(24);
      });

      it("when a change throws, then nothing is written and the error comes out as thrown; a server with no settings starts from none", async () => {
        const { stores } = await fresh();
        const refusal = new Error("default count above the maximum");
        await expect(stores.servers.updateSettings("g", () => { throw refusal; })).rejects.toBe(refusal);
        expect(await stores.servers.settings("g")).toEqual({});
        const seen: unknown[] = [];
        expect(await stores.servers.updateSettings("g", (current) => (seen.push(current), { maxCount: 2 }))).toEqual({ maxCount: 2 });
        expect(seen).toEqual([{}]);
        expect(await stores.servers.settings("g")).toEqual({ maxCount: 2 });
      });
    });

    describe("cast", () => {
      it("when 20 members on three instances each add a different character at the same moment, then the cast has all 20", async () => {
        const opened = await fresh();
        const instances = await racers(opened, 3);
        await opened.stores.stories.create({ ...newStory("s"), cast: ["lead"] });
        await Promise.all(Array.from({ length: 20 }, (_, i) => instances[i % 3]!.stories.updateCast("s", (cast) => [...cast, `c${i}`])));
        const cast = (await opened.stores.stories.byId("s"))!.cast;
        expect(cast[0]).toBe("lead");
        expect([...cast].sort()).toEqual(["lead", ...Array.from({ length: 20 }, (_, i) => `c${i}`)].sort());
      });

      it("when a cast change throws, then the cast is unchanged and the error comes out as thrown; a missing story rejects", async () => {
        const { stores } = await fresh();
        await stores.stories.create({ ...newStory("s"), cast: ["a", "b"] });
        const refusal = new Error("not in the cast");
        await expect(stores.stories.updateCast("s", () => { throw refusal; })).rejects.toBe(refusal);
        expect((await stores.stories.updateCast("s", (cast) => cast.filter((id) => id !== "a"))).cast).toEqual(["b"]);
        await expect(stores.stories.updateCast("missing", (cast) => cast)).rejects.toThrow(/not found/);
      });
    });

    describe("scenes after the end", () => {
      it("when a story has ended, then addScene rejects with StoryEndedError and writes nothing", async () => {
        const { stores } = await fresh();
        await stores.stories.create(newStory("s"));
        expect((await stores.stories.addScene(scene(1))).number).toBe(1);
        await stores.stories.end("s");
        await expect(stores.stories.addScene(scene(2))).rejects.toBeInstanceOf(StoryEndedError);
        await stores.stories.create(newStory("s2"));
        await stores.stories.beginStorybook("s2", request); // ending by building the storybook ends it too
        await expect(stores.stories.addScene({ ...scene(3), storyId: "s2" })).rejects.toBeInstanceOf(StoryEndedError);
        expect((await stores.stories.scenes("s")).map((s) => s.jobId)).toEqual(["j1"]);
        expect(await stores.stories.scenes("s2")).toEqual([]);
      });

      it("when the end is being written by another instance while a scene is added, then the scene waits for it and is refused", async () => {
        const opened = await fresh();
        const [ender, adder] = await racers(opened, 2);
        await opened.stores.stories.create(newStory("s"));
        let commit = () => {};
        const held = new Promise<void>((resolve) => (commit = resolve));
        let ending!: Promise<void>;
        const updated = new Promise<void>((resolve) => {
          // The end, written but not committed yet: a scene read now must not see the story as open.
          ending = ender!.db.transaction().execute(async (trx) => {
            await trx.updateTable("stories").set({ ended_at: time.ms }).where("id", "=", "s").execute();
            resolve();
            await held;
          });
        });
        await updated;
        const adding = adder!.stories.addScene(scene(1)).then(
          () => "added",
          (error: unknown) => error,
        );
        await new Promise((resolve) => setTimeout(resolve, 150));
        commit();
        await ending;
        expect(await adding).toBeInstanceOf(StoryEndedError);
        expect(await opened.stores.stories.scenes("s")).toEqual([]);
      });
    });

    describe("characters", () => {
      it("when a character was deleted before its rename, then rename rejects with CharacterNotFoundError", async () => {
        const opened = await fresh();
        const [a, b] = await racers(opened, 2);
        await a!.characters.create(character("c1", "Mira"));
        await b!.characters.delete("c1");
        const renamed = a!.characters.rename("c1", "Mara");
        await expect(renamed).rejects.toBeInstanceOf(CharacterNotFoundError);
        await expect(renamed).rejects.toMatchObject({ characterId: "c1" });
        expect(await a!.characters.byName("g:1", "Mara")).toBeUndefined();
      });
    });

    describe("storybook leases", () => {
      it("when the builder stops renewing, then its storybook is claimed by another instance once the lease has run out, and not before", async () => {
        const opened = await fresh();
        const [a, b] = await processes(opened, 2);
        await a!.stories.create(newStory("s"));
        expect((await a!.stories.beginStorybook("s", request))?.storybook.kind).toBe("building");
        expect(await b!.stories.claimStorybooks()).toEqual([]);
        // Renewed while it builds: never claimed, however long that takes.
        for (let i = 0; i < 3; i++) {
          time.ms += LEASE / 2;
          expect(await a!.stories.renewStorybooks()).toEqual([]);
          expect(await b!.stories.claimStorybooks()).toEqual([]);
        }
        time.ms += LEASE; // exactly at the lease's end: still a's
        expect(await b!.stories.claimStorybooks()).toEqual([]);
        time.ms += 1;
        const claimed = await b!.stories.claimStorybooks();
        expect(claimed.map((s) => [s.id, s.storybook.kind])).toEqual([["s", "building"]]);
        expect(claimed[0]!.storybook).toMatchObject({ request });
        expect(await b!.stories.claimStorybooks()).toEqual([]);
        expect(await a!.stories.claimStorybooks()).toEqual([]); // b's lease is fresh
        expect(await a!.stories.renewStorybooks()).toEqual(["s"]); // a learns it lost it, once
        expect(await a!.stories.renewStorybooks()).toEqual([]);
        expect([await a!.stories.ownsStorybook("s"), await b!.stories.ownsStorybook("s")]).toEqual([false, true]);
        // The one that lost it cannot record an outcome over the new owner's build.
        expect((await a!.stories.settleStorybook("s", { kind: "failed", reason: "late" })).storybook.kind).toBe("building");
        expect(await b!.stories.ownsStorybook("s")).toBe(true);
        await b!.stories.settleStorybook("s", { kind: "posted", messageId: "m1" });
        expect(await b!.stories.ownsStorybook("s")).toBe(false);
        time.ms += 10 * LEASE;
        expect(await a!.stories.claimStorybooks()).toEqual([]); // settled: nothing to take over
        expect(await b!.stories.renewStorybooks()).toEqual([]);
      });

      it("when a process stops cleanly, then its storybooks are claimed at once; a start with `everything` claims all not its own", async () => {
        const opened = await fresh();
        const [a, b, c] = await processes(opened, 3);
        await a!.stories.create(newStory("released"));
        await a!.stories.create(newStory("held"));
        await a!.stories.beginStorybook("released", request);
        time.ms += 1;
        await b!.stories.beginStorybook("held", request);
        await a!.stories.releaseStorybooks();
        expect(await a!.stories.ownsStorybook("released")).toBe(false);
        expect((await c!.stories.claimStorybooks()).map((s) => s.id)).toEqual(["released"]);
        // As SQLite does at start (the only process): every building storybook, leases or not.
        expect((await a!.stories.claimStorybooks({ everything: true })).map((s) => s.id)).toEqual(["released", "held"]);
        expect(await a!.stories.claimStorybooks({ everything: true })).toEqual([]); // already its own
        expect(await b!.stories.renewStorybooks()).toEqual(["held"]);
      });

      it("when instances scan at the same moment, then each orphaned storybook is claimed by exactly one", async () => {
        const opened = await fresh();
        const [dead, ...scanners] = await processes(opened, 4);
        const ids = Array.from({ length: 8 }, (_, i) => `s${i}`);
        for (const id of ids) {
          await dead!.stories.create(newStory(id));
          await dead!.stories.beginStorybook(id, request);
        }
        time.ms += LEASE + 1;
        const claims = await Promise.all(scanners.flatMap((s) => [s.stories.claimStorybooks(), s.stories.claimStorybooks()]));
        expect(claims.flat().map((s) => s.id).sort()).toEqual(ids);
      });
    });
  });
}
