import { randomBytes } from "node:crypto";
import { Client, Events, GatewayIntentBits } from "discord.js";
import { commands } from "../commands/index.js";
import type { AppContext } from "./app-context.js";
import type { Config } from "./config.js";
import { createDiscordReporter } from "./discord/discord-reporter.js";
import { syncCommands } from "./discord/register-commands.js";
import { createRouter } from "./discord/router.js";
import { createFalService } from "./fal/fal-service.js";
import { createJobRunner } from "./jobs/job-runner.js";
import type { Logger } from "./logger.js";
import { openSqliteJobStore } from "./store/sqlite-job-store.js";

export interface RunningApp {
  client: Client<true>;
  context: AppContext;
  stop(): Promise<void>;
}

/** Job ids go into button custom_ids and messages: short, URL-safe, unguessable enough. */
const newJobId = () => randomBytes(6).toString("base64url");

/** Wires the bot together (config → store → fal → Discord client → router), logs in and syncs commands. */
export async function startApp(config: Config, logger: Logger): Promise<RunningApp> {
  const store = openSqliteJobStore(config.dataDir);
  const fal = createFalService({ credentials: config.falKey, proxyUrl: config.falProxyUrl, requestTimeoutMs: config.falRequestTimeoutMs });
  // Only the Guilds intent: no privileged intents are needed for slash commands.
  const client = new Client({ intents: [GatewayIntentBits.Guilds], ...(config.discordApiUrl ? { rest: { api: config.discordApiUrl } } : {}) });
  const reporter = createDiscordReporter({ rest: client.rest, logger, progressEditIntervalMs: config.progressEditIntervalMs });
  const runner = createJobRunner({ store, fal, reporter, logger, pollIntervalMs: config.pollIntervalMs, jobTimeoutMs: config.jobTimeoutMs });
  const context: AppContext = { config, logger, store, fal, runner, now: Date.now, newJobId };
  const route = createRouter(commands, context);

  client.on(Events.InteractionCreate, (interaction) => void route(interaction));
  client.on(Events.Error, (error) => logger.error({ err: error }, "discord client error"));
  client.on(Events.ShardDisconnect, (event) => logger.warn({ code: event.code }, "gateway disconnected"));

  const ready = new Promise<Client<true>>((resolve) => client.once(Events.ClientReady, resolve));
  try {
    await client.login(config.discordToken);
  } catch (error) {
    store.close();
    await client.destroy();
    throw error;
  }
  const readyClient = await ready;
  logger.info({ user: readyClient.user.tag, applicationId: readyClient.application.id }, "logged in");
  await syncCommands(client.rest, readyClient.application.id, config.guildId, commands.map((command) => command.definition), logger);
  for (const job of store.unfinished()) void runner.resume(job);

  return {
    client: readyClient,
    context,
    async stop() {
      route.close();
      runner.stopAll();
      await client.destroy();
      store.close();
    },
  };
}
