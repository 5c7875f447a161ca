import { describe, expect, it } from "vitest";
import { admissionCheck } from "../../src/domain/admission-check.js";
import { UserFacingError } from "../../src/domain/errors.js";
import type { OperatorLimits } from "../../src/domain/operator-limits.js";
import type { UsageReader } from "../../src/store/job-store.js";

const prices = { character: { TURBO: 0.1, BALANCED: 0.15, QUALITY: 0.2 }, edit: { TURBO: 0.1, BALANCED: 0.15, QUALITY: 0.2 }, remix: { TURBO: 0.1, BALANCED: 0.15, QUALITY: 0.2 }, upscale: 0.06 };
const noon = new Date(Date.UTC(2026, 11, 1, 12));
/** Operator limits that never refuse: the server's budgets alone decide. */
const generous: OperatorLimits = { userDailyImages: 1000, globalDailyCapUsd: undefined };

/** A usage reader that records what it was asked. */
function usage(memberImages: number, spendUsd: number, outside = { images: 0, totalSpendUsd: 0 }) {
  const asked: string[] = [];
  const reader: UsageReader = {
    memberImagesSince: async (guildId, userId, since) => {
      asked.push(`images ${guildId} ${userId} ${new Date(since).toISOString()}`);
      return memberImages;
    },
    spendSince: async (guildId, since) => {
      asked.push(`spend ${guildId} ${new Date(since).toISOString()}`);
      return spendUsd;
    },
    memberImagesOutsideServersSince: async (userId, since) => {
      asked.push(`outside images ${userId} ${new Date(since).toISOString()}`);
      return outside.images;
    },
    totalSpendSince: async (since) => {
      asked.push(`total spend ${new Date(since).toISOString()}`);
      return outside.totalSpendUsd;
    },
  };
  return { reader, asked };
}

const request = { serverId: "g1", userId: "u1", generation: { numImages: 2, costUsd: 0.2 } };
const inDm = { ...request, serverId: null };

describe("admission check (the budgets, run in the job's transaction)", () => {
  it("when the member's images today plus this request pass the daily limit, then it refuses, counting from 00:00 UTC", async () => {
    const { reader, asked } = usage(2, 0);
    await expect(admissionCheck({ dailyImageLimit: 3 }, request, generous, prices, noon)(reader)).rejects.toThrow(/Daily limit reached: members may make 3 images a day here; you have made 2 today/);
    expect(asked).toEqual(["images g1 u1 2026-12-01T00:00:00.000Z"]);
  });

  it("when the server's spend this month plus this request pass the cap, then it refuses, counting from the 1st", async () => {
    const { reader, asked } = usage(0, 0.9);
    const refusal = admissionCheck({ monthlySpendCapUsd: 1 }, request, generous, prices, noon)(reader);
    await expect(refusal).rejects.toThrow(UserFacingError);
    await expect(refusal).rejects.toThrow(/Monthly budget reached/);
    expect(asked).toEqual(["spend g1 2026-12-01T00:00:00.000Z"]);
  });

  it("when the request fits both budgets, then it admits it", async () => {
    const { reader } = usage(1, 0.5);
    await expect(admissionCheck({ dailyImageLimit: 3, monthlySpendCapUsd: 1 }, request, generous, prices, noon)(reader)).resolves.toBeUndefined();
  });

  it("when the server sets no budget and there is no global cap, then it reads no usage at all, and the store need not serialize everything", async () => {
    const { reader, asked } = usage(100, 100);
    const check = admissionCheck({ maxCount: 4 }, request, { userDailyImages: 0, globalDailyCapUsd: undefined }, prices, noon);
    await check(reader);
    expect(asked).toEqual([]);
    expect(check.readsGlobalSpend).toBe(false);
  });

  it("when a server's settings apply, then USER_DAILY_IMAGES does not, however many the member made outside servers", async () => {
    const { reader, asked } = usage(0, 0, { images: 50, totalSpendUsd: 0 });
    await expect(admissionCheck({}, request, { userDailyImages: 1, globalDailyCapUsd: undefined }, prices, noon)(reader)).resolves.toBeUndefined();
    expect(asked).toEqual([]);
  });

  it("when no server's settings apply, then the member's images today outside servers count against USER_DAILY_IMAGES, and the server's settings passed are ignored", async () => {
    const { reader, asked } = usage(0, 0, { images: 19, totalSpendUsd: 0 });
    const refusal = admissionCheck({ dailyImageLimit: 100 }, inDm, { userDailyImages: 20, globalDailyCapUsd: undefined }, prices, noon)(reader);
    await expect(refusal).rejects.toThrow(UserFacingError);
    await expect(refusal).rejects.toThrow(/members may make 20 images a day; you have made 19 today and have 1 left\. It resets at 00:00 UTC \(in 12 h 0 min\)/);
    expect(asked).toEqual(["outside images u1 2026-12-01T00:00:00.000Z"]);
    const fits = usage(0, 0, { images: 18, totalSpendUsd: 0 });
    await expect(admissionCheck({}, inDm, { userDailyImages: 20, globalDailyCapUsd: undefined }, prices, noon)(fits.reader)).resolves.toBeUndefined();
  });

  it("when a global cap is set, then today's spend everywhere plus this request must stay within it, in servers and outside, and the store is told to serialize", async () => {
    const limits = { userDailyImages: 20, globalDailyCapUsd: 1 };
    for (const where of [request, inDm]) {
      const over = usage(0, 0, { images: 0, totalSpendUsd: 0.81 });
      const check = admissionCheck({}, where, limits, prices, noon);
      expect(check.readsGlobalSpend).toBe(true);
      await expect(check(over.reader)).rejects.toThrow(/StoryCast has reached today's spending limit set by its operator: \$0\.81 of \$1\.00 spent, and this request would cost \$0\.20\. It resets at 00:00 UTC/);
      expect(over.asked).toContain("total spend 2026-12-01T00:00:00.000Z");
      const exactly = usage(0, 0, { images: 0, totalSpendUsd: 0.8 });
      await expect(admissionCheck({}, where, limits, prices, noon)(exactly.reader)).resolves.toBeUndefined();
    }
  });
});
