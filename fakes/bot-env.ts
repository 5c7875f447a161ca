import type { FakeDiscord } from "./discord/index.js";
import type { FakeFal } from "./fal/index.js";

/**
 * The secrets and addresses that point the bot at the fakes (commands registered to the fake
 * guild). Shared by the tests, the benchmark and the demo, so they all wire the bot the same way.
 */
export function fakeAddresses(discord: FakeDiscord, fal: FakeFal, dataDir: string): Record<string, string> {
  return {
    DISCORD_TOKEN: discord.token,
    FAL_KEY: fal.key,
    DISCORD_API_URL: discord.apiUrl,
    // The message menus fetch images only from Discord's hosts: here, the fake's CDN.
    DISCORD_CDN_HOSTS: new URL(discord.cdnUrl).origin,
    FAL_PROXY_URL: fal.url,
    DISCORD_GUILD_ID: discord.guildId,
    DATA_DIR: dataDir,
  };
}

/**
 * The fakes' addresses, and short intervals so jobs run in milliseconds. Only what the bot
 * needs: no developer .env leaks in.
 */
export function botEnv(discord: FakeDiscord, fal: FakeFal, dataDir: string): Record<string, string> {
  return { ...fakeAddresses(discord, fal, dataDir), FAL_POLL_INTERVAL_MS: "40", PROGRESS_EDIT_INTERVAL_MS: "150" };
}
