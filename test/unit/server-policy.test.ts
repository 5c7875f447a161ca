import { describe, expect, it } from "vitest";
import { UserFacingError } from "../../src/domain/errors.js";
import { checkPolicy, withServerDefaults, type GenerationRequest } from "../../src/domain/server-policy.js";

const request: GenerationRequest = { channelId: "c1", memberRoleIds: ["r1"], speed: "BALANCED", numImages: 2, costUsd: 0.3 };
const noUse = { memberImagesToday: 0, serverSpendThisMonthUsd: 0 };
const noon = new Date(Date.UTC(2026, 10, 25, 12, 0));

describe("server policy", () => {
  it("when no rule is set, then anything goes", () => {
    expect(() => checkPolicy({}, request, noUse, noon)).not.toThrow();
  });
  it("when the channel is not allowed, then the user hears where the bot works; a thread of an allowed channel is fine", () => {
    expect(() => checkPolicy({ allowedChannels: ["c2"] }, request, noUse, noon)).toThrow(/isn't enabled in this channel. It works in: <#c2>/);
    expect(() => checkPolicy({ allowedChannels: ["c2"] }, { ...request, parentChannelId: "c2" }, noUse, noon)).not.toThrow();
  });
  it("when a role is required and missing, then it is named", () => {
    expect(() => checkPolicy({ requiredRoleId: "r9" }, request, noUse, noon)).toThrow(/need the <@&r9> role/);
  });
  it("when the count or speed is above the server's maximum, then it is refused", () => {
    expect(() => checkPolicy({ maxCount: 1 }, request, noUse, noon)).toThrow(/at most 1 image per request; you asked for 2/);
    expect(() => checkPolicy({ maxSpeed: "TURBO" }, request, noUse, noon)).toThrow(/speeds up to Turbo; Balanced is above that/);
    expect(() => checkPolicy({ maxSpeed: "QUALITY" }, request, noUse, noon)).not.toThrow();
  });
  it("when the daily limit would be passed, then the user hears how many they made and when it resets", () => {
    expect(() => checkPolicy({ dailyImageLimit: 5 }, request, { ...noUse, memberImagesToday: 4 }, noon)).toThrow(
      /Daily limit reached: members may make 5 images a day here; you have made 4 today and have 1 left. It resets at 00:00 UTC \(in 12 h 0 min\)/,
    );
    expect(() => checkPolicy({ dailyImageLimit: 5 }, request, { ...noUse, memberImagesToday: 3 }, noon)).not.toThrow();
  });
  it("when the monthly cap would be passed, then the user hears the spend, the cost and when it resets", () => {
    expect(() => checkPolicy({ monthlySpendCapUsd: 1 }, request, { ...noUse, serverSpendThisMonthUsd: 0.8 }, noon)).toThrow(
      /spent \$0\.80 of its \$1\.00 this month, and this request would cost \$0\.30. It resets on 1 December 00:00 UTC/,
    );
    expect(() => checkPolicy({ monthlySpendCapUsd: 1 }, request, { ...noUse, serverSpendThisMonthUsd: 0.7 }, noon)).not.toThrow();
  });
  it("throws UserFacingError, so the user sees the message as is", () => {
    expect(() => checkPolicy({ maxCount: 1 }, request, noUse, noon)).toThrow(UserFacingError);
  });
  it("fills left-out options with the server's defaults, but no default style next to style codes", () => {
    const settings = { defaultStyle: "FICTION", defaultSize: "square", defaultSpeed: "TURBO", defaultCount: 3 } as const;
    expect(withServerDefaults({ style: null, size: null, speed: "QUALITY", count: null }, settings)).toEqual({ style: "FICTION", size: "square", speed: "QUALITY", count: 3 });
    expect(withServerDefaults({ styleCodes: "1a2b3c4d" }, settings).style).toBeNull();
  });
});
