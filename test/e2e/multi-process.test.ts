/**
 * Three real bot processes (the compiled bot, `dist/src/index.js`; `npm test` builds it first),
 * one gateway shard each, on one PostgreSQL database, against one fake Discord and one fake fal:
 * a deployment spread over machines. Servers land on different shards, so each process receives
 * only its own servers' interactions, while jobs, limits, the fal line and command registration
 * live in the shared database. Leases are 3 s (JOB_LEASE_SECONDS) so a dead process's jobs are
 * taken over in seconds: processes cannot share a test clock.
 *
 * The tests run in order on one deployment: (d) is its start, (a) kills a process and runs last.
 * (e) runs `npm run start:sharded`'s entry point, which spawns the shard processes itself.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commands, messageCommands } from "../../commands/index.js";
import { startFakeDiscord, type FakeDiscord, type FakeUser, type InteractionHandle } from "../../fakes/discord/index.js";
import { makePng, startFakeFal } from "../../fakes/fal/index.js";
import { runBot } from "../support/bot-process.js";
import { createTestDatabase } from "../support/postgres.js";
import { replyEdits, replyText, resultMessages, waitForReply } from "../support/imagine.js";
import { logLines, startDeployment, waitForLine, waitServing, type Deployment } from "../support/processes.js";
import { assertNoSecrets, botEnv } from "../support/stack.js";

const SHARDS = 3;
let deployment: Deployment;
/** The main guild (shard 0) and one guild on each other shard: guilds[i] is on shard i, served by process i. */
let guilds: { id: string }[];
let startedAt: number;
/** Command comparisons (GET) at Discord at the same time while all three processes were syncing. */
let heldAtOnce: number;

function imagine(discord: FakeDiscord, guildId: string, user: FakeUser, options: Record<string, string | number> = {}): InteractionHandle {
  const reference = discord.attachment(makePng({ width: 16, height: 16, seed: 7, targetBytes: 1500 }), "hero.png", { contentType: "image/png" });
  return discord.command("imagine", { prompt: "a lighthouse at dusk", reference, count: 1, speed: "TURBO", ...options }, { guildId, user });
}

/** What the member finally sees: the refusal, or the reply once the images are posted. */
async function outcome(discord: FakeDiscord, handle: InteractionHandle, timeoutMs = 30_000): Promise<string> {
  const first = await replyText(discord, handle);
  if (/Daily limit reached/.test(first)) return first;
  return (await waitForReply(discord, handle, /posted in the channel/, timeoutMs)).text;
}

/** Daily limits reset at 00:00 UTC on the processes' real clocks: never run a burst across it. */
async function awayFromMidnight(): Promise<void> {
  const toMidnight = 86_400_000 - (Date.now() % 86_400_000);
  if (toMidnight < 20_000) await new Promise((resolve) => setTimeout(resolve, toMidnight + 1000));
}

describe("three bot processes on one PostgreSQL database", () => {
  beforeAll(async () => {
    deployment = await startDeployment({
      discord: { shardCount: SHARDS, guildShard: [0, SHARDS], guilds: [{ shard: [1, SHARDS] }, { shard: [2, SHARDS] }] },
      env: { SHARD_COUNT: String(SHARDS), JOB_LEASE_SECONDS: "3", MAX_CONCURRENT_JOBS: "5" },
    });
    guilds = deployment.discord.guilds();
    // (d) All three at the same moment, on a database no process has opened yet. The command
    // comparison is held until all three are logged in, so their syncs are truly concurrent.
    const { discord, bots } = deployment;
    const sync = discord.stallNext({ method: "GET", path: /^\/applications\/\d+\/commands/, count: SHARDS });
    startedAt = Date.now();
    for (let shard = 0; shard < SHARDS; shard++) deployment.start({ SHARD_IDS: String(shard) });
    await Promise.all(bots.map((bot) => waitForLine(bot, /"msg":"logged in"/, 30_000)));
    await discord.waitFor(() => sync.held > 0, 10_000, "a command comparison under way");
    // Time for the other two to reach the sync: under the deployment lock they wait for it, not at Discord.
    await new Promise((resolve) => setTimeout(resolve, 500));
    heldAtOnce = sync.held;
    sync.release();
    await Promise.all(bots.map((bot) => waitServing(bot, 30_000)));
  }, 60_000);
  afterAll(async () => {
    await deployment?.close();
  });

  it("(d) when three processes start at the same moment on an empty database, then one runs the migrations, the commands are registered once, and all three serve", async () => {
    const { discord, fal, bots } = deployment;
    console.log(`three processes serving ${Date.now() - startedAt} ms after they were started`);
    const migrated = bots.filter((bot) => logLines(bot).some((line) => line.msg === "database migrated"));
    expect(migrated).toHaveLength(1);
    expect(heldAtOnce).toBe(1);
    expect(discord.commands.puts).toBe(1);
    expect(bots.map((bot) => logLines(bot).find((line) => /^commands (registered|up to date)$/.test(String(line.msg)))?.msg).sort()).toEqual([
      "commands registered",
      "commands up to date",
      "commands up to date",
    ]);
    expect(discord.gatewayShards().map((s) => s.shard).sort()).toEqual([
      [0, 3],
      [1, 3],
      [2, 3],
    ]);
    // Each server's interactions reach only its shard's process, and each delivers.
    fal.script({ runMs: 50 }, { runMs: 50 }, { runMs: 50 });
    const handles = guilds.map((g) => imagine(discord, g.id, discord.users.bob));
    for (const handle of handles) await waitForReply(discord, handle, /posted in the channel/, 15_000);
    expect(handles.map((h) => resultMessages(h).length)).toEqual([1, 1, 1]);
    expect(fal.submits).toHaveLength(3);
  });

  it("(b) when one member sends 50 /imagine at once against a daily limit of 10, then exactly 10 are made and charged and 40 are told why", async () => {
    const { discord, fal } = deployment;
    await awayFromMidnight();
    const [main] = guilds;
    expect(await replyText(discord, discord.command("settings limits", { daily_images: 10 } as never, { guildId: main!.id, user: discord.users.admin }))).toMatch(/Images per member per day: 10/);
    const submitsBefore = fal.submits.length;
    const burst = Array.from({ length: 50 }, () => imagine(discord, main!.id, discord.users.alice));
    const outcomes = await Promise.all(burst.map((handle) => outcome(discord, handle)));
    expect(outcomes.filter((text) => /posted in the channel/.test(text))).toHaveLength(10);
    const refused = outcomes.filter((text) => /Daily limit reached/.test(text));
    expect(refused).toHaveLength(40);
    expect(refused[0]).toMatch(/members may make 10 images a day here; you have made 10 today/);
    expect(fal.submits.length - submitsBefore).toBe(10);
    expect(burst.flatMap((h) => resultMessages(h))).toHaveLength(10);
    // Nothing charged for the refused: the member's day shows the 10.
    expect(await replyText(discord, discord.command("usage", {}, { guildId: main!.id, user: discord.users.alice }))).toMatch(/Today \(UTC\): \*\*10\*\* images/);
  }, 60_000);

  it("(b) when bursts arrive on the three shards at once, each against its server's limit, then the three processes admit exactly each server's limit", async () => {
    const { discord, fal } = deployment;
    await awayFromMidnight();
    // The other servers' settings are changed by their owner (the fake's admin role exists in the main server only).
    for (const guild of guilds.slice(1)) {
      expect(await replyText(discord, discord.command("settings limits", { daily_images: 4 } as never, { guildId: guild.id, user: discord.owner }))).toMatch(/Images per member per day: 4/);
    }
    const submitsBefore = fal.submits.length;
    // carol in the main server (limit 10, none used), alice in the two others (limit 4): 15 requests each, interleaved.
    const plan = guilds.map((guild, shard) => ({ guild, user: shard === 0 ? discord.users.carol : discord.users.alice, limit: shard === 0 ? 10 : 4 }));
    const handles = plan.map(() => [] as InteractionHandle[]);
    for (let i = 0; i < 15; i++) for (const [shard, { guild, user }] of plan.entries()) handles[shard]!.push(imagine(discord, guild.id, user));
    const outcomes = await Promise.all(handles.map((list) => Promise.all(list.map((handle) => outcome(discord, handle)))));
    expect(outcomes.map((list) => list.filter((text) => /posted in the channel/.test(text)).length)).toEqual(plan.map((p) => p.limit));
    expect(outcomes.map((list) => list.filter((text) => /Daily limit reached/.test(text)).length)).toEqual(plan.map((p) => 15 - p.limit));
    expect(fal.submits.length - submitsBefore).toBe(18);
  }, 60_000);

  it("(c) when about 30 jobs arrive over the three servers with MAX_CONCURRENT_JOBS=5 in each process, then fal never has more than 5 at once, members are told their place in line, and every job is delivered", async () => {
    const { discord, fal } = deployment;
    const submitsBefore = fal.submits.length;
    fal.defaults = { runMs: 700 };
    // No daily limits this time (0 clears them): the members of (b) may make more.
    for (const [shard, guild] of guilds.entries()) {
      const admin = shard === 0 ? discord.users.admin : discord.owner;
      expect(await replyText(discord, discord.command("settings limits", { daily_images: 0 } as never, { guildId: guild.id, user: admin }))).toMatch(/Images per member per day: no limit/);
    }
    const handles: InteractionHandle[] = [];
    for (let i = 0; i < 5; i++)
      for (const guild of guilds) {
        handles.push(imagine(discord, guild.id, discord.users.alice, { prompt: `a harbour ${i}` }));
        handles.push(imagine(discord, guild.id, discord.users.mod, { prompt: `a market ${i}` }));
      }
    const started = Date.now();
    for (const handle of handles) await waitForReply(discord, handle, /posted in the channel/, 60_000);
    console.log(`30 jobs at most 5 at a time over three processes: delivered in ${Date.now() - started} ms; fal's peak in flight ${fal.peakInFlight()}`);
    fal.defaults = {};
    expect(fal.submits.length - submitsBefore).toBe(30);
    expect(fal.peakInFlight()).toBe(5);
    expect(handles.flatMap((h) => resultMessages(h))).toHaveLength(30);
    // The line is the deployment's: places count the jobs waiting in every process (one process has only 10 of the 30).
    const places = handles.flatMap((h) => replyEdits(discord, h).flatMap((text) => [...text.matchAll(/you are number (\d+) in StoryCast's queue/g)].map((m) => Number(m[1]))));
    expect(places.length).toBeGreaterThan(0);
    expect(Math.min(...places)).toBe(1);
    expect(Math.max(...places)).toBeGreaterThan(10);
    expect(Math.max(...places)).toBeLessThanOrEqual(25);
  }, 60_000);

  it("(a) when the process following a job is killed mid-job, then another process delivers it within 30 s, with one fal submit and each image posted once", async () => {
    const { discord, fal, bots } = deployment;
    const guild = guilds[1]!; // shard 1: process 1 receives it and follows the job
    const submitsBefore = fal.submits.length;
    fal.script({ hold: true, runMs: 0 });
    const handle = imagine(discord, guild.id, discord.users.bob, { count: 2, prompt: "a lighthouse in a storm" });
    await fal.waitFor(() => fal.submits.length === submitsBefore + 1 && fal.job(fal.submits.at(-1)!.requestId!)?.state === "IN_PROGRESS", 15_000, "the job running at fal");
    const requestId = fal.submits.at(-1)!.requestId!;
    // Killed once the job is recorded as at fal (the reply shows fal's progress): a process dying
    // between fal's answer and that record leaves the job "outcome unknown", never resubmitted.
    await discord.waitFor(() => replyEdits(discord, handle).some((text) => text.includes("Generating")), 10_000, "fal's progress shown");

    const victim = bots[1]!;
    victim.child.kill("SIGKILL");
    const killedAt = Date.now();
    await victim.exited;
    fal.release(requestId);

    await waitForReply(discord, handle, /posted in the channel/, 30_000);
    const takeoverMs = Date.now() - killedAt;
    console.log(`job of a SIGKILLed process delivered by another ${takeoverMs} ms after the kill (JOB_LEASE_SECONDS=3)`);
    expect(takeoverMs).toBeLessThan(30_000);
    expect(fal.submits.length - submitsBefore).toBe(1);
    const results = resultMessages(handle);
    expect(results).toHaveLength(1);
    expect(results[0]!.attachments).toHaveLength(2);
    // Each image once in the server's channel, however many processes looked at the job.
    const posted = discord.messages(results[0]!.channelId).filter((m) => m.createdAt >= killedAt && m.attachments.length > 0);
    expect(posted.flatMap((m) => m.attachments)).toHaveLength(2);
    const deliverer = bots.filter((bot) => bot !== victim && logLines(bot).some((line) => line.msg === "taking over a job whose process stopped renewing its lease"));
    expect(deliverer).toHaveLength(1);
  }, 60_000);
});

describe("npm run start:sharded (dist/src/sharded.js: discord.js ShardingManager, one process per shard)", () => {
  it("(e) when SHARD_COUNT=2 with DATABASE_URL, then two shard processes serve their servers, commands are registered once, and SIGTERM stops all with exit 0", async () => {
    const [discord, fal, database] = await Promise.all([
      startFakeDiscord({ shardCount: 2, guildShard: [0, 2], guilds: [{ shard: [1, 2] }] }),
      startFakeFal(),
      createTestDatabase(),
    ]);
    const cwd = mkdtempSync(join(tmpdir(), "storycast-sharded-"));
    try {
      const { DISCORD_GUILD_ID: _guild, ...fakes } = botEnv(discord, fal, cwd);
      // No 5.5 s between the two spawns: the fake Discord has no IDENTIFY rate to keep to.
      const manager = runBot("dist/src/sharded.js", { PATH: process.env.PATH, ...fakes, DATABASE_URL: database.url, SHARD_COUNT: "2", SHARD_SPAWN_DELAY_MS: "0", LOG_LEVEL: "info" }, cwd);
      await discord.waitForShards([0, 1], 30_000);
      expect(discord.gatewayShards().map((s) => s.shard).sort()).toEqual([
        [0, 2],
        [1, 2],
      ]);
      // Both shard processes write to the manager's stdout: both must have synced before we count PUTs.
      await discord.waitFor(() => (manager.stdout().match(/"msg":"commands (registered|up to date)"/g) ?? []).length === 2, 30_000, "both shard processes serving");
      await waitForLine(manager, /"msg":"every shard process started"/);
      // One process per shard, spawned by the manager.
      const spawned = manager.stdout().split("\n").filter((line) => line.includes('"msg":"shard process started"')).map((line) => (JSON.parse(line) as { shard: number }).shard);
      expect(spawned.sort()).toEqual([0, 1]);
      expect(discord.commands.puts).toBe(1);
      expect(discord.commands.global).toHaveLength(commands.length + messageCommands.length);

      const handles = discord.guilds().map((guild, i) => imagine(discord, guild.id, discord.users.alice, { prompt: `a lighthouse on shard ${i}` }));
      for (const handle of handles) await waitForReply(discord, handle, /posted in the channel/, 15_000);
      expect(handles.map((h) => resultMessages(h).length)).toEqual([1, 1]);
      expect(fal.submits).toHaveLength(2);

      manager.child.kill("SIGTERM");
      expect(await manager.exited).toBe(0);
      // Each shard process stopped itself (not killed with the manager): both said so, and both gateway sessions closed.
      expect(manager.stdout().match(/"msg":"shutting down; unfinished jobs stay in the store/g)).toHaveLength(2);
      await discord.waitFor(() => discord.gatewayShards().length === 0, 5000, "gateway sessions closed");
      assertNoSecrets([discord.token, fal.key], [...manager.stdout().split("\n"), ...manager.stderr().split("\n")], discord, fal);
    } finally {
      await Promise.all([discord.close(), fal.close()]);
      await database.drop();
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 60_000);

  it("(e) when SHARD_COUNT=2 without DATABASE_URL, then it refuses in one line and exits 1", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "storycast-sharded-"));
    try {
      const manager = runBot("dist/src/sharded.js", { PATH: process.env.PATH, DISCORD_TOKEN: "test-discord-token", FAL_KEY: "test-fal-key", DISCORD_API_URL: "http://127.0.0.1:9", SHARD_COUNT: "2", LOG_LEVEL: "info" }, cwd);
      expect(await manager.exited).toBe(1);
      expect(manager.stderr().trim().split("\n")).toEqual(["StoryCast could not start: start:sharded with 2 shards needs DATABASE_URL (PostgreSQL), shared by the processes"]);
      expect(manager.stdout()).not.toMatch(/shard process started/);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
