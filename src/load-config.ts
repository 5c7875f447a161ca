import dotenv from "dotenv";
import { parseConfig, type Config } from "./config.js";

/**
 * Reads .env (if present) and the environment, once. On a bad configuration prints one
 * line per problem and exits with code 1: no stack trace, nothing else started.
 */
export function loadConfigOrExit(): Config;
export function loadConfigOrExit<T>(parse: (env: NodeJS.ProcessEnv) => { ok: true; config: T } | { ok: false; problems: string[] }): T;
export function loadConfigOrExit(parse: (env: NodeJS.ProcessEnv) => { ok: true; config: unknown } | { ok: false; problems: string[] } = parseConfig): unknown {
  dotenv.config({ quiet: true });
  const result = parse(process.env);
  if (!result.ok) {
    for (const problem of result.problems) console.error(`Configuration error: ${problem}`);
    console.error("See .env.example for every variable StoryCast reads.");
    process.exit(1);
  }
  return result.config;
}
