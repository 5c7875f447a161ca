import type { ServerSettings } from "../domain/server-policy.js";
import type { ServerStore } from "./server-store.js";

/**
 * Server settings are read before every acknowledgement (defaults and rules decide whether a
 * request is refused at once), and they change rarely. Reading them from a shared database on
 * that path made a burst of interactions queue behind job transactions for the pool's
 * connections, past Discord's 3 s. So each process keeps them for `ttlMs`: a change made here is
 * seen at once; one made by another process within `ttlMs`. Concurrent misses share one read.
 */
export function withCachedSettings(servers: ServerStore, options: { now: () => number; ttlMs: number }): ServerStore {
  const cache = new Map<string, { at: number; settings: Promise<ServerSettings> }>();
  const remember = (guildId: string, settings: Promise<ServerSettings>) => {
    const entry = { at: options.now(), settings };
    cache.set(guildId, entry);
    // A failed read is not kept: the next request asks the database again.
    settings.catch(() => cache.get(guildId) === entry && cache.delete(guildId));
    return settings;
  };
  return {
    ...servers,
    settings(guildId) {
      const entry = cache.get(guildId);
      if (entry && options.now() - entry.at < options.ttlMs) return entry.settings;
      return remember(guildId, servers.settings(guildId));
    },
    async saveSettings(guildId, settings) {
      cache.delete(guildId);
      await servers.saveSettings(guildId, settings);
      cache.delete(guildId);
    },
    async updateSettings(guildId, change) {
      cache.delete(guildId);
      const saved = await servers.updateSettings(guildId, change);
      remember(guildId, Promise.resolve(saved));
      return saved;
    },
  };
}
