import { defineConfig } from "vitest/config";

/**
 * The end-to-end files whose subject is state (restarts, limits under load, characters, stories,
 * time limits, the queue): run a second time on PostgreSQL (project "postgres"), so both stores
 * keep every promise. Everything else runs once, on the default SQLite store.
 */
const STATE_E2E = [
  "test/e2e/restart.test.ts",
  "test/e2e/load.test.ts",
  "test/e2e/settings-and-usage.test.ts",
  "test/e2e/characters.test.ts",
  "test/e2e/stories.test.ts",
  "test/e2e/stories-storybook.test.ts",
  "test/e2e/stories-limits.test.ts",
  "test/e2e/time-limits.test.ts",
  "test/e2e/queue-cap.test.ts",
  "test/e2e/two-characters.test.ts",
  "test/e2e/two-characters-restart.test.ts",
  "test/e2e/operator-limits.test.ts",
];

/** Opens a storybook in headless Chromium (see the file). */
const BROWSER_TEST = "test/e2e/storybook-browser.test.ts";

export default defineConfig({
  test: {
    // One PostgreSQL server per project (TEST_DATABASE_URL, or an embedded one): see the file.
    globalSetup: ["test/support/postgres-global-setup.ts"],
    // A failing test prints the tail of its bots' logs and the fakes' requests (see the file).
    setupFiles: ["test/support/report-failures.setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // End-to-end files each start their own fakes and bot on ephemeral loopback ports,
    // so they can run in parallel; two workers match the two-core CI machine.
    pool: "forks",
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: "sqlite", include: ["test/**/*.test.ts"], exclude: [BROWSER_TEST] } },
      { extends: true, test: { name: "postgres", include: STATE_E2E, env: { STORYCAST_TEST_STORE: "postgres" } } },
      // Chromium's processes take both cores for seconds: run after the others (a higher group
      // order), so the tests of acknowledgement under load never share the machine with it.
      { extends: true, test: { name: "browser", include: [BROWSER_TEST], sequence: { groupOrder: 1 } } },
    ],
  },
});
