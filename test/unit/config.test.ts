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
});
