import { createServer, type Server } from "node:http";

export interface HealthReport {
  ok: boolean;
  gateway: { ready: boolean; status: string; pingMs: number | null };
  jobs: { waitingForSlot: number; atFal: number; active: number };
  store: { healthy: boolean };
}

/**
 * A tiny HTTP endpoint for container health checks and monitoring: GET /health answers
 * 200 with the report when the gateway is connected and the store answers, else 503.
 */
export async function startHealthServer(port: number, host: string, report: () => Promise<HealthReport>, onError: (error: unknown) => void): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== "GET" || (request.url ?? "").split("?")[0] !== "/health") {
      response.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "not found" }));
      return;
    }
    report().then(
      (body) => response.writeHead(body.ok ? 200 : 503, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(body)),
      (error: unknown) => {
        // The report itself failed (the store threw rather than answering): unhealthy, and said why in the log.
        onError(error);
        response.writeHead(503, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify({ ok: false, error: "health report failed" }));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
