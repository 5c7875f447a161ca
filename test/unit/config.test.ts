import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.js";

describe("configuration", () => {
  it("when the two secrets are set, then the defaults fill in the rest", () => {
    const result = parseConfig({ DISCORD_TOKEN: "t", FAL_KEY: "k" });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({ dataDir: "./data", logLevel: "info", jobTimeoutMs: 600_000, guildId: undefined });
    expect(result.config.prices).toEqual({ TURBO: 0.1, BALANCED: 0.15, QUALITY: 0.2 });
    expect(Object.isFrozen(result.config)).toBe(true);
  });

  it("when values are missing or malformed, then there is one clear line per problem", () => {
    const result = parseConfig({ DISCORD_TOKEN: "", LOG_LEVEL: "loud", DISCORD_GUILD_ID: "abc", FAL_PROXY_URL: "ftp://x", JOB_TIMEOUT_SECONDS: "-5" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(6);
    expect(result.problems).toEqual(
      expect.arrayContaining([
        "DISCORD_TOKEN is required",
        "FAL_KEY is required",
        expect.stringMatching(/^LOG_LEVEL must be one of/),
        expect.stringMatching(/^DISCORD_GUILD_ID must be a server id/),
        expect.stringMatching(/^FAL_PROXY_URL must be an http\(s\) URL/),
        expect.stringMatching(/^JOB_TIMEOUT_SECONDS /),
      ]),
    );
  });

  describe("gateway shards", () => {
    const base = { DISCORD_TOKEN: "t", FAL_KEY: "k" };
    const shards = (env: Record<string, string>) => {
      const result = parseConfig({ ...base, ...env });
      return result.ok ? { shards: result.config.shards } : { problems: result.problems };
    };

    it("when neither is set, then the bot runs what Discord recommends (no shard setting)", () => {
      expect(shards({})).toEqual({ shards: undefined });
      expect(shards({ SHARD_COUNT: "", SHARD_IDS: " " })).toEqual({ shards: undefined });
    });

    it("when SHARD_COUNT is set alone, then every shard of that count runs here", () => {
      expect(shards({ SHARD_COUNT: "4" })).toEqual({ shards: { count: 4, ids: undefined } });
    });

    it("when SHARD_IDS lists some shards of SHARD_COUNT, then those run here", () => {
      expect(shards({ SHARD_COUNT: "3", SHARD_IDS: "2, 0" })).toEqual({ shards: { count: 3, ids: [2, 0] } });
      expect(shards({ SHARD_COUNT: "2", SHARD_IDS: "0,1" })).toEqual({ shards: { count: 2, ids: [0, 1] } });
    });

    it("when the values are wrong, then each is one clear line", () => {
      expect(shards({ SHARD_COUNT: "0" })).toEqual({ problems: [expect.stringMatching(/^SHARD_COUNT must be a whole number of at least 1/)] });
      expect(shards({ SHARD_COUNT: "1.5" })).toEqual({ problems: [expect.stringMatching(/^SHARD_COUNT must be a whole number of at least 1/)] });
      expect(shards({ SHARD_COUNT: "two" })).toEqual({ problems: [expect.stringMatching(/^SHARD_COUNT must be a whole number of at least 1/)] });
      expect(shards({ SHARD_COUNT: "2", SHARD_IDS: "0;1" })).toEqual({ problems: ["SHARD_IDS must be a comma-separated list of shard ids like 0,1"] });
      expect(shards({ SHARD_COUNT: "2", SHARD_IDS: "-1" })).toEqual({ problems: ["SHARD_IDS must be a comma-separated list of shard ids like 0,1"] });
      expect(shards({ SHARD_IDS: "0,1" })).toEqual({ problems: ["SHARD_IDS needs SHARD_COUNT (the total number of shards across all processes)"] });
      expect(shards({ SHARD_COUNT: "2", SHARD_IDS: "1,2,3" })).toEqual({ problems: ["SHARD_IDS must be below SHARD_COUNT 2 (ids 0 to 1); got 2, 3"] });
      expect(shards({ SHARD_COUNT: "2", SHARD_IDS: "1,1" })).toEqual({ problems: ["SHARD_IDS lists a shard twice: 1"] });
    });
  });
});
