import { describe, expect, it } from "vitest";
import { admissionCheck } from "../../src/domain/admission-check.js";
import type { JobOrigin } from "../../src/domain/job.js";
import type { Prices } from "../../src/domain/pricing.js";
import type { NewJob } from "../../src/store/job-store.js";
import type { Stores } from "../../src/store/sql/open-stores.js";
import { freshStoresEachTest, START, type StoreOpener } from "./store-contract.js";

const DAY = 86_400_000;
const PRICES: Prices = { character: { TURBO: 0.03, BALANCED: 0.06, QUALITY: 0.09 }, edit: { TURBO: 1, BALANCED: 1, QUALITY: 1 }, remix: { TURBO: 1, BALANCED: 1, QUALITY: 1 }, upscale: 1 };
const settings = { prompt: "p", imageSize: "square_hd", speed: "BALANCED", numImages: 1 } as const;
const origin = (userId: string, guildId: string | null): JobOrigin => ({
  userId, guildId, channelId: "3", applicationId: "4", interactionToken: "tok", interactionAt: 0, attachmentSizeLimit: 1000, private: false,
});
/** A job made by `userId` in `guildId` (null: a DM) under the rules of `rulesServerId`, costing `cost`. */
const job = (id: string, userId: string, guildId: string | null, rulesServerId: string | null, numImages = 1, cost = 0.06): NewJob => ({
  id, origin: origin(userId, guildId), settings: { ...settings, numImages }, costUsd: cost, rulesServerId,
});

/**
 * The operator's limits over the job rows: a member's images outside servers (USER_DAILY_IMAGES),
 * everyone's spend today (GLOBAL_DAILY_CAP_USD), and creations racing a global cap. Part of the
 * store contract: run on both dialects beside describeStoreContract.
 */
export function describeOperatorStoreContract(name: string, opener: StoreOpener): void {
  describe(`${name} store contract: operator limits`, () => {
    const { time, fresh } = freshStoresEachTest(opener);

    it("when a member made images in DMs, in a server only through their own install, and in a server that added StoryCast, then only the first two count as outside servers", async () => {
      const { stores } = await fresh();
      await stores.jobs.create(job("dm", "u1", null, null, 2));
      await stores.jobs.create(job("user-install", "u1", "elsewhere", null, 3));
      await stores.jobs.create(job("in-server", "u1", "g1", "g1", 4));
      await stores.jobs.create(job("other-member", "u2", null, null, 5));
      await stores.jobs.create(job("free", "u1", null, null, 6));
      await stores.jobs.transition("free", { kind: "failed", reason: "before fal" }); // never reached fal: free
      // Without the field, the rules' server is the job's own server (as every job was before user installs).
      await stores.jobs.create({ id: "plain", origin: origin("u1", "g1"), settings });
      time.ms += DAY;
      await stores.jobs.create(job("tomorrow", "u1", null, null, 7));

      expect(await stores.servers.memberImagesOutsideServersSince("u1", START)).toBe(2 + 3 + 7);
      expect(await stores.servers.memberImagesOutsideServersSince("u1", START + DAY)).toBe(7);
      expect(await stores.servers.memberImagesOutsideServersSince("nobody", 0)).toBe(0);
      const rules = await stores.db.selectFrom("jobs").select(["id", "rules_guild_id"]).where("id", "in", ["plain", "user-install"]).orderBy("id").execute();
      expect(rules).toEqual([{ id: "plain", rules_guild_id: "g1" }, { id: "user-install", rules_guild_id: null }]);
    });

    it("when a server's rules counted a job made in a DM, and a member's own install made one in the server, then the server's usage counts the first and not the second", async () => {
      const { stores } = await fresh();
      await stores.jobs.create(job("in-server", "u1", "g1", "g1", 1, 0.1));
      await stores.jobs.create(job("dm-control", "u1", null, "g1", 2, 0.2)); // a control pressed on a result that came by DM
      await stores.jobs.create(job("user-install", "u1", "g1", null, 4, 0.4)); // g1's settings did not apply
      expect(await stores.servers.memberImagesSince("g1", "u1", START)).toBe(1 + 2);
      expect(await stores.servers.spendSince("g1", START, PRICES)).toBeCloseTo(0.3, 9);
      expect((await stores.servers.usageByMemberSince("g1", START, PRICES)).map((m) => [m.userId, m.images])).toEqual([["u1", 3]]);
      expect(await stores.servers.memberImagesOutsideServersSince("u1", START)).toBe(4);
      // The job reads back the server whose rules counted it.
      expect((await stores.jobs.get("dm-control"))?.rulesServerId).toBe("g1");
      expect((await stores.jobs.get("user-install"))?.rulesServerId).toBeNull();
    });

    it("when jobs were made in servers, DMs and user installs, then today's spend everywhere adds them all up, leaving out jobs that never reached fal and earlier days", async () => {
      const { stores } = await fresh();
      time.ms = START - 1; // yesterday's last moment
      await stores.jobs.create(job("yesterday", "u1", "g1", "g1", 1, 5));
      time.ms = START;
      await stores.jobs.create(job("server", "u1", "g1", "g1", 1, 0.25));
      await stores.jobs.create(job("other-server", "u2", "g2", "g2", 1, 0.5));
      await stores.jobs.create(job("dm", "u3", null, null, 1, 1));
      await stores.jobs.create(job("user-install", "u3", "g3", null, 1, 2));
      await stores.jobs.create({ id: "unpriced", origin: origin("u4", null), settings: { ...settings, speed: "QUALITY", numImages: 2 } }); // priced now: 2 × $0.09
      await stores.jobs.create(job("free", "u1", "g1", "g1", 1, 100));
      await stores.jobs.transition("free", { kind: "cancelled" });

      expect(await stores.servers.totalSpendSince(START, PRICES)).toBeCloseTo(0.25 + 0.5 + 1 + 2 + 0.18);
      expect(await stores.servers.totalSpendSince(START - DAY, PRICES)).toBeCloseTo(5 + 0.25 + 0.5 + 1 + 2 + 0.18);
      expect(await stores.servers.totalSpendSince(START + DAY, PRICES)).toBe(0);
    });

    it("when 30 creations in different servers and DMs race against a global cap of ten jobs' cost, on six instances, then exactly ten are written", async () => {
      const opened = await fresh();
      const instances: Stores[] = [opened.stores];
      for (let i = 1; i < 6; i++) instances.push(opener.separateInstances ? await opened.open() : opened.stores);
      const limits = { userDailyImages: 1000, globalDailyCapUsd: 0.6 };
      const outcomes = await Promise.allSettled(
        Array.from({ length: 30 }, (_, i) => {
          // Every creation has its own server or member: only the global lock can serialize them.
          const serverId = i % 2 === 0 ? `g${i}` : null;
          const admit = admissionCheck({}, { serverId, userId: `u${i}`, generation: { numImages: 1, costUsd: 0.06 } }, limits, PRICES, new Date(START));
          return instances[i % 6]!.jobs.create(job(`burst-${i}`, `u${i}`, serverId, serverId), admit);
        }),
      );
      const refused = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason as Error] : []));
      expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(10);
      expect(refused).toHaveLength(20);
      expect(refused.every((reason) => /today's spending limit set by its operator/.test(reason.message))).toBe(true);
      expect(await opened.stores.db.selectFrom("jobs").select("id").execute()).toHaveLength(10);
      expect(await opened.stores.servers.totalSpendSince(START, PRICES)).toBeCloseTo(0.6);
    });
  });
}
