import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseMoveConfig } from "./config.js";
import { loadConfigOrExit } from "./load-config.js";
import { copyDatabase } from "./ops/copy-database.js";
import { describeUrl, openSqlDatabase } from "./store/sql/open-sql-database.js";

/**
 * `npm run migrate-to-postgres`: copies a SQLite deployment (DATA_DIR) into the PostgreSQL
 * database at DATABASE_URL — jobs, characters with their image copies, stories and scenes,
 * server settings, and so usage. Stop the bot first. Safe to run again: rows already copied
 * are left alone, so an interrupted copy is finished by running it once more.
 */
const config = loadConfigOrExit(parseMoveConfig);
const file = join(config.dataDir, "storycast.sqlite");
if (!existsSync(file)) {
  console.error(`Nothing to copy: there is no ${file}. Set DATA_DIR to the folder of the SQLite deployment.`);
  process.exit(1);
}

try {
  const source = await openSqlDatabase({ dataDir: config.dataDir });
  const target = await openSqlDatabase({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  console.log(`Copying ${file} into ${describeUrl(config.databaseUrl)}…`);
  try {
    const reports = await copyDatabase(source.db, target.db, (report) =>
      console.log(`  ${report.table}: ${report.copied} copied${report.alreadyThere > 0 ? `, ${report.alreadyThere} already there` : ""}`),
    );
    const copied = reports.reduce((sum, report) => sum + report.copied, 0);
    console.log(`Done: ${copied} rows copied. Start StoryCast with DATABASE_URL set; the SQLite file is left as it was (keep it as a backup).`);
  } finally {
    await Promise.all([source.close(), target.close()]);
  }
} catch (error) {
  // openSqlDatabase's errors are one line without the password.
  console.error(`The copy did not finish: ${error instanceof Error ? error.message : String(error)}. Run it again to finish it: rows already copied are skipped.`);
  process.exit(1);
}
