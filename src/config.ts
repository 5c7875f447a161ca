import { z } from "zod";
import type { Prices } from "./domain/pricing.js";
import { DEFAULT_DISCORD_CDN_HOSTS, parseCdnHosts } from "./domain/discord-cdn-hosts.js";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const isHttpUrl = (value: string) => {
  try {
    return ["http:", "https:"].includes(new URL(value).protocol);
  } catch {
    return false;
  }
};
const optionalUrl = z.string().refine(isHttpUrl, { message: "must be an http(s) URL like http://127.0.0.1:8080" }).optional();

const positiveNumber = (fallback: number) => z.coerce.number().positive().default(fallback);
/** A price per image is cents at fal; anything near this bound is a typo (and would not fit /help's table). */
export const MAX_PRICE_USD = 100;
const dollars = (fallback: number) =>
  z.coerce.number({ message: "must be a dollar amount like 0.15" }).min(0, "must be 0 or more").max(MAX_PRICE_USD, `must be at most ${MAX_PRICE_USD} (dollars per image)`).default(fallback);
/** CONFIRM_COST_ABOVE_USD when unset: a request above this asks the member to confirm first. */
export const DEFAULT_CONFIRM_COST_ABOVE_USD = 0.5;

/** Every variable the bot reads; each one is documented in .env.example. */
const schema = z.object({
  DISCORD_TOKEN: z.string({ message: "is required (the bot token from the Discord developer portal)" }).min(1, "is required"),
  FAL_KEY: z.string({ message: "is required (your fal API key)" }).min(1, "is required"),
  DISCORD_GUILD_ID: z
    .string()
    .regex(/^\d{17,20}$/, "must be a server id (a number of 17–20 digits)")
    .optional(),
  DISCORD_API_URL: optionalUrl,
  FAL_PROXY_URL: optionalUrl,
  DATA_DIR: z.string().min(1).default("./data"),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(", ")}` }).default("info"),
  JOB_TIMEOUT_SECONDS: positiveNumber(600),
  FAL_POLL_INTERVAL_MS: positiveNumber(1000),
  PROGRESS_EDIT_INTERVAL_MS: positiveNumber(2500),
  FAL_REQUEST_TIMEOUT_MS: positiveNumber(60_000),
  FAL_STATUS_STREAM_MAX_MS: positiveNumber(300_000),
  MAX_CONCURRENT_JOBS: z.coerce.number().int().positive().default(20),
  SHUTDOWN_TIMEOUT_SECONDS: positiveNumber(9),
  MAX_QUEUED_JOBS: z.coerce.number().int().positive().default(200),
  JOB_LEASE_SECONDS: positiveNumber(20),
  HEALTH_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  HEALTH_HOST: z.string().min(1).default("127.0.0.1"),
  PRICE_TURBO_USD: dollars(0.1),
  PRICE_BALANCED_USD: dollars(0.15),
  PRICE_QUALITY_USD: dollars(0.2),
  // fal's page prices character/edit and character/remix like character; upscale has no published price.
  PRICE_EDIT_TURBO_USD: dollars(0.1),
  PRICE_EDIT_BALANCED_USD: dollars(0.15),
  PRICE_EDIT_QUALITY_USD: dollars(0.2),
  PRICE_REMIX_TURBO_USD: dollars(0.1),
  PRICE_REMIX_BALANCED_USD: dollars(0.15),
  PRICE_REMIX_QUALITY_USD: dollars(0.2),
  PRICE_UPSCALE_USD: dollars(0.06),
  // A dollar amount, or "off"; parsed below (unset: DEFAULT_CONFIRM_COST_ABOVE_USD).
  CONFIRM_COST_ABOVE_USD: z
    .string()
    .trim()
    .regex(/^(off|\d+(\.\d*)?|\.\d+)$/i, "must be a dollar amount like 0.50 (0: ask before every paid request), or off (never ask)")
    .optional(),
  // Who may use StoryCast where only a member's own install brought it (servers without it, group DMs).
  USER_INSTALL: z.enum(["off", "allowlist", "everyone"], { message: "must be off, allowlist or everyone" }).default("off"),
  USER_INSTALL_ALLOWLIST: z
    .string()
    .regex(/^\s*\d{15,21}\s*(,\s*\d{15,21}\s*)*$/, "must be a comma-separated list of Discord user ids like 123456789012345678,234567890123456789")
    .optional(),
  // Images a member may make per UTC day where no server's settings apply (DMs, user installs).
  USER_DAILY_IMAGES: z.coerce.number({ message: "must be a whole number of images (0 or more)" }).int("must be a whole number of images").min(0, "must be 0 or more").default(20),
  // Where the message menus may fetch images from (host names, or exact origins for the local fakes); parsed below.
  DISCORD_CDN_HOSTS: z.string().optional(),
  // Spending across everything per UTC day, in dollars; unset: no cap.
  GLOBAL_DAILY_CAP_USD: z.coerce.number({ message: "must be a dollar amount like 25" }).positive("must be more than 0 (unset it for no cap)").optional(),
  SHARD_COUNT: z.coerce
    .number({ message: "must be a whole number of at least 1 (the total number of gateway shards across all processes)" })
    .int("must be a whole number of at least 1 (the total number of gateway shards across all processes)")
    .min(1, "must be a whole number of at least 1 (the total number of gateway shards across all processes)")
    .optional(),
  SHARD_IDS: z
    .string()
    .regex(/^\s*\d+\s*(,\s*\d+\s*)*$/, "must be a comma-separated list of shard ids like 0,1")
    .optional(),
  // start:sharded waits this long between starting one shard process and the next: Discord lets a bot
  // IDENTIFY one shard per 5 s (max_concurrency 1), so the default keeps to it; lower it only if yours is higher.
  SHARD_SPAWN_DELAY_MS: z.coerce.number({ message: "must be a number of milliseconds (0 or more)" }).int("must be a whole number of milliseconds").min(0, "must be 0 or more").default(5500),
  // Set by discord.js's ShardingManager (npm run start:sharded) in each process it spawns: its shard id.
  SHARDS: z
    .string()
    .regex(/^\s*(\d+|\[\s*\d+\s*(,\s*\d+\s*)*\])\s*$/, "must be a shard id or a JSON list of them (set by start:sharded)")
    .optional(),
  // Never echoed in a message: it holds the database password.
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/.+/, "must be a PostgreSQL URL like postgres://user:password@host:5432/storycast")
    .optional(),
});

export type Config = Readonly<{
  discordToken: string;
  falKey: string;
  guildId: string | undefined;
  discordApiUrl: string | undefined;
  falProxyUrl: string | undefined;
  dataDir: string;
  logLevel: (typeof LOG_LEVELS)[number];
  jobTimeoutMs: number;
  pollIntervalMs: number;
  progressEditIntervalMs: number;
  falRequestTimeoutMs: number;
  falStatusStreamMaxMs: number;
  maxConcurrentJobs: number;
  shutdownTimeoutMs: number;
  /** Jobs that may wait in this process (for an upload or a fal slot) before newcomers are told to come back later. */
  maxQueuedJobs: number;
  health: { port: number; host: string } | undefined;
  /** Every endpoint's price (per image; per speed for the character endpoints). */
  prices: Readonly<Prices>;
  /**
   * A request that costs more than this (US dollars) waits for the member to confirm the price
   * before anything is written or paid; undefined: never ask (CONFIRM_COST_ABOVE_USD=off).
   */
  confirmCostAboveUsd: number | undefined;
  /**
   * Use where only a member's own install (Discord "user install") brought StoryCast: "off" (the
   * commands are not offered to user installs), "allowlist" (only `userInstallAllowlist`), "everyone".
   */
  userInstall: "off" | "allowlist" | "everyone";
  userInstallAllowlist: ReadonlySet<string>;
  /** Images a member may make per UTC day where no server's settings apply (DMs, user installs). */
  userDailyImages: number;
  /** Dollars StoryCast may spend per UTC day across everything; undefined: no cap. */
  globalDailyCapUsd: number | undefined;
  /** The hosts the message menus fetch images from (see discord-cdn-hosts.ts): Discord's own unless DISCORD_CDN_HOSTS says otherwise. */
  discordCdnHosts: readonly string[];
  /**
   * Gateway shards this process runs (discord.js `shardCount` / `shards`): `count` shards in the whole
   * deployment, `ids` of them here (undefined: all of them). Undefined: as many as Discord recommends.
   */
  shards: Readonly<{ count: number; ids: readonly number[] | undefined }> | undefined;
  /** `npm run start:sharded`: the pause between spawning one shard process and the next (Discord's IDENTIFY rate). */
  shardSpawnDelayMs: number;
  /** How long a process's claim on a job lasts without renewal; another process takes the job over after it. */
  jobLeaseMs: number;
  /** PostgreSQL shared by every process; undefined: the embedded SQLite file in dataDir (one process). */
  databaseUrl: string | undefined;
}>;

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

/**
 * Parses the environment once. Empty strings count as unset, as in most .env files.
 * Returns one human line per problem instead of throwing, so startup can print them all.
 */
export function parseConfig(env: Record<string, string | undefined>): ConfigResult {
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ""),
  );
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = issue.path.join(".");
      const message = issue.code === "invalid_type" && !(name in cleaned) ? "is required" : issue.message;
      return `${name} ${message}`;
    });
    return { ok: false, problems };
  }
  const e = parsed.data;
  const shardIds = e.SHARD_IDS?.split(",").map((id) => Number(id.trim())) ?? managedShardIds(e.SHARDS);
  const problems: string[] = [];
  if (shardIds !== undefined) {
    if (e.SHARD_COUNT === undefined) problems.push("SHARD_IDS needs SHARD_COUNT (the total number of shards across all processes)");
    else {
      const outside = shardIds.filter((id) => id >= e.SHARD_COUNT!);
      if (outside.length > 0)
        problems.push(`SHARD_IDS must be below SHARD_COUNT ${e.SHARD_COUNT} (ids 0 to ${e.SHARD_COUNT - 1}); got ${outside.join(", ")}`);
    }
    const repeated = shardIds.filter((id, i) => shardIds.indexOf(id) !== i);
    if (repeated.length > 0) problems.push(`SHARD_IDS lists a shard twice: ${[...new Set(repeated)].join(", ")}`);
  }
  if (e.USER_INSTALL === "allowlist" && !e.USER_INSTALL_ALLOWLIST)
    problems.push("USER_INSTALL=allowlist needs USER_INSTALL_ALLOWLIST (the Discord user ids who may use StoryCast outside its servers)");
  const cdnHosts = e.DISCORD_CDN_HOSTS === undefined ? undefined : parseCdnHosts(e.DISCORD_CDN_HOSTS);
  if (cdnHosts && "problem" in cdnHosts) problems.push(`DISCORD_CDN_HOSTS: ${cdnHosts.problem}`);
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: Object.freeze({
      discordToken: e.DISCORD_TOKEN,
      falKey: e.FAL_KEY,
      guildId: e.DISCORD_GUILD_ID,
      discordApiUrl: e.DISCORD_API_URL,
      falProxyUrl: e.FAL_PROXY_URL,
      dataDir: e.DATA_DIR,
      logLevel: e.LOG_LEVEL,
      jobTimeoutMs: e.JOB_TIMEOUT_SECONDS * 1000,
      pollIntervalMs: e.FAL_POLL_INTERVAL_MS,
      progressEditIntervalMs: e.PROGRESS_EDIT_INTERVAL_MS,
      falRequestTimeoutMs: e.FAL_REQUEST_TIMEOUT_MS,
      falStatusStreamMaxMs: e.FAL_STATUS_STREAM_MAX_MS,
      maxConcurrentJobs: e.MAX_CONCURRENT_JOBS,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_SECONDS * 1000,
      maxQueuedJobs: e.MAX_QUEUED_JOBS,
      jobLeaseMs: e.JOB_LEASE_SECONDS * 1000,
      shardSpawnDelayMs: e.SHARD_SPAWN_DELAY_MS,
      // Processes spawned by start:sharded share one environment: each answers on HEALTH_PORT + its first shard id.
      health: e.HEALTH_PORT === undefined ? undefined : Object.freeze({ port: e.HEALTH_PORT === 0 || !e.SHARDS ? e.HEALTH_PORT : e.HEALTH_PORT + (shardIds?.[0] ?? 0), host: e.HEALTH_HOST }),
      prices: Object.freeze({
        character: Object.freeze({ TURBO: e.PRICE_TURBO_USD, BALANCED: e.PRICE_BALANCED_USD, QUALITY: e.PRICE_QUALITY_USD }),
        edit: Object.freeze({ TURBO: e.PRICE_EDIT_TURBO_USD, BALANCED: e.PRICE_EDIT_BALANCED_USD, QUALITY: e.PRICE_EDIT_QUALITY_USD }),
        remix: Object.freeze({ TURBO: e.PRICE_REMIX_TURBO_USD, BALANCED: e.PRICE_REMIX_BALANCED_USD, QUALITY: e.PRICE_REMIX_QUALITY_USD }),
        upscale: e.PRICE_UPSCALE_USD,
      }),
      confirmCostAboveUsd: confirmThreshold(e.CONFIRM_COST_ABOVE_USD),
      userInstall: e.USER_INSTALL,
      userInstallAllowlist: new Set(e.USER_INSTALL_ALLOWLIST?.split(",").map((id) => id.trim()) ?? []),
      userDailyImages: e.USER_DAILY_IMAGES,
      globalDailyCapUsd: e.GLOBAL_DAILY_CAP_USD,
      discordCdnHosts: cdnHosts && "hosts" in cdnHosts ? Object.freeze(cdnHosts.hosts) : DEFAULT_DISCORD_CDN_HOSTS,
      shards: e.SHARD_COUNT === undefined ? undefined : Object.freeze({ count: e.SHARD_COUNT, ids: shardIds ? Object.freeze(shardIds) : undefined }),
      databaseUrl: e.DATABASE_URL,
    }),
  };
}

/** CONFIRM_COST_ABOVE_USD: unset → the default; "off" → never ask; else the amount. */
function confirmThreshold(value: string | undefined): number | undefined {
  if (value === undefined) return DEFAULT_CONFIRM_COST_ABOVE_USD;
  return value.toLowerCase() === "off" ? undefined : Number(value);
}

/** The shard ids a ShardingManager gave this process (`SHARDS=3`, or a JSON list). */
function managedShardIds(value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const parsed: unknown = JSON.parse(value);
  return Array.isArray(parsed) ? parsed.map(Number) : [Number(parsed)];
}

/** What `npm run migrate-to-postgres` reads: the SQLite deployment's DATA_DIR and the target DATABASE_URL (no Discord or fal secrets). */
export function parseMoveConfig(env: Record<string, string | undefined>): { ok: true; config: { dataDir: string; databaseUrl: string } } | { ok: false; problems: string[] } {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ""));
  const parsed = z.object({ DATA_DIR: schema.shape.DATA_DIR, DATABASE_URL: schema.shape.DATABASE_URL }).safeParse(cleaned);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`) };
  if (!parsed.data.DATABASE_URL) return { ok: false, problems: ["DATABASE_URL is required (the PostgreSQL database to copy into)"] };
  return { ok: true, config: { dataDir: parsed.data.DATA_DIR, databaseUrl: parsed.data.DATABASE_URL } };
}

/**
 * Everything in the configuration no output may show: the logger and the start-up error line
 * redact these. The database password is one of them (a driver or pool error may quote its URL).
 */
export function secretsOf(config: Pick<Config, "discordToken" | "falKey" | "databaseUrl">): string[] {
  const secrets = [config.discordToken, config.falKey];
  if (config.databaseUrl) {
    try {
      const password = decodeURIComponent(new URL(config.databaseUrl).password);
      if (password) secrets.push(password);
    } catch {
      // DATABASE_URL passed the schema's pattern but not the URL parser: pg refuses it at start-up, quoting nothing.
    }
  }
  return secrets;
}
