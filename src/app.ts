import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { Client, Events, GatewayIntentBits, Status } from "discord.js";
import { commands, messageCommands } from "../commands/index.js";
import type { AppContext } from "./app-context.js";
import type { Config } from "./config.js";
import { createDiscordReporter } from "./discord/discord-reporter.js";
import { commandBodies } from "./discord/command-bodies.js";
import { syncCommands } from "./discord/register-commands.js";
import { createRouter } from "./discord/router.js";
import { endPendingConfirmations } from "./discord/confirm-cost.js";
import { resumeStorybooks } from "./discord/story-end.js";
import { createFalService } from "./fal/fal-service.js";
import { createJobRunner } from "./jobs/job-runner.js";
import { startLeaseKeeper } from "./jobs/lease-keeper.js";
import { createSharedJobSlots } from "./jobs/shared-job-slots.js";
import type { Logger } from "./logger.js";
import { startHealthServer, type HealthReport } from "./ops/health-server.js";
import { withDeploymentLock } from "./store/sql/deployment-lock.js";
import { withCachedSettings } from "./store/cached-server-settings.js";
import { openStores } from "./store/sql/open-stores.js";
import { systemClock, type Clock } from "./util/clock.js";

export interface RunningApp {
  client: Client<true>;
  context: AppContext;
  /** Where GET /health answers, when HEALTH_PORT is set. */
  healthUrl: string | undefined;
  /** Stops within `shutdownTimeoutMs`; resolves with the jobs still under way when the time ran out. */
  stop(): Promise<{ pending: { jobId: string; state: string }[] }>;
}

/** How long a process keeps a server's settings; a change made in another process is seen within this. */
const SETTINGS_CACHE_MS = 5000;

/** Job ids go into button custom_ids and messages: short, URL-safe, unguessable enough. */
const newJobId = () => randomBytes(6).toString("base64url");

export interface StartOptions {
  /** The bot's one clock; tests pass one they can move. */
  clock?: Clock;
}

/** Wires the bot together (config → store → fal → Discord client → router), logs in, resumes unfinished work and syncs commands. */
export async function startApp(config: Config, logger: Logger, options: StartOptions = {}): Promise<RunningApp> {
  const clock = options.clock ?? systemClock;
  const now = () => clock.now();
  // SQLite in DATA_DIR (one process), or PostgreSQL shared by every process; migrated before anything reads it.
  const { jobs: store, characters, servers: storedServers, stories, dialect, db, migrated } = await openStores({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    now,
    logger,
    leaseMs: config.jobLeaseMs,
  });
  if (migrated.length > 0) logger.info({ dialect, migrations: migrated }, "database migrated");
  // Settings are read before every acknowledgement: kept a few seconds per process (see the file).
  const servers = withCachedSettings(storedServers, { now, ttlMs: SETTINGS_CACHE_MS });
  const fal = createFalService({ credentials: config.falKey, proxyUrl: config.falProxyUrl, requestTimeoutMs: config.falRequestTimeoutMs, streamMaxMs: config.falStatusStreamMaxMs, clock });
  // Only the Guilds intent: no privileged intents are needed for slash commands.
  // Shards: SHARD_COUNT/SHARD_IDS when set (SHARD_COUNT alone: all of them, or those a ShardingManager
  // gives this process); unset: as many as Discord recommends (GET /gateway/bot).
  const shards = config.shards ? { shardCount: config.shards.count, ...(config.shards.ids ? { shards: [...config.shards.ids] } : {}) } : { shards: "auto" as const };
  const client = new Client({ intents: [GatewayIntentBits.Guilds], ...shards, ...(config.discordApiUrl ? { rest: { api: config.discordApiUrl } } : {}) });
  const reporter = createDiscordReporter({ rest: client.rest, logger, progressEditIntervalMs: config.progressEditIntervalMs, now });
  // MAX_CONCURRENT_JOBS across every process on the database; a waiting job asks again at least every poll interval.
  const slots = createSharedJobSlots({ line: store, cap: config.maxConcurrentJobs, clock, pollMs: config.pollIntervalMs });
  const runner = createJobRunner({ store, fal, reporter, slots, logger, pollIntervalMs: config.pollIntervalMs, jobTimeoutMs: config.jobTimeoutMs, clock });
  const context: AppContext = { config, logger, store, characters, servers, stories, fal, runner, slots, clock, now, newJobId };
  const route = createRouter(commands, context, messageCommands);
  // The jobs a previous run left unfinished, read before any interaction can create one:
  // a job started while commands sync is never mistaken for an interrupted one.
  // Awaited before the interaction listener exists, so no interaction can be handled before them.
  // On SQLite this is the only process: every unfinished job (and storybook) is its own. On
  // PostgreSQL it takes those no live process holds; the lease keepers take the rest once their leases run out.
  const [interrupted, interruptedStorybooks] = await Promise.all([
    store.claimOrphans(Number.MAX_SAFE_INTEGER, { everything: dialect === "sqlite" }),
    stories.claimStorybooks({ everything: dialect === "sqlite" }),
  ]);

  client.on(Events.InteractionCreate, (interaction) => void route(interaction));
  client.on(Events.Error, (error) => logger.error({ err: error }, "discord client error"));
  client.on(Events.ShardDisconnect, (event) => logger.warn({ code: event.code }, "gateway disconnected"));

  const ready = new Promise<Client<true>>((resolve) => client.once(Events.ClientReady, resolve));
  try {
    await client.login(config.discordToken);
  } catch (error) {
    await store.releaseLeases().catch(() => undefined); // best effort: otherwise they run out on their own
    await stories.releaseStorybooks().catch(() => undefined);
    await store.close();
    await client.destroy();
    throw error;
  }
  const readyClient = await ready;
  logger.info({ user: readyClient.user.tag, applicationId: readyClient.application.id }, "logged in");
  // Resume first: Discord's REST works now, and command sync can take a while.
  if (interrupted.length > 0) logger.info({ jobs: interrupted.length }, "resuming unfinished jobs");
  for (const job of interrupted) void runner.resume(job);
  resumeStorybooks(context, client.rest, interruptedStorybooks);
  const leases = startLeaseKeeper({
    what: "job",
    renew: () => store.renewLeases(),
    // A few at a time: a burst of takeovers is spread over several scans instead of one stampede.
    claim: () => store.claimOrphans(25),
    clock,
    logger,
    leaseMs: config.jobLeaseMs,
    abandon: (jobId) => runner.abandon(jobId),
    resume: (job) => void runner.resume(job),
  });
  const storybookLeases = startLeaseKeeper({
    what: "storybook",
    renew: () => stories.renewStorybooks(),
    claim: () => stories.claimStorybooks(),
    clock,
    logger,
    leaseMs: config.jobLeaseMs,
    // A build under way cannot be called back; only the lease holder posts (it checks before posting).
    abandon: () => undefined,
    resume: (story) => resumeStorybooks(context, client.rest, [story]),
  });
  // Once per deployment: of processes starting together, one compares (and if needed registers) while the others wait, then find them up to date.
  await withDeploymentLock(db, dialect, "commands", () =>
    syncCommands(client.rest, readyClient.application.id, config.guildId, commandBodies(config, { commands, messageCommands }), logger),
  );
  const health = config.health
    ? await startHealthServer(config.health.port, config.health.host, () => healthReport(readyClient, context), (error) => logger.error({ err: error }, "health report failed"))
    : undefined;
  if (health) logger.info({ address: health.address() }, "health endpoint listening");

  let stopping: ReturnType<RunningApp["stop"]> | undefined;
  return {
    client: readyClient,
    context,
    healthUrl: health ? `http://${config.health?.host}:${(health.address() as AddressInfo).port}/health` : undefined,
    stop() {
      stopping ??= (async () => {
        route.close();
        await endPendingConfirmations(context); // price offers still open end saying nothing was charged
        health?.close();
        // Leave a little of the deadline for closing the gateway and the store.
        leases.stop();
        storybookLeases.stop();
        const stillRunning = await runner.drain(Math.max(0, config.shutdownTimeoutMs - 1000));
        const pending = await Promise.all(stillRunning.map(async (jobId) => ({ jobId, state: (await store.get(jobId))?.state.kind ?? "unknown" })));
        // Another process (or the next start) takes this one's unfinished jobs over at once, not after the lease.
        await store.releaseLeases().catch((error: unknown) => logger.error({ err: error }, "could not release job leases; they run out on their own"));
        await stories.releaseStorybooks().catch((error: unknown) => logger.error({ err: error }, "could not release storybook leases; they run out on their own"));
        await client.destroy();
        // A job still running keeps its row as it is; closing under it only ends this process's attempt.
        await store.close();
        return { pending };
      })();
      return stopping;
    },
  };
}

async function healthReport(client: Client<true>, ctx: AppContext): Promise<HealthReport> {
  const ready = client.isReady() && client.ws.status === Status.Ready;
  const storeHealthy = await ctx.store.healthy();
  return {
    ok: ready && storeHealthy,
    gateway: { ready, status: Status[client.ws.status] ?? String(client.ws.status), pingMs: client.ws.ping >= 0 ? client.ws.ping : null },
    jobs: { waitingForSlot: ctx.slots.waiting, atFal: ctx.slots.running, active: ctx.runner.active },
    store: { healthy: storeHealthy },
  };
}
