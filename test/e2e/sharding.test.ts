/**
 * The real bot, in-process, runs gateway shards as configured (SHARD_COUNT / SHARD_IDS) or as
 * Discord recommends, and serves /imagine from servers whose ids land on different shards: each
 * interaction reaches the bot only through the connection of its guild's shard (the fake Discord
 * delivers it nowhere else).
 */
import { afterEach, describe, expect, it } from "vitest";
import { makePng } from "../../fakes/fal/index.js";
import type { FakeDiscord } from "../../fakes/discord/index.js";
import { resultMessages, waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

/** /imagine in each guild, at once; waits until each is delivered into that guild's channel. */
async function imagineInEach(discord: FakeDiscord, guildIds: string[]) {
  const handles = guildIds.map((guildId, i) =>
    discord.command(
      "imagine",
      { prompt: `a lighthouse, server ${i}`, reference: discord.attachment(makePng({ width: 32, height: 32, seed: i + 1 }), "ref.png") },
      { guildId, user: i % 2 === 0 ? discord.users.alice : discord.users.bob },
    ),
  );
  for (const h of handles) await waitForReply(discord, h, /posted in the channel/);
  return handles;
}

describe("sharded gateway", () => {
  it("when SHARD_COUNT=2 and SHARD_IDS=0,1, then the bot runs both shards and /imagine from a server on each shard is delivered", async () => {
    // Discord recommends 1 shard here: the 2 come from the configuration.
    stack = await startStack({
      env: { SHARD_COUNT: "2", SHARD_IDS: "0,1", DISCORD_GUILD_ID: "" },
      discord: { shardCount: 1, maxConcurrency: 2, guildShard: [0, 2], guilds: [{ name: "Second server", shard: [1, 2] }] },
    });
    const { discord, fal } = stack;
    const [first, second] = discord.guilds();
    expect([discord.shardOf(first!.id, 2), discord.shardOf(second!.id, 2)]).toEqual([0, 1]);

    await discord.waitForShards([0, 1]);
    expect(discord.gatewayShards().map((s) => s.shard)).toEqual([
      [0, 2],
      [1, 2],
    ]);
    expect(stack.app.client.guilds.cache.map((g) => g.id).sort()).toEqual([first!.id, second!.id].sort());
    expect(stack.app.client.guilds.cache.get(second!.id)?.shardId).toBe(1);

    fal.script({ runMs: 50 });
    const handles = await imagineInEach(discord, [first!.id, second!.id]);
    expect(fal.submits).toHaveLength(2);
    for (const [i, h] of handles.entries()) {
      const results = resultMessages(h);
      expect(results).toHaveLength(1);
      expect(results[0]!.channelId).toBe([first!, second!][i]!.channelId);
      expect(results[0]!.attachments.length).toBeGreaterThan(0);
    }
  });

  it("when SHARD_IDS=1 of SHARD_COUNT=2, then this process runs shard 1 only and serves the servers on it", async () => {
    stack = await startStack({
      env: { SHARD_COUNT: "2", SHARD_IDS: "1", DISCORD_GUILD_ID: "" },
      discord: { guildShard: [0, 2], guilds: [{ shard: [1, 2] }] },
    });
    const { discord } = stack;
    const [onZero, onOne] = discord.guilds();
    await discord.waitForShards([1]);
    expect(discord.gatewayShards().map((s) => s.shard)).toEqual([[1, 2]]);
    expect(stack.app.client.guilds.cache.map((g) => g.id)).toEqual([onOne!.id]);
    // No process runs shard 0 here: Discord would deliver that server's interactions to nobody.
    expect(() => discord.command("imagine", { prompt: "x" }, { guildId: onZero!.id })).toThrow(/no gateway session/);
    stack.fal.script({ runMs: 50 });
    await imagineInEach(discord, [onOne!.id]);
    expect(stack.fal.submits).toHaveLength(1);
  });

  it("when SHARD_COUNT and SHARD_IDS are unset, then the bot runs as many shards as GET /gateway/bot recommends", async () => {
    stack = await startStack({
      env: { DISCORD_GUILD_ID: "" },
      discord: { shardCount: 2, maxConcurrency: 2, guildShard: [1, 2], guilds: [{ shard: [0, 2] }] },
    });
    const { discord } = stack;
    await discord.waitForShards([0, 1]);
    expect(discord.gatewayShards().map((s) => s.shard)).toEqual([
      [0, 2],
      [1, 2],
    ]);
    stack.fal.script({ runMs: 50 });
    await imagineInEach(discord, discord.guilds().map((g) => g.id));
    expect(stack.fal.submits).toHaveLength(2);
  });
});
