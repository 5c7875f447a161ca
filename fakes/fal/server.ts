// The fake fal HTTP server: one listener on 127.0.0.1 with three faces.
//
//   /proxy           fal's server proxy contract (@fal-ai/client middleware.js withProxy): every
//                    queue and storage-initiate call arrives here, method preserved, with the real
//                    target in x-fal-target-url and the client's "Authorization: Key …".
//   /upload/<token>  the signed upload URL handed out by upload/initiate (PUT, no key).
//   /files/<id>/<n>  the public CDN (GET/HEAD, no key).
//
// Order of checks for a request: classify → log in `requests` → failNext (before handling) →
// proxy checks (400 missing target, 412 non-fal host) → API key (401) → route (404/405) → handler.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody, sendAny, sendBytes, sendJson } from "./http.js";
import { Job, type Reply } from "./queue.js";
import { ScriptQueue } from "./script.js";
import { FakeStorage } from "./storage.js";
import type {
  FailNextFailure,
  FailNextOptions,
  FakeFal,
  FakeFalJob,
  FalRequestKind,
  FalRequestRecord,
  JobScript,
  StartFakeFalOptions,
  SubmitRecord,
  UploadLifecycle,
  UploadRecord,
} from "./types.js";
import { ENDPOINT_SPECS, outputSizeFor, validateEndpointInput, type FieldError } from "./validate.js";

const TARGET_URL_HEADER = "x-fal-target-url";
const REQUEST_ID_HEADER = "x-fal-request-id";
// Lifetimes (@fal-ai/client storage.js): an upload's on its initiate call, a job's outputs on its submit.
const UPLOAD_LIFECYCLE_HEADER = "x-fal-object-lifecycle";
const OUTPUT_LIFECYCLE_HEADER = "x-fal-object-lifecycle-preference";
// fal's server proxy only forwards to fal hosts (same pattern as @fal-ai/server-proxy).
const FAL_HOST = /(\.|^)fal\.(run|ai)$/;

type QueueKind = "status" | "status-stream" | "result" | "cancel";
type Route =
  | { kind: "submit"; proxied: true; endpointId: string; target: URL }
  | { kind: QueueKind; proxied: true; appPath: string; requestId: string; target: URL }
  | { kind: "upload-initiate"; proxied: true; target: URL }
  | { kind: "upload-put"; proxied: false; token: string }
  | { kind: "cdn"; proxied: false; path: string }
  | { kind: "unknown"; proxied: boolean; reply: Reply };

/** What a handler produced: a complete answer, or a long-lived stream it writes itself. */
type Outcome =
  | { type: "json"; status: number; body: unknown; headers?: Record<string, string> }
  | { type: "bytes"; status: number; bytes: Buffer; contentType: string; headOnly: boolean }
  | { type: "empty"; status: number }
  | { type: "stream"; start: (res: ServerResponse, record: FalRequestRecord) => void };

interface PendingFailure {
  failure: FailNextFailure;
  afterHandling: boolean;
  target: RegExp | undefined;
}

const unknown = (status: number, detail: string, proxied: boolean): Route => ({
  kind: "unknown",
  proxied,
  reply: { status, body: { detail } },
});

class FakeFalServer implements FakeFal {
  readonly url: string;
  readonly submits: SubmitRecord[] = [];
  readonly requests: FalRequestRecord[] = [];
  readonly cancels: string[] = [];
  defaults: JobScript = {};

  private readonly storage: FakeStorage;
  private readonly scripts = new ScriptQueue();
  private readonly jobs = new Map<string, Job>();
  private readonly failures = new Map<FalRequestKind, PendingFailure[]>();
  private readonly streams = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly server: Server,
    readonly origin: string,
    readonly key: string,
    private readonly validateAt: "submit" | "result",
    private readonly streamTickMs: number,
  ) {
    this.url = `${origin}/proxy`;
    this.storage = new FakeStorage(origin);
    server.on("request", (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          sendJson(res, 500, { detail: `fake fal internal error: ${String(error)}` });
        }
      });
    });
  }

  get uploads(): UploadRecord[] {
    return this.storage.uploads;
  }

  // ---------------------------------------------------------------- test controls
  script(...jobs: JobScript[]): void {
    this.scripts.push(...jobs);
  }

  failNext(kind: FalRequestKind, count: number, failure: FailNextFailure, opts: FailNextOptions = {}): void {
    if (!Number.isInteger(count) || count < 0) throw new Error(`failNext: count must be a non-negative integer, got ${count}`);
    const list = this.failures.get(kind) ?? [];
    for (let i = 0; i < count; i++) list.push({ failure, afterHandling: opts.afterHandling ?? false, target: opts.target });
    this.failures.set(kind, list);
  }

  /** Forgets failures queued with failNext that no request has used up. */
  clearFailures(): void {
    this.failures.clear();
  }

  /** The first queued failure of this kind that applies to this target, removed from the queue. */
  private takeFailure(kind: FalRequestKind, target: string): PendingFailure | undefined {
    const list = this.failures.get(kind);
    const index = list?.findIndex((pending) => !pending.target || pending.target.test(target)) ?? -1;
    return index >= 0 ? list!.splice(index, 1)[0] : undefined;
  }

  host(bytes: Buffer, contentType: string, fileName?: string): string {
    return this.storage.host(bytes, contentType, fileName);
  }

  expire(url: string): void {
    if (!this.storage.expire(url)) throw new Error(`FakeFal.expire: the fake's CDN serves no file at ${url}`);
  }

  job(requestId: string): FakeFalJob | undefined {
    const job = this.jobs.get(requestId);
    if (!job) return undefined;
    const { state } = job.observe(Date.now(), false);
    return { state, cancelled: job.cancelled, input: job.input, endpointId: job.endpointId };
  }

  /**
   * The most jobs in flight at once over the fake's life: submitted and not yet completed or
   * cancelled (in fal's queue or running). Computed from each job's timestamps, so a job counts
   * until the moment it completed, however late the client noticed.
   */
  peakInFlight(): number {
    const now = Date.now();
    const edges: [number, 1 | -1][] = [];
    for (const job of this.jobs.values()) {
      edges.push([job.submittedAt, 1]);
      const end = job.completedAtAfter(now);
      if (end !== undefined) edges.push([end, -1]);
    }
    // At equal times a completion comes first: a slot freed at t and taken at t is never two jobs.
    edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let current = 0;
    let peak = 0;
    for (const [, step] of edges) peak = Math.max(peak, (current += step));
    return peak;
  }

  release(requestId: string): void {
    const job = this.jobs.get(requestId);
    if (!job) throw new Error(`FakeFal.release: no job ${requestId} (known: ${[...this.jobs.keys()].join(", ") || "none"})`);
    job.release(Date.now());
  }

  waitFor(pred: () => boolean, timeoutMs = 5000, what?: string): Promise<void> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        let ok: boolean;
        try {
          ok = pred();
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        if (ok) {
          resolve();
          return;
        }
        if (Date.now() - started >= timeoutMs) {
          const recent = this.requests
            .slice(-15)
            .map((r) => `  +${r.at - started}ms ${r.kind} ${r.method} ${r.status} ${r.target}`)
            .join("\n");
          reject(
            new Error(
              `FakeFal.waitFor: timed out after ${timeoutMs} ms waiting for ${what ?? pred.toString()}\n` +
                `submits: ${this.submits.length}, jobs: ${this.jobs.size}, cancels: ${this.cancels.length}, ` +
                `uploads: ${this.uploads.length}, scripted jobs left: ${this.scripts.pending}\n` +
                `last requests (of ${this.requests.length}):\n${recent || "  (none)"}`,
            ),
          );
          return;
        }
        setTimeout(check, 10);
      };
      check();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.streams) clearInterval(t);
    this.streams.clear();
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections(); // also ends "hang" requests and open status streams
    await done;
  }

  // ---------------------------------------------------------------- request handling
  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const method = (req.method ?? "GET").toUpperCase();
    const here = new URL(req.url ?? "/", this.origin);
    const route = this.classify(req, method, here);
    const target = "target" in route ? route.target.href : (req.headers[TARGET_URL_HEADER] as string | undefined) ?? here.href;
    const record: FalRequestRecord = { kind: route.kind, method, target, status: 0, at };
    if ("requestId" in route) record.requestId = route.requestId;
    this.requests.push(record);

    const body = await readBody(req);
    const pending = this.takeFailure(route.kind, target);
    const beforeHandling = pending !== undefined && pending.failure !== "reset-mid-body" && (!pending.afterHandling || route.kind === "status-stream");
    if (pending && beforeHandling) {
      this.fail(req, res, record, pending.failure);
      return;
    }
    const outcome = this.dispatch(route, req, method, body, at, record);
    if (pending?.failure === "reset-mid-body") {
      this.resetMidBody(res, record, outcome);
      return;
    }
    if (pending) {
      this.fail(req, res, record, pending.failure);
      return;
    }
    const extra: Record<string, string> = record.requestId ? { [REQUEST_ID_HEADER]: record.requestId } : {};
    switch (outcome.type) {
      case "json":
        record.status = outcome.status;
        sendJson(res, outcome.status, outcome.body, { ...extra, ...outcome.headers });
        return;
      case "bytes":
        record.status = outcome.status;
        record.bytesSent = 0;
        sendBytes(res, outcome.status, outcome.bytes, outcome.contentType, outcome.headOnly, { "cache-control": "public, max-age=3600" }, (n) => (record.bytesSent! += n));
        return;
      case "empty":
        record.status = outcome.status;
        res.writeHead(outcome.status, { "content-length": "0" });
        res.end();
        return;
      case "stream":
        outcome.start(res, record);
        return;
    }
  }

  /** Sends the handler's status line and headers (Content-Length of the whole body), then part of the body, then drops the connection. */
  private resetMidBody(res: ServerResponse, record: FalRequestRecord, outcome: Outcome): void {
    if (outcome.type !== "json") throw new Error(`reset-mid-body needs a JSON answer, the handler produced "${outcome.type}"`);
    const data = Buffer.from(JSON.stringify(outcome.body));
    record.status = outcome.status;
    res.writeHead(outcome.status, {
      "content-type": "application/json",
      "content-length": String(data.length),
      ...(record.requestId ? { [REQUEST_ID_HEADER]: record.requestId } : {}),
    });
    res.flushHeaders();
    // Let the head and the first half reach the client before the socket goes away.
    res.write(data.subarray(0, Math.max(1, Math.floor(data.length / 2))), () => {
      setTimeout(() => res.socket?.destroy(), 20);
    });
  }

  private fail(req: IncomingMessage, res: ServerResponse, record: FalRequestRecord, failure: FailNextFailure): void {
    if (failure === "hang") return; // never answered; close() destroys the connection
    if (failure === "reset" || failure === "reset-mid-body") {
      // "reset-mid-body" is answered by resetMidBody() once the handler ran; never reaches here.
      req.socket.destroy();
      return;
    }
    record.status = failure.status;
    sendAny(res, failure.status, failure.body ?? { detail: `Injected failure (HTTP ${failure.status})` }, failure.headers);
  }

  private classify(req: IncomingMessage, method: string, here: URL): Route {
    const path = here.pathname;
    if (path === "/proxy" || path === "/proxy/") {
      const header = req.headers[TARGET_URL_HEADER];
      const raw = Array.isArray(header) ? header[0] : header;
      // fal's server proxy: no target → 400; a non-fal target → 412.
      if (!raw) return unknown(400, `Missing the ${TARGET_URL_HEADER} header`, true);
      let target: URL;
      try {
        target = new URL(raw);
      } catch {
        return unknown(412, `Invalid ${TARGET_URL_HEADER} header`, true);
      }
      if (!FAL_HOST.test(target.hostname)) return unknown(412, `Invalid ${TARGET_URL_HEADER} header (not a fal host)`, true);
      return this.classifyTarget(method, target);
    }
    const upload = /^\/upload\/([^/]+)$/.exec(path);
    if (upload) {
      return method === "PUT" ? { kind: "upload-put", proxied: false, token: upload[1]! } : unknown(405, "Method Not Allowed", false);
    }
    if (path.startsWith("/files/")) {
      return method === "GET" || method === "HEAD" ? { kind: "cdn", proxied: false, path } : unknown(405, "Method Not Allowed", false);
    }
    return unknown(404, `Not Found: ${path}`, false);
  }

  private classifyTarget(method: string, target: URL): Route {
    const notFound = unknown(
      404,
      `Not Found: the fake fal serves queue.fal.run (submit/status/status stream/result/cancel) and ` +
        `rest.fal.ai/storage/upload/initiate, not ${target.origin}${target.pathname}`,
      true,
    );
    if (target.hostname === "rest.fal.ai") {
      if (target.pathname !== "/storage/upload/initiate") return notFound;
      return method === "POST" ? { kind: "upload-initiate", proxied: true, target } : unknown(405, "Method Not Allowed", true);
    }
    if (target.hostname !== "queue.fal.run") return notFound;
    let segs: string[];
    try {
      segs = target.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    } catch {
      return notFound;
    }
    // fal queue docs: {owner}/{app}[/{path}]/requests/{id}[/status[/stream]|/cancel]; the client
    // (queue.js, parseEndpointId) sends owner/alias only — "fal-ai/ideogram/requests/{id}" for
    // character, character/edit, character/remix and upscale alike; other clients may keep the
    // endpoint path (e.g. "fal-ai/ideogram/character/edit/requests/{id}") — accept both.
    const r = segs.indexOf("requests");
    if (r >= 2) {
      const requestId = segs[r + 1];
      if (!requestId) return notFound;
      const appPath = segs.slice(0, r).join("/");
      const tail = segs.slice(r + 2).join("/");
      const expected: Record<string, [QueueKind, string]> = {
        "": ["result", "GET"],
        status: ["status", "GET"],
        "status/stream": ["status-stream", "GET"],
        cancel: ["cancel", "PUT"],
      };
      const hit = expected[tail];
      if (!hit) return notFound;
      if (method !== hit[1]) return unknown(405, "Method Not Allowed", true);
      return { kind: hit[0], proxied: true, appPath, requestId, target };
    }
    if (segs.length >= 2) {
      return method === "POST"
        ? { kind: "submit", proxied: true, endpointId: segs.join("/"), target }
        : unknown(405, "Method Not Allowed", true);
    }
    return notFound;
  }

  private authorized(req: IncomingMessage): boolean {
    return req.headers.authorization === `Key ${this.key}`;
  }

  private dispatch(
    route: Route,
    req: IncomingMessage,
    method: string,
    body: Buffer,
    at: number,
    record: FalRequestRecord,
  ): Outcome {
    if (route.proxied && route.kind !== "unknown" && !this.authorized(req)) {
      if (route.kind === "submit") {
        this.submits.push({ endpointId: route.endpointId, input: parseJson(body).value, status: 401, at });
      }
      // Every fal API call needs "Authorization: Key <FAL_KEY>".
      return { type: "json", status: 401, body: { detail: "Invalid or missing API key" } };
    }
    switch (route.kind) {
      case "unknown":
        return { type: "json", status: route.reply.status, body: route.reply.body };
      case "submit":
        return this.submit(route.endpointId, body, at, record, lifecycleHeader(req, OUTPUT_LIFECYCLE_HEADER));
      case "status":
        return this.status(route.appPath, route.requestId, route.target);
      case "status-stream":
        return this.statusStream(route.appPath, route.requestId, route.target);
      case "result":
        return this.result(route.appPath, route.requestId);
      case "cancel":
        return this.cancel(route.appPath, route.requestId);
      case "upload-initiate":
        return this.uploadInitiate(body, lifecycleHeader(req, UPLOAD_LIFECYCLE_HEADER));
      case "upload-put": {
        // The signed-URL PUT of storage.js upload(): raw bytes, answered 200 with an empty body.
        const ct = req.headers["content-type"];
        const stored = this.storage.completeUpload(route.token, body, Array.isArray(ct) ? ct[0] : ct);
        return stored ? { type: "empty", status: 200 } : { type: "json", status: 404, body: { detail: "Upload URL not found" } };
      }
      case "cdn": {
        const file = this.storage.get(route.path);
        if (!file) return { type: "json", status: 404, body: { detail: "File not found" } };
        return { type: "bytes", status: 200, bytes: file.bytes, contentType: file.contentType, headOnly: method === "HEAD" };
      }
    }
  }

  /**
   * POST queue.fal.run/{endpoint} (fal queue docs, "Submit a request"): 200 with request_id and the
   * status/response/cancel URLs (owner/alias only). Order: key (done) → endpoint → scripted
   * submitError → JSON body → input validation (422 FastAPI-style) → job.
   */
  private submit(endpointId: string, body: Buffer, at: number, record: FalRequestRecord, outputLifecycle: UploadLifecycle | undefined): Outcome {
    const parsed = parseJson(body);
    const lifecycle = outputLifecycle ? { outputLifecycle } : {};
    const rejected = (status: number, replyBody: unknown): Outcome => {
      this.submits.push({ endpointId, input: parsed.value, status, at, ...lifecycle });
      return { type: "json", status, body: replyBody };
    };
    const spec = ENDPOINT_SPECS[endpointId];
    if (!spec) {
      return rejected(404, { detail: `Application '${endpointId}' not found (the fake fal serves ${Object.keys(ENDPOINT_SPECS).join(", ")})` });
    }
    const script = this.scripts.next(this.defaults);
    if (script.submitError) {
      return rejected(script.submitError.status, script.submitError.body ?? { detail: `Scripted submit error (HTTP ${script.submitError.status})` });
    }
    if (!parsed.ok) {
      const detail: FieldError[] =
        body.length === 0
          ? [{ loc: ["body"], msg: "Field required", type: "missing" }]
          : [{ loc: ["body"], msg: "JSON decode error", type: "json_invalid" }];
      return rejected(422, { detail });
    }
    const fetchImage = (url: string): Buffer | undefined => this.fetchImage(url);
    const errors = validateEndpointInput(spec, parsed.value, fetchImage);
    if (errors.length > 0 && this.validateAt === "submit") return rejected(422, { detail: errors });

    const id = randomUUID();
    const size = outputSizeFor(endpointId, parsed.value, fetchImage);
    const job = new Job(id, endpointId, parsed.value, script, at, errors.length > 0 ? errors : undefined, size);
    this.jobs.set(id, job);
    record.requestId = id;
    this.submits.push({ requestId: id, endpointId, input: parsed.value, status: 200, at, ...lifecycle });
    const obs = job.observe(at, false);
    return {
      type: "json",
      status: 200,
      body: {
        status: "IN_QUEUE",
        request_id: id,
        ...job.urls,
        queue_position: obs.state === "IN_QUEUE" ? (obs.queuePosition ?? 0) : 0,
      },
    };
  }

  /** The job, if it exists and belongs to the app in the URL (owner/alias, or the full endpoint id). */
  private findJob(appPath: string, requestId: string): Job | undefined {
    const job = this.jobs.get(requestId);
    return job && (appPath === job.appId || appPath === job.endpointId) ? job : undefined;
  }

  /** GET …/requests/{id}/status[?logs=1] (fal docs: 202 while queued/in progress, 200 when completed). */
  private status(appPath: string, requestId: string, target: URL): Outcome {
    const job = this.findJob(appPath, requestId);
    if (!job) return { type: "json", status: 404, body: { detail: "Request not found" } };
    const obs = job.observe(Date.now(), true);
    const logs = target.searchParams.get("logs") === "1";
    return { type: "json", status: obs.state === "COMPLETED" ? 200 : 202, body: job.statusBody(obs, logs) };
  }

  /**
   * GET …/requests/{id}/status/stream (fal docs: "Streams the status of a request until it's
   * completed"): text/event-stream, one `data: <status JSON>` event per change, checked every
   * streamTickMs (each check is a status read for scripted queuePositions); ends after COMPLETED.
   */
  private statusStream(appPath: string, requestId: string, target: URL): Outcome {
    const job = this.findJob(appPath, requestId);
    if (!job) return { type: "json", status: 404, body: { detail: "Request not found" } };
    const logs = target.searchParams.get("logs") === "1";
    return {
      type: "stream",
      start: (res, record) => {
        record.status = 200;
        res.writeHead(200, {
          "content-type": "text/event-stream",
          "cache-control": "no-cache",
          connection: "keep-alive",
          [REQUEST_ID_HEADER]: requestId,
        });
        let last = "";
        const tick = (): void => {
          const obs = job.observe(Date.now(), true);
          const data = JSON.stringify(job.statusBody(obs, logs));
          if (data !== last) {
            res.write(`data: ${data}\n\n`);
            last = data;
          }
          if (obs.state === "COMPLETED") stop(true);
        };
        const timer = setInterval(tick, this.streamTickMs);
        this.streams.add(timer);
        const stop = (end: boolean): void => {
          clearInterval(timer);
          this.streams.delete(timer);
          if (end && !res.writableEnded) res.end();
        };
        res.on("close", () => stop(false));
        tick();
      },
    };
  }

  /** GET …/requests/{id} (fal docs, "Get request result"): the model's answer once completed. */
  private result(appPath: string, requestId: string): Outcome {
    const job = this.findJob(appPath, requestId);
    if (!job) return { type: "json", status: 404, body: { detail: "Request not found" } };
    const reply = job.resultReply(Date.now(), this.storage);
    return { type: "json", status: reply.status, body: reply.body };
  }

  /** PUT …/requests/{id}/cancel (fal docs, "Cancel a request": statuses CANCELLATION_REQUESTED, ALREADY_COMPLETED, NOT_FOUND). */
  private cancel(appPath: string, requestId: string): Outcome {
    const job = this.findJob(appPath, requestId);
    if (!job) return { type: "json", status: 404, body: { status: "NOT_FOUND" } };
    const result = job.cancel(Date.now());
    if (result === "ALREADY_COMPLETED") return { type: "json", status: 400, body: { status: result } };
    this.cancels.push(requestId);
    return { type: "json", status: 202, body: { status: result } };
  }

  /** POST rest.fal.ai/storage/upload/initiate (storage.js initiateUpload): { upload_url, file_url }. */
  private uploadInitiate(body: Buffer, lifecycle: UploadLifecycle | undefined): Outcome {
    const parsed = parseJson(body);
    const input = parsed.value as { content_type?: unknown; file_name?: unknown } | null;
    const detail: FieldError[] = [];
    if (!parsed.ok || typeof input !== "object" || input === null) {
      detail.push({ loc: ["body"], msg: "Input should be a JSON object", type: "model_attributes_type" });
    } else {
      if (typeof input.content_type !== "string") detail.push({ loc: ["body", "content_type"], msg: "Field required (string)", type: "missing" });
      if (typeof input.file_name !== "string") detail.push({ loc: ["body", "file_name"], msg: "Field required (string)", type: "missing" });
    }
    if (detail.length > 0) return { type: "json", status: 422, body: { detail } };
    const { content_type, file_name } = input as { content_type: string; file_name: string };
    return { type: "json", status: 200, body: this.storage.initiate(content_type, file_name, lifecycle) };
  }

  /** What fal's runner would download for an image URL: only what our CDN serves. */
  private fetchImage(url: string): Buffer | undefined {
    return this.storage.resolve(url)?.bytes;
  }
}

/** A lifecycle header as the client sends it: JSON { expiration_duration_seconds?: number | null }. */
function lifecycleHeader(req: IncomingMessage, name: string): UploadLifecycle | undefined {
  const header = req.headers[name];
  const raw = Array.isArray(header) ? header[0] : header;
  if (raw === undefined) return undefined;
  const parsed = parseJson(Buffer.from(raw)).value as { expiration_duration_seconds?: unknown } | null;
  const seconds = typeof parsed === "object" && parsed !== null ? parsed.expiration_duration_seconds : undefined;
  return { expirationSeconds: typeof seconds === "number" || seconds === null ? seconds : undefined, raw };
}

function parseJson(body: Buffer): { ok: boolean; value: unknown } {
  const text = body.toString("utf8");
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, value: text };
  }
}

/** Start the fake on 127.0.0.1 with an ephemeral port. */
export async function startFakeFal(opts: StartFakeFalOptions = {}): Promise<FakeFal> {
  const server = createServer({ keepAliveTimeout: 5000 });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return new FakeFalServer(server, `http://127.0.0.1:${port}`, opts.key ?? "test-fal-key", opts.validateAt ?? "submit", opts.streamTickMs ?? 20);
}
