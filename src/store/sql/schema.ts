import type { ColumnType, Generated } from "kysely";

/**
 * The tables as Kysely sees them. Column names are those the first SQLite release used, so
 * migration 001 can adopt its files. Timestamps are ms since the epoch (INTEGER on SQLite,
 * BIGINT on PostgreSQL, a JS number on both); JSON values are TEXT; image bytes are a Buffer.
 */
export interface Database {
  jobs: JobsTable;
  characters: CharactersTable;
  server_settings: ServerSettingsTable;
  stories: StoriesTable;
  scenes: ScenesTable;
  meta: MetaTable;
}

export interface JobsTable {
  id: string;
  created_at: number;
  updated_at: number;
  /** JSON JobOrigin. */
  origin: string;
  /** JSON GenerationSettings. */
  settings: string;
  fal_input: string | null;
  state_kind: string;
  /** JSON JobState. */
  state: string;
  fal_request_id: string | null;
  reroll_of: string | null;
  message_ids: ColumnType<string, string | undefined, string>;
  // Copies of origin/settings fields, kept as plain columns so usage is summed in SQL.
  guild_id: string | null;
  user_id: string | null;
  num_images: ColumnType<number, number | undefined, number>;
  speed: string | null;
  character_id: string | null;
  /** JSON DeliveryPlan. */
  delivery: string | null;
  /** The process holding the job's lease, if any. */
  owner: string | null;
  /** When the lease ends, ms since the epoch. */
  lease_until: number | null;
  /** Incremented on every claim, so a process whose lease was taken over cannot write. */
  fence: Generated<number>;
  /** When the job began waiting for a place at fal (null: not waiting, or never did). */
  waiting_since: number | null;
  /** What the job costs, every step at its price (null: a row from before, priced by speed). */
  cost_usd: number | null;
  /** JSON JobPipeline, for a job of several fal steps. */
  pipeline: string | null;
  /** settings.kind as a column (absent there: imagine), so usage is summed per kind in SQL. */
  kind: ColumnType<string, string | undefined, string>;
  /** When the job was given a place at fal (it counts against MAX_CONCURRENT_JOBS until it leaves pending/submitting/queued). */
  fal_slot_at: number | null;
  /** The server whose settings applied (null outside servers: DMs, user installs), what USER_DAILY_IMAGES counts by. */
  rules_guild_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface CharactersTable {
  id: string;
  scope: string;
  name: string;
  /** characterNameKey(name): what makes names unique per scope, ignoring case. */
  name_key: string;
  reference_url: string;
  mask_url: string | null;
  description: string | null;
  creator_id: string;
  created_at: number;
  times_used: Generated<number>;
  reference_bytes: Buffer | null;
  reference_type: string | null;
  mask_bytes: Buffer | null;
  mask_type: string | null;
}

export interface ServerSettingsTable {
  guild_id: string;
  /** JSON ServerSettings. */
  settings: string;
}

export interface StoriesTable {
  id: string;
  guild_id: string;
  channel_id: string;
  thread_id: string;
  title: string;
  creator_id: string;
  created_at: number;
  ended_at: number | null;
  /** JSON array of character ids. */
  cast_ids: ColumnType<string, string | undefined, string>;
  /** JSON Story["defaults"]. */
  defaults: ColumnType<string, string | undefined, string>;
  storybook_state: ColumnType<string, string | undefined, string>;
  /** JSON StorybookState (absent while none). */
  storybook: string | null;
  /** The process building the storybook (while building; null once settled or released). */
  storybook_owner: string | null;
  /** When that process's lease on the build ends, ms since the epoch. */
  storybook_lease_until: number | null;
}

export interface ScenesTable {
  story_id: string;
  number: number;
  job_id: string;
  author_id: string;
  author_name: string;
  prompt: string;
  character_name: string;
  created_at: number;
}

/** Deployment-wide facts (e.g. which command set was registered), one value per key. */
export interface MetaTable {
  key: string;
  value: string;
}

export type SqlDialectName = "sqlite" | "postgres";
