import type { SqlDialectName } from "../schema.js";

/** Column types that differ between the dialects; everything else (TEXT, INTEGER) is spelled the same. */
export function columnTypes(dialect: SqlDialectName) {
  return dialect === "postgres"
    ? ({ timestamp: "bigint", bytes: "bytea" } as const)
    : // INTEGER, not BIGINT: the type the first SQLite release declared (both hold 64 bits there).
      ({ timestamp: "integer", bytes: "blob" } as const);
}
