import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One PostgreSQL server for the run (TEST_DATABASE_URL, or an embedded one): see the file.
    globalSetup: ["test/support/postgres-global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // End-to-end files each start their own fakes and bot on ephemeral loopback ports,
    // so they can run in parallel; two workers match the two-core CI machine.
    pool: "forks",
    maxWorkers: 2,
  },
});
