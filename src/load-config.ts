import dotenv from "dotenv";
import { parseConfig, type Config } from "./config.js";

/**
 * Reads .env (if present) and the environment, once. On a bad configuration prints one
 * line per problem and exits with code 1: no stack trace, nothing else started.
 */
export function loadConfigOrExit(): Config {
  dotenv.config({ quiet: true });
  const result = parseConfig(process.env);
  if (!result.ok) {
    for (const problem of result.problems) console.error(`Configuration error: ${problem}`);
    console.error("See .env.example for every variable StoryCast reads.");
    process.exit(1);
  }
  return result.config;
}
