import { REST, Routes } from "discord.js";
import { commands, messageCommands } from "../commands/index.js";
import { commandBodies } from "./discord/command-bodies.js";
import { syncCommands } from "./discord/register-commands.js";
import { secretsOf } from "./config.js";
import { loadConfigOrExit } from "./load-config.js";
import { createLogger } from "./logger.js";

/** `npm run deploy`: registers the commands (same comparison as at start-up) and exits. */
const config = loadConfigOrExit();
const logger = createLogger(config.logLevel, secretsOf(config));
const rest = new REST(config.discordApiUrl ? { api: config.discordApiUrl } : {}).setToken(config.discordToken);
try {
  const application = (await rest.get(Routes.currentApplication())) as { id: string };
  const { changed } = await syncCommands(rest, application.id, config.guildId, commandBodies(config, { commands, messageCommands }), logger);
  console.log(changed ? "Commands registered." : "Commands were already up to date.");
} catch (error) {
  console.error(`Could not register commands: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
