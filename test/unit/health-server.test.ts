import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { startHealthServer, type HealthReport } from "../../src/ops/health-server.js";

const healthy: HealthReport = { ok: true, gateway: { ready: true, status: "Ready", pingMs: 5 }, jobs: { waitingForSlot: 0, atFal: 0, active: 0 }, store: { healthy: true } };

async function ask(report: () => Promise<HealthReport>) {
  const errors: unknown[] = [];
  const server = await startHealthServer(0, "127.0.0.1", report, (error) => errors.push(error));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/health`);
    return { status: response.status, body: (await response.json()) as unknown, errors };
  } finally {
    server.close();
  }
}

describe("health endpoint with an async store check", () => {
  it("when the store answers, then the report's verdict sets the status", async () => {
    expect(await ask(async () => healthy)).toMatchObject({ status: 200, body: { ok: true, store: { healthy: true } } });
    expect(await ask(async () => ({ ...healthy, ok: false, store: { healthy: false } }))).toMatchObject({ status: 503, body: { ok: false } });
  });

  it("when the report itself fails (the store threw instead of answering), then it answers 503 and the error is passed on to be logged", async () => {
    const failure = new Error("connection refused");
    const { status, body, errors } = await ask(() => Promise.reject(failure));
    expect(status).toBe(503);
    expect(body).toEqual({ ok: false, error: "health report failed" });
    expect(errors).toEqual([failure]);
  });
});
