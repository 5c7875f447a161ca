import type { Migration, MigrationProvider } from "kysely";
import type { SqlDialectName } from "../schema.js";
import { initialMigration } from "./001-initial.js";
import { jobLeasesMigration } from "./002-job-leases.js";
import { metaMigration } from "./003-meta.js";
import { storybookLeasesMigration } from "./004-storybook-leases.js";
import { jobStepsMigration } from "./005-job-steps.js";
import { jobKindMigration } from "./006-job-kind.js";
import { rulesServerMigration } from "./007-rules-server.js";
import { rulesUsageIndexMigration } from "./008-rules-usage-index.js";

/**
 * Every migration, listed here rather than found by scanning a folder, so the same code runs
 * from src/ under tests and from dist/ in production. Forward-only: a released migration is
 * never edited; a change is a new entry with the next number (Kysely runs them in name order).
 */
export function migrationsFor(dialect: SqlDialectName): Record<string, Migration> {
  return {
    "001_initial": initialMigration(dialect),
    "002_job_leases": jobLeasesMigration(dialect),
    "003_meta": metaMigration,
    "004_storybook_leases": storybookLeasesMigration(dialect),
    "005_job_steps": jobStepsMigration(dialect),
    "006_job_kind": jobKindMigration(dialect),
    "007_rules_server": rulesServerMigration(dialect),
    "008_rules_usage_index": rulesUsageIndexMigration,
  };
}

export function migrationProvider(dialect: SqlDialectName): MigrationProvider {
  return { getMigrations: async () => migrationsFor(dialect) };
}
