import { describe, expect, it } from "vitest";
import { createKeyedQueue } from "../../src/util/keyed-queue.js";

const later = () => new Promise((resolve) => setImmediate(resolve));

describe("keyed queue", () => {
  it("when tasks share a key, then they run one at a time in arrival order; other keys run meanwhile; a failure does not block the next", async () => {
    const run = createKeyedQueue();
    const log: string[] = [];
    let inA = 0;
    let maxInA = 0;
    const task = (key: string, name: string, fail = false) => async () => {
      if (key === "a") maxInA = Math.max(maxInA, ++inA);
      log.push(`start ${name}`);
      await later();
      await later();
      log.push(`end ${name}`);
      if (key === "a") inA -= 1;
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([run("a", task("a", "a1")), run("a", task("a", "a2", true)), run("b", task("b", "b1")), run("a", task("a", "a3"))]);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : "failed"))).toEqual(["a1", "failed", "b1", "a3"]);
    expect(maxInA).toBe(1);
    expect(log.filter((line) => / a\d/.test(line))).toEqual(["start a1", "end a1", "start a2", "end a2", "start a3", "end a3"]);
    // b1 started while a1 was still running.
    expect(log.indexOf("start b1")).toBeLessThan(log.indexOf("end a1"));
  });
});
