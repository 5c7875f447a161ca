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
