import { beforeEach } from "vitest";
import { failureReport } from "./failure-report.js";

// Runs in every test file (vitest `setupFiles`): a failing test tells what its bots and fakes saw.
// The report is added to the error itself, because the error is what the summary at the end of a
// run prints, and the end is the part of a CI log that is kept.
beforeEach(({ onTestFailed }) => {
  onTestFailed(({ task }) => {
    const report = failureReport();
    const error = task.result?.errors?.[0];
    if (!report || !error) return;
    error.message = `${error.message}\n\nWhat the running bots and fakes saw before the failure:\n${report}`;
  });
});
