import type { Kysely, Migration } from "kysely";

/**
 * A server's budgets and `/usage` count the jobs its rules applied to (`rules_guild_id`), not the
 * jobs made in it (`guild_id`): a control pressed on a result that came by DM counts for the
 * server whose rules it borrowed, and a member's own install in a server that did not add
 * StoryCast counts for nobody's server. This index serves those reads; `jobs_usage` served them
 * by `guild_id`, which no query reads any more, so it goes (one index less to write per job).
 */
export const rulesUsageIndexMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.createIndex("jobs_rules_usage").ifNotExists().on("jobs").columns(["rules_guild_id", "created_at"]).execute();
    await db.schema.dropIndex("jobs_usage").ifExists().execute();
  },
};
