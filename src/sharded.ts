import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { REST, Routes, ShardingManager, type RESTGetAPIGatewayBotResult } from "discord.js";
import { secretsOf } from "./config.js";
import { loadConfigOrExit } from "./load-config.js";
import { createLogger } from "./logger.js";
import { createRedactor } from "./util/redact.js";

/**
 * `npm run start:sharded`: one machine, several processes. discord.js's ShardingManager spawns
 * one bot process per gateway shard (SHARD_COUNT, or as many as Discord recommends) and
 * respawns a process that dies; the processes share the PostgreSQL store, where leases decide
 * which process follows which job, so a job of a dead process is taken over by another.
 */
const config = loadConfigOrExit();
const logger = createLogger(config.logLevel, secretsOf(config));
const redact = createRedactor(secretsOf(config));

function exitWith(message: string): never {
  console.error(redact(`StoryCast could not start: ${message}`));
  process.exit(1);
}

/** Discord's recommended shard count, asked through the same API base as the bot (DISCORD_API_URL in tests). */
async function recommendedShardCount(): Promise<number> {
  const rest = new REST(config.discordApiUrl ? { api: config.discordApiUrl } : {}).setToken(config.discordToken);
  const gateway = (await rest.get(Routes.gatewayBot())) as RESTGetAPIGatewayBotResult;
  return gateway.shards;
}

let totalShards: number;
try {
  totalShards = config.shards?.count ?? (await recommendedShardCount());
} catch (error) {
  exitWith(`could not ask Discord how many shards to run: ${error instanceof Error ? error.message : String(error)}`);
}
if (config.shards?.ids) exitWith("SHARD_IDS is for processes you start yourself; start:sharded runs every shard of SHARD_COUNT, one process each");
// The embedded SQLite store belongs to one process: two processes on one file would not share limits or leases safely.
if (totalShards > 1 && !config.databaseUrl) exitWith(`start:sharded with ${totalShards} shards needs DATABASE_URL (PostgreSQL), shared by the processes`);

const manager = new ShardingManager(join(dirname(fileURLToPath(import.meta.url)), "index.js"), {
  totalShards,
  token: config.discordToken,
  respawn: true,
  execArgv: ["--max-semi-space-size=2", "--max-old-space-size=512"],
});
manager.on("shardCreate", (shard) => {
  logger.info({ shard: shard.id, totalShards }, "shard process started");
  shard.on("death", (child) => logger.warn({ shard: shard.id, exitCode: "exitCode" in child ? child.exitCode : null }, "shard process exited; respawning"));
});

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "stopping every shard process");
  manager.respawn = false;
  // Each process stops itself within SHUTDOWN_TIMEOUT_SECONDS (unfinished jobs stay in the store).
  const exits = [...manager.shards.values()].map(
    (shard) =>
      new Promise<number>((resolve) => {
        const child = shard.process;
        if (!child || child.exitCode !== null) return resolve(child?.exitCode ?? 0);
        child.once("exit", (code) => resolve(code ?? 1));
        child.kill("SIGTERM");
      }),
  );
  const codes = await Promise.all(exits);
  process.exit(codes.every((code) => code === 0) ? 0 : 1);
}
process.once("SIGINT", () => void stop("SIGINT"));
process.once("SIGTERM", () => void stop("SIGTERM"));

try {
  // No spawn timeout: a process that is slow to become ready is still starting, not failed.
  await manager.spawn({ amount: totalShards, delay: config.shardSpawnDelayMs, timeout: -1 });
  logger.info({ totalShards }, "every shard process started");
} catch (error) {
  logger.fatal({ err: error }, "could not start the shard processes");
  exitWith(error instanceof Error ? error.message : String(error));
}
