// Drives the fake fal with the REAL @fal-ai/client over HTTP (proxyUrl, when: "always"),
// exactly as the bot configures it. No client internals are mocked.
import { ApiError, ValidationError, createFalClient, type FalClient } from "@fal-ai/client";
import type { IdeogramCharacterInput } from "@fal-ai/client/endpoints";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CHARACTER_ENDPOINT,
  checkPng,
  makePng,
  pngSize,
  sampleJpeg,
  sampleWebp,
  sniffImage,
  startFakeFal,
  type FakeFal,
  type FalRequestRecord,
} from "../../../fakes/fal/index.js";
import { validateCharacterInput } from "../../../fakes/fal/validate.js";

const ENDPOINT = "fal-ai/ideogram/character" as const;

function clientFor(fake: FakeFal, key: string = fake.key): FalClient {
  return createFalClient({
    credentials: key,
    proxyUrl: { url: fake.url, when: "always" },
    // Applies to storage initiate, cancel and the status stream; the queue's submit/status/
    // result calls override it with their own retry config (baseDelay 1000 ms).
    retry: { baseDelay: 10, maxDelay: 50 },
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const kinds = (records: FalRequestRecord[]) => records.map((r) => r.kind);
/** Collapse runs of the same kind: ["status","status","result"] → ["status","result"]. */
const squeeze = (xs: string[]) => xs.filter((x, i) => i === 0 || xs[i - 1] !== x);

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

async function download(url: string): Promise<{ bytes: Buffer; type: string | null }> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return { bytes: Buffer.from(await res.arrayBuffer()), type: res.headers.get("content-type") };
}

let fake: FakeFal;
let fal: FalClient;
let ref: string;

beforeEach(async () => {
  fake = await startFakeFal();
  fal = clientFor(fake);
  ref = fake.host(makePng({ width: 64, height: 64, seed: 42 }), "image/png", "hero.png");
});

afterEach(async () => {
  await fake.close();
});

const input = (extra: Partial<IdeogramCharacterInput> = {}): IdeogramCharacterInput => ({
  prompt: "the hero drinks espresso in Siena",
  reference_image_urls: [ref],
  ...extra,
});

describe("storage", () => {
  it("uploads a Blob through initiate + signed PUT and serves the same bytes on the CDN", async () => {
    const bytes = makePng({ width: 40, height: 30, seed: 5, targetBytes: 5000 });
    const url = await fal.storage.upload(new Blob([new Uint8Array(bytes)], { type: "image/png" }));

    expect(url.startsWith(`${fake.origin}/files/`)).toBe(true);
    const got = await download(url);
    expect(got.type).toBe("image/png");
    expect(got.bytes.equals(bytes)).toBe(true);
    expect(fake.uploads).toHaveLength(1);
    expect(fake.uploads[0]!.fileUrl).toBe(url);
    expect(fake.uploads[0]!.bytes.equals(bytes)).toBe(true);
    expect(kinds(fake.requests)).toEqual(["upload-initiate", "upload-put", "cdn"]);
    expect(fake.requests[0]!.target).toBe("https://rest.fal.ai/storage/upload/initiate?storage_type=fal-cdn-v3");
  });

  it("an uploaded file can be used as a reference image", async () => {
    const url = await fal.storage.upload(new Blob([new Uint8Array(sampleJpeg())], { type: "image/jpeg" }));
    const { request_id } = await fal.queue.submit(ENDPOINT, { input: input({ reference_image_urls: [url] }) });
    expect(fake.job(request_id)?.input).toMatchObject({ reference_image_urls: [url] });
  });

  it("records the lifetime each upload and each submit's outputs asked for, as the client sends them", async () => {
    const blob = () => new Blob([new Uint8Array(sampleJpeg())], { type: "image/jpeg" });
    await fal.storage.upload(blob(), { lifecycle: { expiresIn: "1h" } });
    await fal.storage.upload(blob(), { lifecycle: { expiresIn: 120 } });
    await fal.storage.upload(blob());
    // @fal-ai/client 1.10: "never" maps to no expiration and then to no header at all (fal's default lifetime).
    await fal.storage.upload(blob(), { lifecycle: { expiresIn: "never" } });
    expect(fake.uploads.map((u) => u.lifecycle?.expirationSeconds)).toEqual([3600, 120, undefined, undefined]);
    expect(fake.uploads[0]!.lifecycle?.raw).toBe('{"expiration_duration_seconds":3600}');
    await fal.queue.submit(ENDPOINT, { input: input(), storageSettings: { expiresIn: "1d" } });
    await fal.queue.submit(ENDPOINT, { input: input() });
    expect(fake.submits.map((s) => s.outputLifecycle?.expirationSeconds)).toEqual([86400, undefined]);
  });

  it("expire() deletes a file: the CDN answers 404 for GET and HEAD, and fal's runner can no longer fetch it", async () => {
    const url = await fal.storage.upload(new Blob([new Uint8Array(sampleJpeg())], { type: "image/jpeg" }));
    expect((await fetch(url, { method: "HEAD" })).status).toBe(200);
    fake.expire(url);
    expect((await fetch(url)).status).toBe(404);
    expect((await fetch(url, { method: "HEAD" })).status).toBe(404);
    const refused = await caught(fal.queue.submit(ENDPOINT, { input: input({ reference_image_urls: [url] }) }));
    expect(refused).toBeInstanceOf(ValidationError);
    expect(() => fake.expire("https://example.com/files/x/y.png")).toThrow(/serves no file/);
  });
});

describe("queue", () => {
  it("submit → IN_QUEUE positions → IN_PROGRESS → COMPLETED → result with N valid PNGs", async () => {
    fake.script({ queuePositions: [2, 1], hold: true, runMs: 0 });
    const submitted = await fal.queue.submit(ENDPOINT, {
      input: input({ num_images: 3, image_size: "landscape_4_3", seed: 1234 }),
    });
    const id = submitted.request_id;
    expect(submitted.status_url).toBe(`https://queue.fal.run/fal-ai/ideogram/requests/${id}/status`);
    expect(fake.submits).toEqual([expect.objectContaining({ requestId: id, endpointId: CHARACTER_ENDPOINT, status: 200 })]);

    const seen: string[] = [];
    for (let i = 0; i < 100; i++) {
      const s = await fal.queue.status(ENDPOINT, { requestId: id, logs: true });
      seen.push(s.status === "IN_QUEUE" ? `IN_QUEUE:${s.queue_position}` : s.status);
      if (s.status === "IN_PROGRESS") fake.release(id); // hold: true keeps it here until released
      if (s.status === "COMPLETED") {
        expect(s.logs.length).toBeGreaterThan(0);
        expect(s.metrics?.inference_time).toEqual(expect.any(Number));
        break;
      }
      await sleep(5);
    }
    expect(squeeze(seen)).toEqual(["IN_QUEUE:2", "IN_QUEUE:1", "IN_PROGRESS", "COMPLETED"]);

    const result = await fal.queue.result(ENDPOINT, { requestId: id });
    expect(result.requestId).toBe(id);
    expect(result.data.seed).toBe(1234);
    expect(result.data.images).toHaveLength(3);
    const files = [];
    for (const img of result.data.images) {
      expect(img.content_type).toBe("image/png");
      const { bytes, type } = await download(img.url);
      expect(type).toBe("image/png");
      expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect(pngSize(bytes)).toEqual({ width: 1024, height: 768 });
      expect(checkPng(bytes)).toEqual([]);
      expect(img.file_size).toBe(bytes.length);
      files.push(bytes.toString("base64"));
    }
    expect(new Set(files).size).toBe(3); // distinct content per image
  });

  it("when two jobs have different seeds, then their images have different base colours (a story's scenes look different)", async () => {
    const baseColour = async (seed: number) => {
      const { request_id } = await fal.queue.submit(ENDPOINT, { input: input({ seed }) });
      await fal.queue.subscribeToStatus(ENDPOINT, { requestId: request_id, mode: "polling", pollInterval: 5 });
      const { data } = await fal.queue.result(ENDPOINT, { requestId: request_id });
      const { bytes } = await download(data.images[0]!.url);
      // The fake's PNGs are indexed; palette entry 0 is the colour of everything outside the noise band.
      const plte = bytes.indexOf("PLTE", 8, "latin1") + 4;
      return [...bytes.subarray(plte, plte + 3)];
    };
    expect(await baseColour(1)).not.toEqual(await baseColour(2));
  });

  it("peakInFlight counts jobs submitted and not yet completed or cancelled, wherever they are in fal's queue", async () => {
    expect(fake.peakInFlight()).toBe(0);
    fake.script({ hold: true }, { queueMs: 60_000 }, { hold: true });
    const a = await fal.queue.submit(ENDPOINT, { input: input() });
    const b = await fal.queue.submit(ENDPOINT, { input: input() }); // still IN_QUEUE: in flight too
    expect(fake.peakInFlight()).toBe(2);
    fake.release(a.request_id);
    await sleep(80); // past runMs: a completes
    expect(await fal.queue.cancel(ENDPOINT, { requestId: b.request_id })).toBeUndefined();
    // One in flight now (c), never three at once: a completed and b was cancelled before c came.
    await fal.queue.submit(ENDPOINT, { input: input() });
    expect(fake.peakInFlight()).toBe(2);
  });

  it("answers result before completion with 400 'still in progress'", async () => {
    fake.script({ hold: true });
    const { request_id } = await fal.queue.submit(ENDPOINT, { input: input() });
    const error = await caught(fal.queue.result(ENDPOINT, { requestId: request_id }));
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError<unknown>).status).toBe(400);
    expect((error as ApiError<{ detail: string }>).body.detail).toBe("Request is still in progress");
  });

  it("time-based queueMs counts queue_position down, then runs runMs", async () => {
    fake.defaults = { queueMs: 250, runMs: 40 };
    const { request_id, queue_position } = await fal.queue.submit(ENDPOINT, { input: input() });
    expect(queue_position).toBe(2);
    expect(fake.job(request_id)?.state).toBe("IN_QUEUE");
    await fake.waitFor(() => fake.job(request_id)?.state === "COMPLETED", 2000, "job completes");
    const done = await fal.queue.status(ENDPOINT, { requestId: request_id });
    expect(done.status).toBe("COMPLETED");
    expect((done as { logs?: unknown }).logs).toBeNull(); // logs are only listed with ?logs=1
  });

  it("subscribe with polling (the client default) drives status reads until COMPLETED", async () => {
    fake.script({ queuePositions: [1], runMs: 20 });
    const updates: string[] = [];
    const out = await fal.subscribe(ENDPOINT, {
      input: input(),
      pollInterval: 10,
      onQueueUpdate: (u) => updates.push(u.status),
    });
    expect(out.data.images).toHaveLength(1);
    expect(updates[0]).toBe("IN_QUEUE");
    expect(updates.at(-1)).toBe("COMPLETED");
    expect(squeeze(kinds(fake.requests))).toEqual(["submit", "status", "result"]);
  });

  it("subscribe with mode 'streaming' uses the SSE status stream", async () => {
    fake.script({ queuePositions: [3, 2, 1], runMs: 40 });
    const updates: string[] = [];
    const out = await fal.subscribe(ENDPOINT, {
      input: input({ num_images: 2 }),
      mode: "streaming",
      onQueueUpdate: (u) => updates.push(u.status === "IN_QUEUE" ? `IN_QUEUE:${u.queue_position}` : u.status),
    });
    expect(out.data.images).toHaveLength(2);
    expect(updates.slice(0, 3)).toEqual(["IN_QUEUE:3", "IN_QUEUE:2", "IN_QUEUE:1"]);
    expect(updates).toContain("IN_PROGRESS");
    expect(updates.at(-1)).toBe("COMPLETED");
    expect(kinds(fake.requests)).toEqual(["submit", "status-stream", "result"]);
    const stream = fake.requests[1]!;
    expect(stream.target).toMatch(/^https:\/\/queue\.fal\.run\/fal-ai\/ideogram\/requests\/[^/]+\/status\/stream\?logs=0$/);
    expect(stream.status).toBe(200);
  });

  it("cancel: 202 while running, job COMPLETED+cancelled, result 400, second cancel ALREADY_COMPLETED", async () => {
    fake.script({ hold: true });
    const { request_id: id } = await fal.queue.submit(ENDPOINT, { input: input() });
    await fal.queue.cancel(ENDPOINT, { requestId: id });
    expect(fake.cancels).toEqual([id]);
    expect(fake.job(id)).toMatchObject({ state: "COMPLETED", cancelled: true });
    expect((await fal.queue.status(ENDPOINT, { requestId: id })).status).toBe("COMPLETED");

    const resultError = await caught(fal.queue.result(ENDPOINT, { requestId: id }));
    expect(resultError).toBeInstanceOf(ApiError);
    expect((resultError as ApiError<unknown>).status).toBe(400);
    expect((resultError as ApiError<unknown>).body).toEqual({ detail: "Request was cancelled" });

    const again = await caught(fal.queue.cancel(ENDPOINT, { requestId: id }));
    expect((again as ApiError<unknown>).status).toBe(400);
    expect((again as ApiError<unknown>).body).toEqual({ status: "ALREADY_COMPLETED" });
    expect(fake.requests.filter((r) => r.kind === "cancel").map((r) => r.status)).toEqual([202, 400]);
  });

  it("unknown request ids answer 404", async () => {
    const error = await caught(fal.queue.status(ENDPOINT, { requestId: "nope" }));
    expect((error as ApiError<unknown>).status).toBe(404);
  });
});

describe("errors", () => {
  it("a wrong key surfaces as ApiError 401 on submit and on upload", async () => {
    const bad = clientFor(fake, "wrong-key");
    const error = await caught(bad.queue.submit(ENDPOINT, { input: input() }));
    expect(error).toBeInstanceOf(ApiError);
    expect(error).not.toBeInstanceOf(ValidationError);
    expect((error as ApiError<unknown>).status).toBe(401);
    expect((error as ApiError<unknown>).body).toEqual({ detail: "Invalid or missing API key" });
    expect(fake.submits.map((s) => [s.status, s.requestId])).toEqual([[401, undefined]]);

    const uploadError = await caught(bad.storage.upload(new Blob(["x"], { type: "text/plain" })));
    expect((uploadError as ApiError<unknown>).status).toBe(401);
    expect(fake.uploads).toHaveLength(0);
  });

  it("invalid input surfaces as ValidationError 422 with fieldErrors", async () => {
    const bad = {
      prompt: "",
      reference_image_urls: ["https://example.com/not-ours.png"],
      num_images: 9,
      rendering_speed: "FAST",
      style: "AUTO",
      style_codes: ["zz"],
      color_palette: { name: "NOPE" },
      image_size: { width: 0, height: 512 },
      promtp: "typo",
    } as unknown as IdeogramCharacterInput;
    const error = await caught(fal.queue.submit(ENDPOINT, { input: bad }));
    expect(error).toBeInstanceOf(ValidationError);
    const v = error as ValidationError;
    expect(v.status).toBe(422);
    const byField = (f: string) => v.getFieldErrors(f).map((e) => e.type);
    expect(byField("prompt")).toEqual(["string_too_short"]);
    expect(byField("reference_image_urls")).toEqual(["file_download_error"]);
    expect(byField("num_images")).toEqual(["less_than_equal"]);
    expect(byField("rendering_speed")).toEqual(["enum"]);
    expect(byField("style_codes")).toEqual(["value_error", "value_error"]);
    expect(byField("color_palette")).toEqual(["enum"]);
    expect(byField("image_size")).toEqual(["value_error"]);
    expect(byField("promtp")).toEqual(["extra_forbidden"]);
    expect(v.fieldErrors.every((e) => e.loc[0] === "body")).toBe(true);
    expect(fake.submits.map((s) => [s.status, s.requestId])).toEqual([[422, undefined]]);
  });

  it("rejects missing fields, non-images and character references over 10 MB", async () => {
    const missing = (await caught(fal.queue.submit(ENDPOINT, { input: {} as IdeogramCharacterInput }))) as ValidationError;
    expect(missing.fieldErrors.map((e) => [e.loc[1], e.type])).toEqual([
      ["prompt", "missing"],
      ["reference_image_urls", "missing"],
    ]);

    const text = fake.host(Buffer.from("hello"), "text/plain", "a.txt");
    const notImage = (await caught(fal.queue.submit(ENDPOINT, { input: input({ reference_image_urls: [text] }) }))) as ValidationError;
    expect(notImage.getFieldErrors("reference_image_urls").map((e) => e.type)).toEqual(["image_format_error"]);

    const big = Buffer.alloc(10 * 1024 * 1024 + 1);
    makePng({ width: 1, height: 1 }).copy(big);
    const bigUrl = fake.host(big, "image/png", "big.png");
    const tooBig = (await caught(
      fal.queue.submit(ENDPOINT, { input: input({ reference_image_urls: [bigUrl] }) }),
    )) as ValidationError;
    expect(tooBig.getFieldErrors("reference_image_urls").map((e) => e.type)).toEqual(["file_too_large"]);

    // JPEG / WebP references and the palette/style-code forms that are allowed pass.
    const ok = await fal.queue.submit(ENDPOINT, {
      input: input({
        reference_image_urls: [fake.host(sampleJpeg(), "image/jpeg")],
        reference_mask_urls: [fake.host(sampleWebp(), "image/webp")],
        style_codes: ["0a1B2c3D"],
        color_palette: { members: [{ rgb: { r: 255, g: 0, b: 10 }, color_weight: 0.5 }] },
        image_size: { width: 640, height: 480 },
        rendering_speed: "TURBO",
      }),
    });
    expect(ok.request_id).toEqual(expect.any(String));
  });

  it("validateAt 'result' accepts the submit and fails the result with 422", async () => {
    const lazy = await startFakeFal({ validateAt: "result" });
    try {
      const client = clientFor(lazy);
      lazy.defaults = { runMs: 5 };
      const bad = { prompt: "x", reference_image_urls: ["https://example.com/x.png"] };
      const error = await caught(client.subscribe(ENDPOINT, { input: bad, pollInterval: 10 }));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).getFieldErrors("reference_image_urls")[0]?.type).toBe("file_download_error");
      expect(lazy.submits[0]?.status).toBe(200);
    } finally {
      await lazy.close();
    }
  });

  it("scripted result outcomes: 422 content policy → ValidationError, 500 → ApiError", async () => {
    fake.script(
      {
        runMs: 5,
        outcome: {
          status: 422,
          body: { detail: [{ loc: ["body", "prompt"], msg: "Content policy violation", type: "content_policy_violation" }] },
        },
      },
      { runMs: 5, outcome: { status: 500, body: { detail: "Internal error" } } },
    );
    const policy = await caught(fal.subscribe(ENDPOINT, { input: input(), pollInterval: 10 }));
    expect(policy).toBeInstanceOf(ValidationError);
    expect((policy as ValidationError).getFieldErrors("prompt")[0]?.type).toBe("content_policy_violation");

    const internal = await caught(fal.subscribe(ENDPOINT, { input: input(), pollInterval: 10 }));
    expect(internal).toBeInstanceOf(ApiError);
    expect(internal).not.toBeInstanceOf(ValidationError);
    expect((internal as ApiError<unknown>).status).toBe(500);
    // The client does not retry a 500 result (only 429/502/503/504).
    expect(fake.requests.filter((r) => r.kind === "result").map((r) => r.status)).toEqual([422, 500]);
  });

  it("scripted submitError answers the submit itself", async () => {
    fake.script({ submitError: { status: 400, body: { detail: "Bad request" } } });
    const error = await caught(fal.queue.submit(ENDPOINT, { input: input() }));
    expect((error as ApiError<unknown>).status).toBe(400);
    expect(fake.submits.map((s) => s.status)).toEqual([400]);
  });

  it("the client RETRIES a failed submit: a lost answer means a duplicate job", async () => {
    // @fal-ai/client's queue.submit uses QUEUE_RETRY_CONFIG (3 retries on 429/502/503/504 and
    // network errors, ~1 s backoff) and the bot cannot turn that off per call. When fal
    // enqueued the job but the answer got lost (afterHandling), the retry enqueues — and bills —
    // a second job. So the bot must not let the client retry submits (e.g. pass its own
    // `fetch` / no-retry wrapper, or reconcile by request id) — see the second fake below.
    const lostAnswer = await startFakeFal();
    try {
      fake.failNext("submit", 1, { status: 503 });
      lostAnswer.failNext("submit", 1, { status: 503 }, { afterHandling: true });
      const [a, b] = await Promise.all([
        fal.queue.submit(ENDPOINT, { input: input() }),
        clientFor(lostAnswer).queue.submit(ENDPOINT, {
          input: { ...input(), reference_image_urls: [lostAnswer.host(sampleWebp(), "image/webp")] },
        }),
      ]);
      // Failure before handling: two HTTP submits, one job.
      expect(fake.requests.filter((r) => r.kind === "submit").map((r) => r.status)).toEqual([503, 200]);
      expect(fake.submits).toHaveLength(1);
      expect(fake.submits[0]!.requestId).toBe(a.request_id);
      // Failure after handling: two HTTP submits, TWO jobs.
      expect(lostAnswer.requests.filter((r) => r.kind === "submit").map((r) => r.status)).toEqual([503, 200]);
      expect(lostAnswer.submits.map((s) => s.status)).toEqual([200, 200]);
      expect(lostAnswer.submits[1]!.requestId).toBe(b.request_id);
      expect(lostAnswer.submits[0]!.requestId).not.toBe(b.request_id);
    } finally {
      await lostAnswer.close();
    }
  });

  it("failNext 'hang' never answers (timeouts) and 'reset' drops the connection", async () => {
    const { request_id } = await fal.queue.submit(ENDPOINT, { input: input() });
    fake.failNext("status", 1, "hang");
    const hung = await caught(fal.queue.status(ENDPOINT, { requestId: request_id, abortSignal: AbortSignal.timeout(100) }));
    expect((hung as Error).name).toBe("TimeoutError");

    fake.failNext("cdn", 1, "reset");
    const reset = await caught(fetch(ref));
    expect(reset).toBeInstanceOf(TypeError); // "fetch failed" (socket closed)
    expect((await fetch(ref)).status).toBe(200); // only the next one failed
    expect(fake.requests.filter((r) => r.kind === "cdn").map((r) => r.status)).toEqual([0, 200]);
  });

  it("failNext 'reset-mid-body' answers 200 with a Content-Length, sends part of the body and drops the connection; the job exists", async () => {
    fake.failNext("submit", 1, "reset-mid-body");
    const response = await fetch(`${fake.url}`, {
      method: "POST",
      headers: { "x-fal-target-url": `https://queue.fal.run/${ENDPOINT}`, authorization: `Key ${fake.key}`, "content-type": "application/json" },
      body: JSON.stringify(input()),
    });
    expect(response.status).toBe(200);
    expect(Number(response.headers.get("content-length"))).toBeGreaterThan(0);
    const cut = await caught(response.text());
    expect(cut).toBeInstanceOf(TypeError); // undici: "terminated", cause "other side closed"
    expect(fake.submits.map((s) => s.status)).toEqual([200]); // fal took (and charges for) the job
    // The real client sees a retryable transport error and submits again: a second paid job.
    fake.failNext("submit", 1, "reset-mid-body");
    const again = await fal.queue.submit(ENDPOINT, { input: input() });
    expect(fake.submits.length).toBe(3);
    expect(fake.submits[2]!.requestId).toBe(again.request_id);
  });
});

describe("proxy contract and request log", () => {
  it("logs every request with its kind, target and status", async () => {
    const url = await fal.storage.upload(new Blob([new Uint8Array(sampleJpeg())], { type: "image/jpeg" }));
    const out = await fal.subscribe(ENDPOINT, { input: input({ reference_image_urls: [url] }), pollInterval: 10 });
    await download(out.data.images[0]!.url);
    expect(squeeze(kinds(fake.requests))).toEqual(["upload-initiate", "upload-put", "submit", "status", "result", "cdn"]);
    const submit = fake.requests.find((r) => r.kind === "submit")!;
    expect(submit).toMatchObject({ method: "POST", target: "https://queue.fal.run/fal-ai/ideogram/character", status: 200 });
    expect(submit.requestId).toBe(out.requestId);
    const status = fake.requests.find((r) => r.kind === "status")!;
    expect(status.target).toBe(`https://queue.fal.run/fal-ai/ideogram/requests/${out.requestId}/status?logs=0`);
    expect(fake.requests.find((r) => r.kind === "result")).toMatchObject({ method: "GET", status: 200, requestId: out.requestId });
    for (let i = 1; i < fake.requests.length; i++) expect(fake.requests[i]!.at).toBeGreaterThanOrEqual(fake.requests[i - 1]!.at);
  });

  it("answers raw proxy misuse like fal's server proxy and accepts the full endpoint path", async () => {
    const auth = { authorization: `Key ${fake.key}` };
    const missing = await fetch(fake.url, { headers: auth });
    expect(missing.status).toBe(400);
    const foreign = await fetch(fake.url, { headers: { ...auth, "x-fal-target-url": "https://example.com/x" } });
    expect(foreign.status).toBe(412);
    const unknownPath = await fetch(fake.url, { headers: { ...auth, "x-fal-target-url": "https://queue.fal.run/x" } });
    expect(unknownPath.status).toBe(404);
    expect(await unknownPath.json()).toEqual({ detail: expect.any(String) });

    const { request_id } = await fal.queue.submit(ENDPOINT, { input: input() });
    const full = await fetch(fake.url, {
      headers: { ...auth, "x-fal-target-url": `https://queue.fal.run/fal-ai/ideogram/character/requests/${request_id}/status` },
    });
    expect([200, 202]).toContain(full.status);
    expect(await full.json()).toMatchObject({ request_id });
    expect(kinds(fake.requests)).toEqual(["unknown", "unknown", "unknown", "submit", "status"]);
  });
});

describe("input model edge cases (validateCharacterInput)", () => {
  const png = makePng({ width: 2, height: 2 });
  const fetchImage = (url: string) => (url === "ok" ? png : undefined);
  const problems = (input: Record<string, unknown>) =>
    validateCharacterInput({ prompt: "p", reference_image_urls: ["ok"], ...input }, fetchImage).map(
      (e) => `${String(e.loc[1])}:${e.type}`,
    );

  it("accepts the documented shapes", () => {
    expect(problems({})).toEqual([]);
    expect(problems({ seed: null, style_codes: null, color_palette: null, image_urls: null, reference_mask_urls: null })).toEqual([]);
    expect(problems({ image_size: {}, color_palette: { name: "PASTEL" }, num_images: 8, seed: 0, expand_prompt: false })).toEqual([]);
    expect(problems({ style: "REALISTIC", image_urls: ["ok"], negative_prompt: "", sync_mode: false })).toEqual([]);
    expect(problems({ reference_image_urls: [`data:image/png;base64,${png.toString("base64")}`] })).toEqual([]);
  });

  it("rejects what fal's model (with extra=forbid) rejects", () => {
    expect(problems({ style: null })).toEqual(["style:none_forbidden"]);
    expect(problems({ style_codes: ["0123abcd"], image_urls: ["ok"] })).toEqual(["style_codes:value_error"]);
    expect(problems({ style_codes: [], style: "AUTO" })).toEqual(["style_codes:value_error"]);
    expect(problems({ color_palette: { name: "EMBER", members: [] } })).toEqual(["color_palette:value_error", "color_palette:too_short"]);
    expect(problems({ color_palette: {} })).toEqual(["color_palette:value_error"]);
    expect(problems({ color_palette: { members: [{ rgb: { r: 256 }, color_weight: 0.01, x: 1 }] } })).toEqual([
      "color_palette:extra_forbidden",
      "color_palette:value_error",
      "color_palette:value_error",
    ]);
    expect(problems({ num_images: "2" })).toEqual(["num_images:int_type"]);
    expect(problems({ num_images: 0 })).toEqual(["num_images:greater_than_equal"]);
    expect(problems({ seed: 1.5 })).toEqual(["seed:int_type"]);
    expect(problems({ image_size: "huge" })).toEqual(["image_size:enum"]);
    expect(problems({ reference_image_urls: "ok" })).toEqual(["reference_image_urls:list_type"]);
    expect(problems({ reference_image_urls: [1] })).toEqual(["reference_image_urls:string_type"]);
    expect(problems({ reference_mask_urls: ["missing"] })).toEqual(["reference_mask_urls:file_download_error"]);
    expect(validateCharacterInput([], fetchImage).map((e) => e.type)).toEqual(["model_attributes_type"]);
  });
});

describe("image helpers", () => {
  it("makePng is valid, deterministic and close to targetBytes; samples sniff right", () => {
    const a = makePng({ width: 300, height: 200, seed: 9, targetBytes: 40_000 });
    expect(checkPng(a)).toEqual([]);
    expect(pngSize(a)).toEqual({ width: 300, height: 200 });
    expect(Math.abs(a.length - 40_000)).toBeLessThan(2_000);
    expect(makePng({ width: 300, height: 200, seed: 9, targetBytes: 40_000 }).equals(a)).toBe(true);
    const padded = makePng({ width: 8, height: 8, seed: 1, targetBytes: 100_000 });
    expect(checkPng(padded)).toEqual([]);
    expect(Math.abs(padded.length - 100_000)).toBeLessThan(100);
    expect(sniffImage(a)).toBe("png");
    expect(sniffImage(sampleJpeg())).toBe("jpeg");
    expect(sniffImage(sampleWebp())).toBe("webp");
  });

  it("waitFor rejects with a helpful message", async () => {
    await expect(fake.waitFor(() => false, 30, "the impossible")).rejects.toThrow(/the impossible[\s\S]*last requests/);
  });
});
