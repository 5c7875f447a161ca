import { describe, expect, it } from "vitest";
import type { ServerSettings } from "../../src/domain/server-policy.js";
import { withCachedSettings } from "../../src/store/cached-server-settings.js";
import type { ServerStore } from "../../src/store/server-store.js";

function setUp() {
  let now = 0;
  const saved = new Map<string, ServerSettings>();
  const reads: string[] = [];
  let failNext = false;
  const inner = {
    async settings(guildId: string) {
      reads.push(guildId);
      await new Promise((resolve) => setImmediate(resolve));
      if (failNext) {
        failNext = false;
        throw new Error("pool timeout");
      }
      return saved.get(guildId) ?? {};
    },
    async saveSettings(guildId: string, settings: ServerSettings) {
      saved.set(guildId, settings);
    },
    async updateSettings(guildId: string, change: (current: ServerSettings) => ServerSettings) {
      const next = change(saved.get(guildId) ?? {});
      saved.set(guildId, next);
      return next;
    },
  } as unknown as ServerStore;
  const servers = withCachedSettings(inner, { now: () => now, ttlMs: 5000 });
  return { servers, saved, reads, advance: (ms: number) => (now += ms), failOnce: () => (failNext = true) };
}

describe("cached server settings", () => {
  it("when a burst asks for one server's settings, then the database is read once, and again only after the time to live", async () => {
    const { servers, saved, reads, advance } = setUp();
    saved.set("g1", { dailyImageLimit: 3 });
    const burst = await Promise.all(Array.from({ length: 50 }, () => servers.settings("g1")));
    expect(burst.every((settings) => settings.dailyImageLimit === 3)).toBe(true);
    expect(reads).toEqual(["g1"]);
    // Another process changes them: seen once the entry is older than the time to live.
    saved.set("g1", { dailyImageLimit: 9 });
    advance(4999);
    expect((await servers.settings("g1")).dailyImageLimit).toBe(3);
    advance(1);
    expect((await servers.settings("g1")).dailyImageLimit).toBe(9);
    expect(reads).toEqual(["g1", "g1"]);
  });

  it("when this process changes the settings, then the change is seen at once", async () => {
    const { servers, reads } = setUp();
    await servers.settings("g1");
    await servers.updateSettings("g1", (current) => ({ ...current, monthlySpendCapUsd: 5 }));
    expect(await servers.settings("g1")).toEqual({ monthlySpendCapUsd: 5 });
    await servers.saveSettings("g1", { dailyImageLimit: 1 });
    expect(await servers.settings("g1")).toEqual({ dailyImageLimit: 1 });
    expect(reads).toEqual(["g1", "g1"]);
  });

  it("when a read fails, then the failure is not kept: the next request reads again", async () => {
    const { servers, reads, failOnce } = setUp();
    failOnce();
    await expect(servers.settings("g1")).rejects.toThrow("pool timeout");
    expect(await servers.settings("g1")).toEqual({});
    expect(reads).toEqual(["g1", "g1"]);
  });
});
