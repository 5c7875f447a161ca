// The fake queue's jobs. fal's queue lifecycle (docs: "Queue API", "Asynchronous inference"):
// IN_QUEUE → IN_PROGRESS → COMPLETED; the result is fetched separately by request id and
// is either the model output (200) or the model's error answer (same status/body as the app).
//
// State is computed lazily from timestamps at each observation (deterministic, no timers):
//   - scripted queuePositions are popped one per *consuming* observation (a status read or a
//     status-stream tick); result reads and FakeFal.job() observe without consuming.
//   - then IN_QUEUE lasts until submittedAt + queueMs (queue_position = whole 100 ms slices left),
//   - IN_PROGRESS lasts runMs from the moment the queue phase ended (or until release() for
//     hold: true, whichever is later),
//   - cancel() completes the job at once (status COMPLETED, result 400 "Request was cancelled").
import { randomInt } from "node:crypto";
import { colorForIndex, makePng } from "./png.js";
import type { ResolvedScript } from "./script.js";
import type { FakeStorage } from "./storage.js";
import type { JobState } from "./types.js";
import type { Size } from "./image-size.js";
import type { FieldError } from "./validate.js";

export const QUEUE_ORIGIN = "https://queue.fal.run";

export interface Observation {
  state: JobState;
  queuePosition?: number;
}

export interface Reply {
  status: number;
  body: unknown;
}

export class Job {
  /** "owner/alias": status, result and cancel URLs use only these two segments (fal docs, "Model IDs and paths"). */
  readonly appId: string;
  readonly seed: number;
  cancelled = false;
  private readonly positions: number[];
  private lastPopAt: number | undefined;
  private startedAt: number | undefined;
  private completedAt: number | undefined;
  private releasedAt: number | undefined;
  private result: Reply | undefined;

  constructor(
    readonly id: string,
    readonly endpointId: string,
    readonly input: unknown,
    readonly script: ResolvedScript,
    readonly submittedAt: number,
    /** Validation errors reported at result time (validateAt: "result"). */
    readonly deferredErrors: FieldError[] | undefined,
    /** Width and height of every output image (validate.ts outputSizeFor, fixed at submit). */
    readonly size: Size,
  ) {
    this.appId = endpointId.split("/").slice(0, 2).join("/");
    this.positions = [...script.queuePositions];
    const inputSeed = (input as { seed?: unknown } | null)?.seed;
    this.seed = script.seed ?? (typeof inputSeed === "number" && Number.isSafeInteger(inputSeed) ? inputSeed : randomInt(0, 2 ** 31 - 1));
  }

  get urls(): { response_url: string; status_url: string; cancel_url: string } {
    const base = `${QUEUE_ORIGIN}/${this.appId}/requests/${this.id}`;
    return { response_url: base, status_url: `${base}/status`, cancel_url: `${base}/cancel` };
  }

  /** Advance the lazy state machine to `now`. `consume` pops one scripted queue position. */
  observe(now: number, consume: boolean): Observation {
    if (this.completedAt === undefined) {
      if (this.startedAt === undefined) {
        if (this.positions.length > 0) {
          if (!consume) return { state: "IN_QUEUE", queuePosition: this.positions[0]! };
          this.lastPopAt = now;
          return { state: "IN_QUEUE", queuePosition: this.positions.shift()! };
        }
        const queueUntil = this.submittedAt + this.script.queueMs;
        if (now < queueUntil) {
          return { state: "IN_QUEUE", queuePosition: Math.floor((queueUntil - now) / 100) };
        }
        this.startedAt = Math.max(queueUntil, this.lastPopAt ?? 0);
      }
      let doneAt = this.startedAt + this.script.runMs;
      if (this.script.hold) {
        if (this.releasedAt === undefined) return { state: "IN_PROGRESS" };
        doneAt = Math.max(doneAt, this.releasedAt);
      }
      if (now < doneAt) return { state: "IN_PROGRESS" };
      this.completedAt = doneAt;
    }
    return { state: "COMPLETED" };
  }

  /** fal queue docs, "Cancel a request": 202 CANCELLATION_REQUESTED unless already completed. */
  cancel(now: number): "CANCELLATION_REQUESTED" | "ALREADY_COMPLETED" {
    if (this.observe(now, false).state === "COMPLETED") return "ALREADY_COMPLETED";
    this.cancelled = true;
    this.completedAt = now;
    return "CANCELLATION_REQUESTED";
  }

  /** When the job completed (or was cancelled), observing it at `now` without consuming; undefined while it is still in flight. */
  completedAtAfter(now: number): number | undefined {
    this.observe(now, false);
    return this.completedAt;
  }

  release(now: number): void {
    this.releasedAt ??= now;
  }

  /** Status JSON (client type QueueStatus in @fal-ai/client/src/types/common.d.ts). */
  statusBody(obs: Observation, withLogs: boolean): Record<string, unknown> {
    const common = { status: obs.state, request_id: this.id, ...this.urls };
    if (obs.state === "IN_QUEUE") return { ...common, queue_position: obs.queuePosition ?? 0 };
    // Logs are only listed with ?logs=1; otherwise null (never rely on an array being there).
    const logs = withLogs ? this.logs(obs.state) : null;
    if (obs.state === "IN_PROGRESS") return { ...common, logs };
    const inference =
      this.cancelled || this.startedAt === undefined || this.completedAt === undefined
        ? null
        : (this.completedAt - this.startedAt) / 1000;
    return { ...common, logs, metrics: { inference_time: inference } };
  }

  private logs(state: JobState): { message: string; level: string; source: "USER"; timestamp: string }[] {
    const entry = (at: number, message: string, level = "INFO") => ({
      message,
      level,
      source: "USER" as const,
      timestamp: new Date(at).toISOString(),
    });
    const out = [];
    if (this.startedAt !== undefined) out.push(entry(this.startedAt, `Generating ${this.imageCount} image(s)`));
    if (state === "COMPLETED" && this.completedAt !== undefined) {
      out.push(this.cancelled ? entry(this.completedAt, "Request cancelled", "WARN") : entry(this.completedAt, "Done"));
    }
    return out;
  }

  get imageCount(): number {
    const n = (this.input as { num_images?: unknown } | null)?.num_images;
    return typeof n === "number" && Number.isInteger(n) && n > 0 ? n : 1;
  }

  /**
   * The result answer (fal queue docs, "Get request result"): 400 while not completed,
   * otherwise the model's answer, built once and cached (images are put on the CDN).
   */
  resultReply(now: number, storage: FakeStorage): Reply {
    if (this.observe(now, false).state !== "COMPLETED") {
      return { status: 400, body: { detail: "Request is still in progress" } };
    }
    // Our pick for cancelled jobs (fal's docs do not fix it): 400, a status the client does not retry.
    if (this.cancelled) return { status: 400, body: { detail: "Request was cancelled" } };
    if (this.result) return this.result;
    if (this.deferredErrors && this.deferredErrors.length > 0) {
      this.result = { status: 422, body: { detail: this.deferredErrors } };
    } else if (this.script.outcome !== "ok") {
      this.result = { status: this.script.outcome.status, body: this.script.outcome.body };
    } else {
      const { width, height } = this.size;
      const images = [];
      for (let i = 0; i < this.imageCount; i++) {
        const bytes = makePng({
          width,
          height,
          seed: (this.seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0,
          targetBytes: this.script.imageBytes,
          // Hue from the seed too, so different jobs (a story's scenes) look different, not all one colour.
          color: colorForIndex(this.seed + i),
        });
        const fileName = `image_${i}.png`;
        const url = storage.host(bytes, "image/png", fileName);
        images.push({ url, content_type: "image/png", file_name: fileName, file_size: bytes.length, width, height });
      }
      this.result = { status: 200, body: { images, seed: this.seed } };
    }
    return this.result;
  }
}
