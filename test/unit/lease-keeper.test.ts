import pino from "pino";
import { describe, expect, it } from "vitest";
import type { Job } from "../../src/domain/job.js";
import { startLeaseKeeper } from "../../src/jobs/lease-keeper.js";
import { createTestClock } from "../support/test-clock.js";

const LEASE = 12_000;
const tick = () => new Promise((resolve) => setImmediate(resolve));
const job = (id: string) => ({ id, state: { kind: "queued", requestId: "r" } }) as unknown as Job;

function setUp(overrides: { renew?: () => Promise<string[]>; claim?: () => Promise<Job[]> } = {}) {
  const clock = createTestClock();
  const calls = { renew: 0, claim: 0, abandoned: [] as string[], resumed: [] as string[] };
  const keeper = startLeaseKeeper<Job>({
    what: "job",
    renew: async () => {
      calls.renew += 1;
      return overrides.renew ? overrides.renew() : [];
    },
    claim: async () => {
      calls.claim += 1;
      return overrides.claim ? overrides.claim() : [];
    },
    clock,
    logger: pino({ level: "silent" }),
    leaseMs: LEASE,
    abandon: (id) => calls.abandoned.push(id),
    resume: (j) => calls.resumed.push(j.id),
  });
  /** Moves time in steps, letting each round of store calls finish. */
  const pass = async (ms: number, step = 1000) => {
    for (let passed = 0; passed < ms; passed += step) {
      clock.advance(step);
      for (let i = 0; i < 5; i++) await tick();
    }
  };
  return { keeper, calls, pass };
}

describe("lease keeper", () => {
  it("when time passes, then leases are renewed every third of a lease and orphans looked for every quarter", async () => {
    const { keeper, calls, pass } = setUp();
    await pass(LEASE);
    // 12 s: renewals at 4, 8, 12 s; scans at 3, 6, 9, 12 s.
    expect(calls.renew).toBe(3);
    expect(calls.claim).toBe(4);
    keeper.stop();
    await pass(LEASE);
    expect([calls.renew, calls.claim]).toEqual([3, 4]);
  });

  it("when another process took jobs over, then this one abandons them; when a dead process's jobs are claimed, then they are resumed", async () => {
    const lost = [["j-lost"], []];
    const orphans = [[job("j-orphan-1"), job("j-orphan-2")], []];
    const { keeper, calls, pass } = setUp({ renew: async () => lost.shift() ?? [], claim: async () => orphans.shift() ?? [] });
    await pass(LEASE / 2);
    expect(calls.abandoned).toEqual(["j-lost"]);
    expect(calls.resumed).toEqual(["j-orphan-1", "j-orphan-2"]);
    keeper.stop();
  });

  it("when the database fails for a while, then the keeper keeps trying and recovers", async () => {
    let failing = true;
    const { keeper, calls, pass } = setUp({
      renew: async () => {
        if (failing) throw new Error("connection refused");
        return [];
      },
      claim: async () => (failing ? Promise.reject(new Error("connection refused")) : [job("late")]),
    });
    await pass(LEASE);
    expect(calls.renew).toBeGreaterThanOrEqual(3);
    failing = false;
    await pass(LEASE / 2);
    expect(calls.resumed).toContain("late");
    keeper.stop();
  });
});
