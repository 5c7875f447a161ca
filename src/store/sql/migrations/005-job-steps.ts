import type { Kysely, Migration } from "kysely";
import type { SqlDialectName } from "../schema.js";
import { addMissingColumns } from "./add-missing-columns.js";

/**
 * Jobs of other endpoints and of several steps: what each job costs (every step at its
 * endpoint's price, as the member was told; usage sums it) and, for a job of two fal steps,
 * which step it is at (JSON JobPipeline). Rows from before have neither: they are one-step
 * character jobs, priced by speed as before.
 */
export function jobStepsMigration(dialect: SqlDialectName): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await addMissingColumns(db, dialect, "jobs", {
        cost_usd: dialect === "postgres" ? "DOUBLE PRECISION" : "REAL",
        pipeline: "TEXT",
      });
    },
  };
}
