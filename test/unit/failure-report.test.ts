import { describe, expect, it } from "vitest";
import { failureReport, reportOnFailure } from "../support/failure-report.js";

describe("the failure report of the test stacks", () => {
  it("when stacks are registered, then the report describes each until it is removed, and a description that throws is named", () => {
    const before = failureReport();
    const removeA = reportOnFailure("stack A", () => "log line of A");
    const removeB = reportOnFailure("stack B", () => {
      throw new Error("closed");
    });
    const report = failureReport();
    expect(report).toContain("──── stack A ────\nlog line of A");
    expect(report).toContain("──── stack B ────\n(could not be described: Error: closed)");
    removeA();
    removeB();
    expect(failureReport()).toBe(before);
  });
});
