// Helpers shared by the scenarios: where the repository is, waiting, paced dispatch,
// counting finished jobs from the bot's log, and resource monitoring.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { Stack } from "../test/support/stack.js";
import type { DiscordAttachment, FakeDiscord, FakeUser, InteractionHandle, RestRecord } from "../fakes/discord/index.js";

/** The repository root (the directory whose package.json is StoryCast's), from source or compiled code. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "storycast") return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error("bench: could not find StoryCast's package.json above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/**
 * The compiled benchmark lives in dist/bench-build/, away from the fake Discord's vendored
 * OpenAPI document; point the fake at the source copy (it honours $DISCORD_OPENAPI_PATH).
 */
export function useVendoredOpenApi(): void {
  process.env.DISCORD_OPENAPI_PATH ??= join(repoRoot(), "fakes/discord/discord-openapi.json");
}

/**
 * Environment for startStack that restores the production defaults of src/config.ts:
 * test/support/stack.ts shortens the poll and progress intervals, and config.ts treats an
 * empty value as unset, so "" means "whatever the default is" without copying numbers here.
 */
export const PRODUCTION_INTERVALS: Record<string, string> = { FAL_POLL_INTERVAL_MS: "", PROGRESS_EDIT_INTERVAL_MS: "" };

/** The bot's concurrency cap, if its configuration has one (it is recent; reported, not required). */
export function capOf(config: object): { maxConcurrentJobs?: number } {
  const cap = (config as { maxConcurrentJobs?: unknown }).maxConcurrentJobs;
  return typeof cap === "number" ? { maxConcurrentJobs: cap } : {};
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `pred` every `intervalMs` until it holds; throws after `timeoutMs` naming what it waited for. */
export async function waitUntil(pred: () => boolean, timeoutMs: number, what: string, intervalMs = 20, state?: () => string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!pred()) {
    if (performance.now() > deadline) throw new Error(`bench: timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${state ? ` (${state()})` : ""}`);
    await sleep(intervalMs);
  }
}

/**
 * Calls `dispatch(i)` for i = 0..count-1, evenly spread over `spanMs` (the i-th at
 * start + i·spanMs/count), catching up at once when the event loop falls behind.
 */
export async function dispatchPaced<T>(count: number, spanMs: number, dispatch: (index: number) => T): Promise<{ items: T[]; spanMs: number }> {
  const items: T[] = [];
  const gap = count > 1 ? spanMs / count : 0;
  const start = performance.now();
  let next = 0;
  while (next < count) {
    const now = performance.now();
    while (next < count && start + next * gap <= now) items.push(dispatch(next++));
    if (next < count) await sleep(Math.max(1, start + next * gap - performance.now()));
  }
  return { items, spanMs: performance.now() - start };
}

/** One /imagine, as a member would send it (prompt + reference image), from a rotating member. */
export function imagine(discord: FakeDiscord, reference: DiscordAttachment, index: number, extra: Record<string, number | string | boolean> = {}): InteractionHandle {
  const users: FakeUser[] = [discord.users.alice, discord.users.bob, discord.users.mod];
  return discord.command("imagine", { prompt: `bench scene ${index}: the knight on the moon`, reference, ...extra }, { user: users[index % users.length]! });
}

/**
 * Counts jobs that ended, from the bot's log lines (the stack keeps them as JSON text):
 * delivered, or ended with a message to the user.
 */
export class JobWatch {
  private seen: number;
  delivered = 0;
  failed = 0;
  /** Counts from now on (earlier lines are ignored). */
  constructor(private readonly logs: readonly string[]) {
    this.seen = logs.length;
  }

  private update(): void {
    for (; this.seen < this.logs.length; this.seen++) {
      const line = this.logs[this.seen]!;
      if (line.includes('"msg":"job delivered"')) this.delivered++;
      else if (/"msg":"(job failed|submit outcome unknown|delivery kept failing|restart found a job)/.test(line)) this.failed++;
    }
  }

  get finished(): number {
    this.update();
    return this.delivered + this.failed;
  }
}

/**
 * Runs one small job end to end before measuring: the first request of each kind pays for
 * JIT compilation and the fake Discord's lazy OpenAPI schema compilation, which are not
 * what the scenarios measure.
 */
export async function warmUp(stack: Pick<Stack, "discord" | "fal" | "logs">, reference: DiscordAttachment): Promise<void> {
  const watch = new JobWatch(stack.logs);
  stack.fal.script({ queueMs: 0, runMs: 0, hold: false });
  imagine(stack.discord, reference, 0, { count: 2 });
  await waitUntil(() => watch.finished >= 1, 30_000, "the warm-up job");
  if (watch.failed > 0) throw new Error("bench: the warm-up job failed; see the bot's log (E2E_DEBUG=1)");
}

/**
 * When the fake Discord had read (and parsed) each request's whole body: the fake records
 * `at` on arrival of the headers and sets `files` once the body is in; this notes the
 * time of that assignment, without changing the fake. Returns a lookup.
 */
export function trackBodyReceived(discord: FakeDiscord): (record: RestRecord) => number | undefined {
  const received = new WeakMap<RestRecord, number>();
  const requests = discord.requests as RestRecord[];
  const push = requests.push;
  Object.defineProperty(requests, "push", {
    configurable: true,
    writable: true,
    value(this: RestRecord[], ...records: RestRecord[]) {
      for (const record of records) {
        let files = record.files;
        Object.defineProperty(record, "files", {
          enumerable: true,
          configurable: true,
          get: () => files,
          set: (value: RestRecord["files"]) => {
            files = value;
            received.set(record, Date.now());
          },
        });
      }
      return push.apply(this, records);
    },
  });
  return (record) => received.get(record);
}

export interface PhaseHealth {
  durationMs: number;
  /** Event-loop delay beyond the 10 ms sampling timer (monitorEventLoopDelay minus its resolution), ms. */
  eventLoopDelayP50Ms: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  rssPeakMb: number;
  heapUsedPeakMb: number;
}

/** Event-loop delay histogram plus RSS/heap sampling, read and reset phase by phase. */
export class HealthMonitor {
  private static readonly RESOLUTION_MS = 10;
  private readonly histogram = monitorEventLoopDelay({ resolution: HealthMonitor.RESOLUTION_MS });
  private readonly timer: NodeJS.Timeout;
  private phaseStart = performance.now();
  private rssPeak = 0;
  private heapPeak = 0;
  private overallRssPeak = 0;

  constructor(sampleMs = 100) {
    this.histogram.enable();
    this.sample();
    this.timer = setInterval(() => this.sample(), sampleMs);
  }

  sample(): void {
    const { rss, heapUsed } = process.memoryUsage();
    this.rssPeak = Math.max(this.rssPeak, rss);
    this.heapPeak = Math.max(this.heapPeak, heapUsed);
    this.overallRssPeak = Math.max(this.overallRssPeak, rss);
  }

  /** Figures since the previous endPhase() (or the start), then starts a new phase. */
  endPhase(): PhaseHealth {
    this.sample();
    const ms = (ns: number) => Math.max(0, ns / 1e6 - HealthMonitor.RESOLUTION_MS);
    const h = this.histogram;
    const phase: PhaseHealth = {
      durationMs: performance.now() - this.phaseStart,
      eventLoopDelayP50Ms: h.count > 0 ? ms(h.percentile(50)) : 0,
      eventLoopDelayP99Ms: h.count > 0 ? ms(h.percentile(99)) : 0,
      eventLoopDelayMaxMs: h.count > 0 ? ms(h.max) : 0,
      rssPeakMb: this.rssPeak / 2 ** 20,
      heapUsedPeakMb: this.heapPeak / 2 ** 20,
    };
    h.reset();
    this.rssPeak = 0;
    this.heapPeak = 0;
    this.sample();
    this.phaseStart = performance.now();
    return phase;
  }

  get peakRssMb(): number {
    return this.overallRssPeak / 2 ** 20;
  }

  stop(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }
}

/** Runs the garbage collector when node was started with --expose-gc (npm run bench does); else a no-op. */
export async function collectGarbage(): Promise<boolean> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return false;
  gc();
  await sleep(50);
  gc();
  return true;
}

export const rssMb = () => process.memoryUsage().rss / 2 ** 20;

