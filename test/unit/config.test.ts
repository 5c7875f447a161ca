import { describe, expect, it } from "vitest";
import { parseConfig, secretsOf } from "../../src/config.js";

describe("configuration", () => {
  it("when the two secrets are set, then the defaults fill in the rest", () => {
    const result = parseConfig({ DISCORD_TOKEN: "t", FAL_KEY: "k" });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({ dataDir: "./data", logLevel: "info", jobTimeoutMs: 600_000, guildId: undefined });
    expect(result.config.prices).toEqual({
      character: { TURBO: 0.1, BALANCED: 0.15, QUALITY: 0.2 },
      edit: { TURBO: 0.1, BALANCED: 0.15, QUALITY: 0.2 },
      remix: { TURBO: 0.1, BALANCED: 0.15, QUALITY: 0.2 },
      upscale: 0.06,
    });
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
      const result = parseConfig({ DISCORD_TOKEN: "t", FAL_KEY: "k", ...env });
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

    it("when a ShardingManager spawned this process (SHARDS, SHARD_COUNT), then it runs that shard and answers health on HEALTH_PORT + shard", () => {
      const result = parseConfig({ ...base, SHARD_COUNT: "3", SHARDS: "2", HEALTH_PORT: "8080" });
      expect(result.ok && { shards: result.config.shards, health: result.config.health }).toEqual({ shards: { count: 3, ids: [2] }, health: { port: 8082, host: "127.0.0.1" } });
      expect(shards({ SHARD_COUNT: "4", SHARDS: "[1,3]" })).toEqual({ shards: { count: 4, ids: [1, 3] } });
      expect(shards({ SHARD_COUNT: "2", SHARDS: "two" })).toEqual({ problems: ["SHARDS must be a shard id or a JSON list of them (set by start:sharded)"] });
    });
  });

  describe("start:sharded spawn delay", () => {
    it("when SHARD_SPAWN_DELAY_MS is unset, then shard processes start 5.5 s apart (Discord's IDENTIFY rate); a set value is used; a wrong one is one line", () => {
      const delay = (env: Record<string, string>) => {
        const result = parseConfig({ DISCORD_TOKEN: "t", FAL_KEY: "k", ...env });
        return result.ok ? result.config.shardSpawnDelayMs : result.problems;
      };
      expect(delay({})).toBe(5500);
      expect(delay({ SHARD_SPAWN_DELAY_MS: "0" })).toBe(0);
      expect(delay({ SHARD_SPAWN_DELAY_MS: "250" })).toBe(250);
      expect(delay({ SHARD_SPAWN_DELAY_MS: "-1" })).toEqual(["SHARD_SPAWN_DELAY_MS must be 0 or more"]);
      expect(delay({ SHARD_SPAWN_DELAY_MS: "soon" })).toEqual(["SHARD_SPAWN_DELAY_MS must be a number of milliseconds (0 or more)"]);
    });
  });

  describe("prices and the cost confirmation", () => {
    const parse = (env: Record<string, string>) => parseConfig({ DISCORD_TOKEN: "t", FAL_KEY: "k", ...env });

    it("when every PRICE_* variable is set, then each endpoint and speed gets its own price", () => {
      const result = parse({
        PRICE_TURBO_USD: "0.11", PRICE_BALANCED_USD: "0.12", PRICE_QUALITY_USD: "0.13",
        PRICE_EDIT_TURBO_USD: "0.21", PRICE_EDIT_BALANCED_USD: "0.22", PRICE_EDIT_QUALITY_USD: "0.23",
        PRICE_REMIX_TURBO_USD: "0.31", PRICE_REMIX_BALANCED_USD: "0.32", PRICE_REMIX_QUALITY_USD: "0.33",
        PRICE_UPSCALE_USD: "0.04",
      });
      expect(result.ok && result.config.prices).toEqual({
        character: { TURBO: 0.11, BALANCED: 0.12, QUALITY: 0.13 },
        edit: { TURBO: 0.21, BALANCED: 0.22, QUALITY: 0.23 },
        remix: { TURBO: 0.31, BALANCED: 0.32, QUALITY: 0.33 },
        upscale: 0.04,
      });
      // A free endpoint is allowed (e.g. an account with credits); the others keep their defaults.
      const free = parse({ PRICE_UPSCALE_USD: "0" });
      expect(free.ok && free.config.prices.upscale).toBe(0);
      expect(free.ok && free.config.prices.edit.QUALITY).toBe(0.2);
    });

    it("when a price is negative, not a number, or above $100 an image, then each is one clear line", () => {
      const result = parse({ PRICE_TURBO_USD: "-0.1", PRICE_EDIT_BALANCED_USD: "cheap", PRICE_UPSCALE_USD: "150" });
      expect(result.ok ? [] : result.problems.sort()).toEqual([
        "PRICE_EDIT_BALANCED_USD must be a dollar amount like 0.15",
        "PRICE_TURBO_USD must be 0 or more",
        "PRICE_UPSCALE_USD must be at most 100 (dollars per image)",
      ]);
    });

    it("when CONFIRM_COST_ABOVE_USD is unset, then requests above $0.50 ask first; an amount, 0 and off are taken as given", () => {
      const threshold = (value?: string) => {
        const result = parse(value === undefined ? {} : { CONFIRM_COST_ABOVE_USD: value });
        return result.ok ? result.config.confirmCostAboveUsd : result.problems;
      };
      expect(threshold()).toBe(0.5);
      expect(threshold("")).toBe(0.5);
      expect(threshold("1.25")).toBe(1.25);
      expect(threshold(".75")).toBe(0.75);
      expect(threshold("0")).toBe(0);
      expect(threshold("off")).toBeUndefined();
      expect(threshold(" OFF ")).toBeUndefined();
      for (const wrong of ["-1", "cheap", "$1", "1,5"]) {
        expect(threshold(wrong)).toEqual(["CONFIRM_COST_ABOVE_USD must be a dollar amount like 0.50 (0: ask before every paid request), or off (never ask)"]);
      }
    });
  });

  describe("user installs and spending", () => {
    const base = { DISCORD_TOKEN: "t", FAL_KEY: "k" };
    it("when nothing is set, then user installs are off, 20 images a day outside servers, and no global cap", () => {
      const result = parseConfig(base);
      expect(result.ok && [result.config.userInstall, [...result.config.userInstallAllowlist], result.config.userDailyImages, result.config.globalDailyCapUsd]).toEqual(["off", [], 20, undefined]);
    });
    it("when an allowlist and a cap are given, then they are read; allowlist without ids is refused", () => {
      const result = parseConfig({ ...base, USER_INSTALL: "allowlist", USER_INSTALL_ALLOWLIST: "123456789012345678, 234567890123456789", USER_DAILY_IMAGES: "5", GLOBAL_DAILY_CAP_USD: "12.5" });
      expect(result.ok && [result.config.userInstall, [...result.config.userInstallAllowlist], result.config.userDailyImages, result.config.globalDailyCapUsd]).toEqual([
        "allowlist",
        ["123456789012345678", "234567890123456789"],
        5,
        12.5,
      ]);
      const missing = parseConfig({ ...base, USER_INSTALL: "allowlist" });
      expect(missing.ok ? [] : missing.problems).toEqual(["USER_INSTALL=allowlist needs USER_INSTALL_ALLOWLIST (the Discord user ids who may use StoryCast outside its servers)"]);
    });
    it("when a value is wrong, then the line says what is expected", () => {
      const problems = (env: Record<string, string>) => {
        const result = parseConfig({ ...base, ...env });
        return result.ok ? [] : result.problems;
      };
      expect(problems({ USER_INSTALL: "yes" })).toEqual(["USER_INSTALL must be off, allowlist or everyone"]);
      expect(problems({ USER_INSTALL: "everyone", USER_INSTALL_ALLOWLIST: "bob" })).toEqual([
        "USER_INSTALL_ALLOWLIST must be a comma-separated list of Discord user ids like 123456789012345678,234567890123456789",
      ]);
      expect(problems({ USER_DAILY_IMAGES: "-1" })).toEqual(["USER_DAILY_IMAGES must be 0 or more"]);
      expect(problems({ GLOBAL_DAILY_CAP_USD: "0" })).toEqual(["GLOBAL_DAILY_CAP_USD must be more than 0 (unset it for no cap)"]);
      expect(problems({ GLOBAL_DAILY_CAP_USD: "lots" })).toEqual(["GLOBAL_DAILY_CAP_USD must be a dollar amount like 25"]);
    });
  });

  describe("database", () => {
    it("when DATABASE_URL is a PostgreSQL URL, then it is used; otherwise the line names the form without echoing the password", () => {
      const ok = parseConfig({ DISCORD_TOKEN: "t", FAL_KEY: "k", DATABASE_URL: "postgres://bot:secret@127.0.0.1:5432/storycast" });
      expect(ok.ok && ok.config.databaseUrl).toBe("postgres://bot:secret@127.0.0.1:5432/storycast");
      const unset = parseConfig({ DISCORD_TOKEN: "t", FAL_KEY: "k" });
      expect(unset.ok && unset.config.databaseUrl).toBeUndefined();
      const bad = parseConfig({ DISCORD_TOKEN: "t", FAL_KEY: "k", DATABASE_URL: "mysql://bot:secret@host/db" });
      expect(bad.ok ? [] : bad.problems).toEqual(["DATABASE_URL must be a PostgreSQL URL like postgres://user:password@host:5432/storycast"]);
    });

    it("when DATABASE_URL carries a password, then it is one of the secrets every output redacts", () => {
      const withPassword = parseConfig({ DISCORD_TOKEN: "token-value-1", FAL_KEY: "key-value-1", DATABASE_URL: "postgres://bot:s%40cret-pw@127.0.0.1:5432/storycast" });
      expect(withPassword.ok && secretsOf(withPassword.config)).toEqual(["token-value-1", "key-value-1", "s@cret-pw"]);
      const without = parseConfig({ DISCORD_TOKEN: "token-value-1", FAL_KEY: "key-value-1" });
      expect(without.ok && secretsOf(without.config)).toEqual(["token-value-1", "key-value-1"]);
    });
  });
});
