import { startApp } from "./app.js";
import { loadConfigOrExit } from "./load-config.js";
import { createLogger } from "./logger.js";
import { createRedactor } from "./util/redact.js";

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel, [config.discordToken, config.falKey]);

try {
  const app = await startApp(config, logger);
  const shutdown = (signal: string) => {
    logger.info({ signal }, "shutting down; unfinished jobs stay in the store and resume on the next start");
    // Never hang a deploy: whatever is left after 9 s is resumed from the store next time.
    setTimeout(() => process.exit(0), 9000).unref();
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "error while stopping");
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  logger.fatal({ err: error }, "could not start");
  // Not through the logger, so redacted here: a start-up error may quote a URL or a header.
  console.error(createRedactor([config.discordToken, config.falKey])(`StoryCast could not start: ${message}`));
  process.exit(1);
}
