import { startApp, type RunningApp } from "./app.js";
import { secretsOf } from "./config.js";
import { loadConfigOrExit } from "./load-config.js";
import { createLogger } from "./logger.js";
import { createRedactor } from "./util/redact.js";

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel, secretsOf(config));
// Node would print an uncaught error straight to stderr, its URL (an interaction token) included:
// log it through the redacting logger instead, then exit 1 as Node would (the store keeps every job).
process.on("uncaughtException", (error) => {
  logger.fatal({ err: error }, "uncaught exception; exiting");
  process.exit(1);
});
process.on("unhandledRejection", (reason) => {
  logger.fatal({ err: reason }, "unhandled rejection; exiting");
  process.exit(1);
});

// Signals are handled from the first moment: a SIGTERM that arrives while the bot is still
// starting (logging in, resuming jobs, syncing commands) must not kill it mid-write with Node's
// default action; the stop waits for the start to finish, then stops like any other.
let starting: Promise<RunningApp> | undefined;
let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down; unfinished jobs stay in the store and resume on the next start");
  // Never hang a deploy, and never call a stuck stop clean: past the deadline, exit 1. What was
  // left is resumed from the store on the next start.
  setTimeout(() => {
    logger.error({ deadlineMs: config.shutdownTimeoutMs }, "shutdown did not finish before its deadline; exiting with work pending");
    process.exit(1);
  }, config.shutdownTimeoutMs + 2000).unref();
  // A start that fails reports itself (below) and exits 1; only a started app is stopped here.
  void starting?.then((app) =>
    app.stop().then(
      ({ pending }) => {
        if (pending.length === 0) process.exit(0);
        logger.error({ pending, deadlineMs: config.shutdownTimeoutMs }, "shutdown deadline passed with jobs still under way; they resume on the next start");
        process.exit(1);
      },
      (error: unknown) => {
        logger.error({ err: error }, "error while stopping");
        process.exit(1);
      },
    ),
    () => undefined,
  );
};
process.once("SIGINT", () => shutdown("SIGINT"));
process.once("SIGTERM", () => shutdown("SIGTERM"));

try {
  starting = startApp(config, logger);
  await starting;
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  logger.fatal({ err: error }, "could not start");
  // Not through the logger, so redacted here: a start-up error may quote a URL or a header.
  console.error(createRedactor(secretsOf(config))(`StoryCast could not start: ${message}`));
  process.exit(1);
}
