import type { Kysely, Migration } from "kysely";

/** Deployment-wide facts shared by every process (e.g. which command set was registered). */
export const metaMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("meta")
      .ifNotExists()
      .addColumn("key", "text", (c) => c.primaryKey())
      .addColumn("value", "text", (c) => c.notNull())
      .execute();
  },
};
