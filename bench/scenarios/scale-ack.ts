// 8. Acknowledgement latency across processes: the compiled bot as real processes, one on a
//    SQLite file with one gateway shard ("sqlite-1") or three on one PostgreSQL, one shard of
//    three each ("postgres-3"), serving three servers that land on the three shards; /imagine at each rate for a few
//    seconds, spread evenly over the servers. Latency as in scenario 1: dispatched on the fake
//    gateway → its callback received by the fake Discord. Jobs are held at fal for the whole
//    window (real generations take longer than it), so what the bots do meanwhile is admission,
//    the job row, the reference upload, the deployment-wide fal line and its messages.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/config.js";
import { startFakeDiscord, type FakeDiscord, type FakeUser, type InteractionHandle } from "../../fakes/discord/index.js";
import { makePng, startFakeFal, type FakeFal } from "../../fakes/fal/index.js";
import { fakeAddresses } from "../../test/support/stack.js";
import { benchDatabase, type BenchDatabase } from "../postgres-server.js";
import { spawnProbedBot, type ProbedBot } from "../probed-bot.js";
import { round, roundSummary, summarize, type Summary } from "../stats.js";
import { productionNodeFlags } from "../subjects.js";
import { dispatchPaced, JobWatch, repoRoot, waitUntil } from "../support.js";

export type Deployment = "sqlite-1" | "postgres-3";

export interface ScaleOptions {
  deployments: Deployment[];
  /** Interactions per second; each rate gets a fresh deployment and database. */
  rates: number[];
  /** How long each rate is kept up. */
  seconds: number;
  /**
   * Servers on each of the three shards; the interactions go to them in turn. PostgreSQL admits
   * one job per server at a time (the admission lock of the job's transaction), so few servers
   * sharing a whole burst is the worst case; a bot that sees hundreds per second has many.
   */
  serversPerShard: number;
  referenceBytes: number;
}

export interface ScaleProcessResult {
  /** The gateway shards the process ran, of the deployment's `shardCount`. */
  shards: string;
  /** Interactions from the servers on its shards. */
  interactions: number;
  ackP99Ms: number;
  /** From the first dispatch to the last callback. */
  eventLoopDelayP99Ms: number;
  /** Since the process started (start-up, warm-up and the rate). */
  rssPeakMb: number;
}

export interface ScaleRateResult {
  perSecond: number;
  interactions: number;
  acknowledged: number;
  /** No callback within 30 s, or a callback after Discord's 3 s. */
  missedDeadline: number;
  dispatchSpanMs: number;
  latencyMs: Summary;
  processes: ScaleProcessResult[];
  /** Jobs fal received from the rate, once min(interactions, MAX_CONCURRENT_JOBS) had arrived (the rest wait in line: the cap is deployment-wide). */
  falSubmits: number;
}

export interface ScaleResult {
  deployment: Deployment;
  store: "sqlite" | "postgres";
  processes: number;
  settings: { seconds: number; servers: number; referenceBytes: number; maxConcurrentJobs: number; maxQueuedJobs: number; shardCount: number; postgresServer?: "embedded" | "given"; nodeFlags: string[] };
  rates: ScaleRateResult[];
}

const SHARDS = 3;
const DISCORD_DEADLINE_MS = 3000;
/** So that no interaction of the burst is turned away by the queue cap: every one writes a job. */
const MAX_QUEUED_JOBS = 100_000;
/** 512×512 output, as scenario 1. */
const SMALL_OUTPUT = { size: "square" };

interface Running {
  discord: FakeDiscord;
  fal: FakeFal;
  bots: { bot: ProbedBot; shards: number[] }[];
  /** Shards across the deployment (SHARD_COUNT). */
  shardCount: number;
  logs: string[];
  maxConcurrentJobs: number;
  database?: BenchDatabase;
  stop(): Promise<void>;
}

export async function benchScaleAck(deployment: Deployment, options: ScaleOptions, postgresAdminUrl: string | undefined, log: (line: string) => void = () => {}): Promise<ScaleResult> {
  const reference = makePng({ width: 512, height: 512, seed: 7, targetBytes: options.referenceBytes });
  const nodeFlags = productionNodeFlags();
  const rates: ScaleRateResult[] = [];
  let settings: ScaleResult["settings"] | undefined;
  for (const perSecond of options.rates) {
    const running = await startDeployment(deployment, options.serversPerShard, nodeFlags, postgresAdminUrl, log);
    try {
      const { discord, fal, bots } = running;
      const guilds = discord.guilds();
      settings ??= {
        seconds: options.seconds,
        servers: guilds.length,
        referenceBytes: reference.length,
        maxConcurrentJobs: running.maxConcurrentJobs,
        maxQueuedJobs: MAX_QUEUED_JOBS,
        shardCount: running.shardCount,
        ...(running.database ? { postgresServer: running.database.server } : {}),
        nodeFlags,
      };
      const attachment = discord.attachment(reference, "knight.png");
      await warmUp(running, guilds.slice(0, SHARDS).map((g) => g.id), attachment);
      fal.defaults = { hold: true };
      const submitsBefore = fal.submits.length;
      const count = Math.round(perSecond * options.seconds);
      log(`scale (${deployment}): ${count} /imagine at ${perSecond}/s over ${options.seconds} s`);
      await Promise.all(bots.map((b) => b.bot.endPhase()));
      const users: FakeUser[] = [discord.users.alice, discord.users.bob, discord.users.mod];
      const paced = await dispatchPaced(count, options.seconds * 1000, (i) =>
        discord.command("imagine", { prompt: `bench scene ${i}: the knight on the moon`, reference: attachment, ...SMALL_OUTPUT }, { guildId: guilds[i % guilds.length]!.id, user: users[i % users.length]! }),
      );
      const handles: InteractionHandle[] = paced.items;
      const latencies = await Promise.all(handles.map((h) => h.callback(30_000).then((cb) => cb.at - h.dispatchedAt, () => undefined)));
      const processes: ScaleProcessResult[] = [];
      for (const { bot, shards } of bots) {
        const phase = await bot.endPhase();
        // Which process got an interaction: the one running its server's shard.
        const mine = latencies.filter((_, i) => shards.includes(discord.shardOf(guilds[i % guilds.length]!.id, running.shardCount)));
        const acked = mine.filter((ms): ms is number => ms !== undefined);
        processes.push({
          shards: shards.join(","),
          interactions: mine.length,
          ackP99Ms: round(summarize(acked).p99),
          eventLoopDelayP99Ms: round(phase.eventLoopDelayP99Ms),
          rssPeakMb: round(await bot.peakRssMb()),
        });
      }
      const acked = latencies.filter((ms): ms is number => ms !== undefined);
      // The line lets at most MAX_CONCURRENT_JOBS through across the deployment: wait for that many submits (or every job).
      const expected = Math.min(count, running.maxConcurrentJobs);
      await waitUntil(() => fal.submits.length - submitsBefore >= expected, 30_000, `${expected} submits at fal`).catch((error: unknown) => log(`  ${(error as Error).message} (continuing)`));
      rates.push({
        perSecond,
        interactions: handles.length,
        acknowledged: acked.length,
        missedDeadline: handles.length - acked.filter((ms) => ms <= DISCORD_DEADLINE_MS).length,
        dispatchSpanMs: round(paced.spanMs, 0),
        latencyMs: roundSummary(summarize(acked)),
        processes,
        falSubmits: fal.submits.length - submitsBefore,
      });
    } finally {
      const stopping = performance.now();
      await running.stop();
      log(`scale (${deployment}): stopped in ${((performance.now() - stopping) / 1000).toFixed(1)} s`);
    }
  }
  return { deployment, store: deployment === "sqlite-1" ? "sqlite" : "postgres", processes: deployment === "sqlite-1" ? 1 : SHARDS, settings: settings!, rates };
}

/** The fakes (three servers, one per shard), the database and the bot processes, each ready. */
async function startDeployment(deployment: Deployment, serversPerShard: number, nodeFlags: string[], postgresAdminUrl: string | undefined, log: (line: string) => void): Promise<Running> {
  const begun = performance.now();
  const [discord, fal] = await Promise.all([
    startFakeDiscord({ shardCount: SHARDS, maxConcurrency: SHARDS, guildShard: [0, SHARDS], guilds: moreServers(serversPerShard) }),
    startFakeFal(),
  ]);
  const dataDirs: string[] = [];
  const bots: Running["bots"] = [];
  let database: BenchDatabase | undefined;
  const stop = async () => {
    await Promise.all(bots.map((b) => b.bot.stop()));
    await Promise.all([discord.close(), fal.close()]);
    await database?.dispose();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (deployment === "postgres-3") database = await benchDatabase(postgresAdminUrl);
    // One process with one shard (what a deployment below Discord's 2,500 servers per shard runs);
    // three processes with one shard of three each.
    const shardCount = deployment === "sqlite-1" ? 1 : SHARDS;
    const plan: number[][] = deployment === "sqlite-1" ? [[0]] : [[0], [1], [2]];
    const logs: string[] = [];
    let maxConcurrentJobs = 0;
    const started = await Promise.allSettled(
      plan.map(async (shards) => {
        const dataDir = mkdtempSync(join(tmpdir(), "storycast-bench-scale-"));
        dataDirs.push(dataDir);
        const env: NodeJS.ProcessEnv = {
          PATH: process.env.PATH,
          ...fakeAddresses(discord, fal, dataDir),
          // Commands registered globally (the servers are several), once per deployment.
          DISCORD_GUILD_ID: "",
          MAX_QUEUED_JOBS: String(MAX_QUEUED_JOBS),
          SHARD_COUNT: String(shardCount),
          ...(database ? { DATABASE_URL: database.url, SHARD_IDS: shards.join(",") } : {}),
        };
        const parsed = parseConfig(env);
        if (!parsed.ok) throw new Error(`bench: bad bot environment: ${parsed.problems.join("; ")}`);
        maxConcurrentJobs = parsed.config.maxConcurrentJobs;
        const bot = await spawnProbedBot({
          entry: join(repoRoot(), "dist/src/index.js"),
          nodeFlags,
          env,
          cwd: dataDir,
          ready: /"msg":"commands (registered|up to date)/,
          readyTimeoutMs: 60_000,
          onLine: (line) => logs.push(line),
        });
        bots.push({ bot, shards });
      }),
    );
    const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed) throw failed.reason;
    bots.sort((a, b) => a.shards[0]! - b.shards[0]!);
    await discord.waitForShards(plan.flat(), 30_000);
    log(`scale (${deployment}): ${bots.length} process${bots.length === 1 ? "" : "es"} ready in ${((performance.now() - begun) / 1000).toFixed(1)} s`);
    return { discord, fal, bots, shardCount, logs, maxConcurrentJobs, ...(database ? { database } : {}), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Servers besides the fake's main one (on shard 0), so that each of the shards has `perShard`, interleaved. */
function moreServers(perShard: number): { shard: [number, number] }[] {
  const servers: { shard: [number, number] }[] = [];
  for (let k = 0; k < perShard; k++) for (let shard = k === 0 ? 1 : 0; shard < SHARDS; shard++) servers.push({ shard: [shard, SHARDS] });
  return servers;
}

/** One quick job per shard, so that every process has compiled its paths (and the fake Discord its schemas). */
async function warmUp(running: Running, guildIds: string[], reference: ReturnType<FakeDiscord["attachment"]>): Promise<void> {
  const watch = new JobWatch(running.logs);
  for (const guildId of guildIds) {
    running.fal.script({ queueMs: 0, runMs: 0, hold: false });
    running.discord.command("imagine", { prompt: "warm-up", reference, ...SMALL_OUTPUT }, { guildId, user: running.discord.users.alice });
  }
  await waitUntil(() => watch.finished >= guildIds.length, 60_000, "the warm-up jobs");
  if (watch.failed > 0) throw new Error(`bench: a warm-up job failed: ${running.logs.filter((l) => /"level":(40|50)/.test(l)).slice(-3).join(" | ")}`);
}
