import { describe, expect, it } from "vitest";
import { admissionCheck } from "../../src/domain/admission-check.js";
import { UserFacingError } from "../../src/domain/errors.js";
import type { UsageReader } from "../../src/store/job-store.js";

const prices = { character: { TURBO: 0.1, BALANCED: 0.15, QUALITY: 0.2 }, edit: { TURBO: 0.1, BALANCED: 0.15, QUALITY: 0.2 }, remix: { TURBO: 0.1, BALANCED: 0.15, QUALITY: 0.2 }, upscale: 0.06 };
const noon = new Date(Date.UTC(2026, 11, 1, 12));

/** A usage reader that records what it was asked. */
function usage(memberImages: number, spendUsd: number) {
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
  };
  return { reader, asked };
}

const request = { guildId: "g1", userId: "u1", generation: { numImages: 2, costUsd: 0.2 } };

describe("admission check (the budgets, run in the job's transaction)", () => {
  it("when the member's images today plus this request pass the daily limit, then it refuses, counting from 00:00 UTC", async () => {
    const { reader, asked } = usage(2, 0);
    await expect(admissionCheck({ dailyImageLimit: 3 }, request, prices, noon)(reader)).rejects.toThrow(/Daily limit reached: members may make 3 images a day here; you have made 2 today/);
    expect(asked).toEqual(["images g1 u1 2026-12-01T00:00:00.000Z"]);
  });

  it("when the server's spend this month plus this request pass the cap, then it refuses, counting from the 1st", async () => {
    const { reader, asked } = usage(0, 0.9);
    const refusal = admissionCheck({ monthlySpendCapUsd: 1 }, request, prices, noon)(reader);
    await expect(refusal).rejects.toThrow(UserFacingError);
    await expect(refusal).rejects.toThrow(/Monthly budget reached/);
    expect(asked).toEqual(["spend g1 2026-12-01T00:00:00.000Z"]);
  });

  it("when the request fits both budgets, then it admits it", async () => {
    const { reader } = usage(1, 0.5);
    await expect(admissionCheck({ dailyImageLimit: 3, monthlySpendCapUsd: 1 }, request, prices, noon)(reader)).resolves.toBeUndefined();
  });

  it("when the server sets no budget, then it reads no usage at all", async () => {
    const { reader, asked } = usage(100, 100);
    await admissionCheck({ maxCount: 4 }, request, prices, noon)(reader);
    expect(asked).toEqual([]);
  });
});
