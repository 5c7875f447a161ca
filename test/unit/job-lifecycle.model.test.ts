import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiError } from "@fal-ai/client";
import fc from "fast-check";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { isFinal } from "../../src/domain/job-state.js";
import type { FalService, FalStatus } from "../../src/fal/fal-service.js";
import { UndeliverableError, type JobReporter } from "../../src/jobs/job-reporter.js";
import { createJobRunner, type JobRunner } from "../../src/jobs/job-runner.js";
import { createSharedJobSlots } from "../../src/jobs/shared-job-slots.js";
import type { JobStore } from "../../src/store/job-store.js";
import { makePng } from "../../fakes/fal/index.js";
import { openSqliteJobStore } from "../support/sqlite-job-store.js";
import { createTestClock, type TestClock } from "../support/test-clock.js";

/**
 * A model-based test of the job lifecycle: random interleavings of new jobs (some of them
 * two-character scenes: two fal steps, the second an edit of the first's image), fal accepting,
 * refusing, dropping the connection after accepting, hanging and finishing; fal storage hanging
 * or failing while a second step's mask is uploaded; Discord failing posts for a while or for
 * good; time moving past token lifetimes and job limits; the process killed (SIGKILL: its
 * pending work never resumes) or stopped, then restarted on the same store. After each run,
 * everything is allowed to settle, and the promises must hold.
 *
 * The runner is the real one on a real SQLite store; fal and Discord are in-memory
 * implementations of the runner's own interfaces (FalService, JobReporter), so the test
 * can decide every outcome. Fixed seed: a failure prints the seed and the command list.
 */

const TIME_LIMIT_MS = 60_000;
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

type SubmitMode = "accept" | "refuse" | "drop_after_accept";
/** fal storage, as a two-character scene's second step uploads its mask: working, never answering, or failing. */
type StorageMode = "ok" | "hangs" | "fails";
/** flaky: every other post fails; hangs_after_posting: Discord posts it, but the answer never comes back. */
type DiscordMode = "ok" | "flaky" | "hangs_after_posting" | "refuses_for_good";

/** What fal and Discord saw, across every process generation. */
interface World {
  clock: TestClock;
  /** The SQLite file's folder: every process generation opens its own store on it. */
  dir: string;
  store: JobStore;
  runner: JobRunner;
  /** Bumped by a crash: calls from an older process generation never settle (that process is dead). */
  generation: number;
  submitMode: SubmitMode;
  storageMode: StorageMode;
  discordMode: DiscordMode;
  /** Once everything settles, fal finishes each new request as soon as it is submitted. */
  falFinishesAtOnce: boolean;
  /** fal's side: requests by id, with the job step each was submitted as (1, or 2 for a second step). */
  requests: Map<string, { jobId: string; step: number; state: "queued" | "running" | "done" | "cancelled"; waiters: Set<() => void> }>;
  /** Submits per job step ("job-3#2"). */
  submitsByJob: Map<string, number>;
  /** Broken promises seen as they happened (a second step before its first finished, or not from its image). */
  violations: string[];
  charged: Set<string>;
  /** Discord's side, with the fal image each post came from. */
  posts: { jobId: string; part: number; private: boolean; messageId: string; image: string | undefined }[];
  postAttempts: number;
  failNotices: Map<string, string[]>;
  /** Jobs Discord refused for good: StoryCast must not try them again. */
  refusedForGood: Set<string>;
  retriedAfterRefusal: string[];
  jobs: { id: string; private: boolean; duo: boolean }[];
}

/** A first step's images are scenes: real image files, since a second step draws its mask at their size. */
const SCENE = makePng({ width: 9, height: 6, seed: 1 });

const dead = <T,>(): Promise<T> => new Promise<T>(() => undefined);

function makeFal(world: World, generation: number): FalService {
  const alive = () => world.generation === generation;
  const notify = (request: { waiters: Set<() => void> }) => request.waiters.forEach((wake) => wake());
  const statusOf = (id: string): FalStatus => {
    const request = world.requests.get(id);
    if (!request || request.state === "done" || request.state === "cancelled") return { kind: "done" };
    return request.state === "queued" ? { kind: "queued", position: 0 } : { kind: "running" };
  };
  return {
    async upload() {
      if (!alive() || world.storageMode === "hangs") return dead();
      if (world.storageMode === "fails") throw new ApiError({ message: "Service Unavailable", status: 503, body: {} });
      return "https://fal.test/mask.png";
    },
    async submit(endpoint, input) {
      if (!alive()) return dead();
      const jobId = (input as { prompt: string }).prompt;
      const step = endpoint === "fal-ai/ideogram/character/edit" ? 2 : 1;
      world.submitsByJob.set(`${jobId}#${step}`, (world.submitsByJob.get(`${jobId}#${step}`) ?? 0) + 1);
      if (step === 2) {
        // The second step starts from the first step's finished image, never before it exists.
        const first = [...world.requests.entries()].find(([, r]) => r.jobId === jobId && r.step === 1);
        if (first?.[1].state !== "done") world.violations.push(`${jobId}: step 2 submitted while step 1 was ${first?.[1].state ?? "never submitted"}`);
        const imageUrl = (input as { image_url?: string }).image_url;
        if (!first || imageUrl !== `https://fal.test/${first[0]}-scene.png`) world.violations.push(`${jobId}: step 2 edits ${imageUrl}, not step 1's image`);
      }
      if (world.submitMode === "refuse") throw new ApiError({ message: "Service Unavailable", status: 503, body: {} });
      const id = `req-${world.requests.size + 1}`;
      world.requests.set(id, { jobId, step, state: world.falFinishesAtOnce ? "done" : "queued", waiters: new Set() });
      world.charged.add(jobId);
      if (world.submitMode === "drop_after_accept") throw Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNRESET" } });
      return id;
    },
    async status(id) {
      if (!alive()) return dead();
      return statusOf(id);
    },
    async watch(id, onStatus, signal) {
      if (!alive()) return dead();
      const request = world.requests.get(id);
      if (!request) return true;
      onStatus(statusOf(id));
      return new Promise<boolean>((resolve) => {
        const check = () => {
          if (request.state === "done" || request.state === "cancelled") finish(true);
          else if (signal.aborted) finish(false);
        };
        const finish = (done: boolean) => {
          request.waiters.delete(check);
          signal.removeEventListener("abort", check);
          resolve(done);
        };
        request.waiters.add(check);
        signal.addEventListener("abort", check);
        check();
      });
    },
    async result(id) {
      if (!alive()) return dead();
      const request = world.requests.get(id)!;
      if (request.state === "cancelled") throw new ApiError({ message: "Bad Request", status: 400, body: { detail: "Request was cancelled" } });
      const duo = world.jobs.find((job) => job.id === request.jobId)?.duo === true;
      if (duo && request.step === 1) return { seed: 1, images: [{ url: `https://fal.test/${id}-scene.png` }] };
      return { seed: 1, images: [{ url: `https://fal.test/${id}-1.png` }, { url: `https://fal.test/${id}-2.png` }] };
    },
    async cancel(id) {
      if (!alive()) return dead();
      const request = world.requests.get(id)!;
      if (request.state === "done") return "already_completed";
      request.state = "cancelled";
      notify(request);
      return "cancelled";
    },
    download: async (url) => (alive() ? (url.endsWith("-scene.png") ? SCENE : Buffer.from(url)) : dead()),
    resolves: async () => "live",
    probe: async () => "ok",
  };
}

function makeReporter(world: World, generation: number): JobReporter {
  const alive = () => world.generation === generation;
  return {
    progress: async () => undefined,
    async postPart(job, result, part) {
      if (!alive()) return dead();
      world.postAttempts += 1;
      if (world.refusedForGood.has(job.id)) world.retriedAfterRefusal.push(job.id);
      if (world.discordMode === "flaky" && world.postAttempts % 2 === 0) throw new Error("Discord answered 502");
      if (world.discordMode === "refuses_for_good") world.refusedForGood.add(job.id);
      if (world.discordMode === "refuses_for_good") throw new UndeliverableError("the member does not accept direct messages from StoryCast");
      const messageId = `m-${world.posts.length + 1}`;
      world.posts.push({ jobId: job.id, part: part.index, private: job.origin.private, messageId, image: result.images[0]?.url });
      if (world.discordMode === "hangs_after_posting") return dead();
      return { messageId, channelId: "c" };
    },
    async findPostedPart(job, part) {
      if (!alive()) return dead();
      // Like reading the channel's recent messages: only shared results can be found.
      const found = job.origin.private ? undefined : world.posts.find((post) => post.jobId === job.id && post.part === part.index);
      return found ? { messageId: found.messageId, channelId: "c" } : undefined;
    },
    finishDelivery: async () => undefined,
    async fail(job, message) {
      if (!alive()) return;
      world.failNotices.set(job.id, [...(world.failNotices.get(job.id) ?? []), message]);
    },
  };
}

async function startRunner(world: World): Promise<JobRunner> {
  const generation = world.generation;
  // Each process opens its own store (its own lease owner) on the same file. The previous one's
  // calls may still land (a zombie): its writes are fenced off once this one claims the jobs.
  world.store = await openSqliteJobStore(world.dir, () => world.clock.now());
  const runner = createJobRunner({
    store: world.store,
    fal: makeFal(world, generation),
    reporter: makeReporter(world, generation),
    slots: createSharedJobSlots({ line: world.store, cap: 2, clock: world.clock, pollMs: 5 }),
    logger: pino({ level: "silent" }),
    pollIntervalMs: 5,
    jobTimeoutMs: TIME_LIMIT_MS,
    deliveryAttempts: 2,
    deliveryBackoffMs: 1,
    redeliveryDelayMs: 5 * 60_000,
    clock: world.clock,
  });
  // As the app does at start-up: resume what the previous process left unfinished.
  for (const job of await world.store.claimOrphans(Number.MAX_SAFE_INTEGER, { everything: true })) void runner.resume(job);
  return runner;
}

/** Lets the runner's promise chains run (fal and Discord answer in microtasks; backoffs are a few ms). */
const settleALittle = () => new Promise((resolve) => setTimeout(resolve, 15));

type Command = fc.AsyncCommand<object, World>;
const command = (name: string, run: (world: World) => Promise<void> | void): Command => ({
  check: () => true,
  async run(_model, world) {
    await run(world);
    await settleALittle();
  },
  toString: () => name,
});

const newJob = fc.record({ isPrivate: fc.boolean(), duo: fc.boolean() }).map(({ isPrivate, duo }) =>
    command(`newJob(${isPrivate ? "private" : "shared"}${duo ? ", two characters" : ""})`, async (world) => {
      const id = `job-${world.jobs.length + 1}`;
      world.jobs.push({ id, private: isPrivate, duo });
      const job = await world.store.create({
        id,
        // A tiny upload limit: each of the two images is a message of its own, so results come in parts.
        origin: { userId: "u", guildId: "g", channelId: "c", applicationId: "a", interactionToken: "t", interactionAt: world.clock.now(), attachmentSizeLimit: 40, private: isPrivate },
        // A two-character scene's second step keeps the scene's prompt (the job id), so fal can tell whose it is.
        settings: { prompt: id, imageSize: "square_hd", speed: "TURBO", numImages: 2, ...(duo ? { kind: "duo" as const, second: { name: "B", placement: "left" as const } } : {}) },
        ...(duo ? { pipeline: { step: 1, steps: 2, done: [] } } : {}),
      });
      void world.runner.start(job, async () => ({ reference: { url: "https://fal.test/ref.png" }, ...(duo ? { second: { reference: { url: "https://fal.test/second.png" } } } : {}) }));
    }),
);
const falFinishes = fc.nat(3).map((k) =>
  command(`fal starts and finishes request #${k}`, (world) => {
    const request = [...world.requests.values()].filter((r) => r.state === "queued" || r.state === "running")[k];
    if (!request) return;
    request.state = "done";
    request.waiters.forEach((wake) => wake());
  }),
);

const commands = [
  newJob,
  newJob,
  falFinishes,
  falFinishes,
  fc.constantFrom<SubmitMode>("accept", "refuse", "drop_after_accept").map((mode) => command(`fal submits: ${mode}`, (world) => void (world.submitMode = mode))),
  fc.constantFrom<StorageMode>("ok", "hangs", "fails").map((mode) => command(`fal storage: ${mode}`, (world) => void (world.storageMode = mode))),
  fc.constantFrom<DiscordMode>("ok", "flaky", "hangs_after_posting", "refuses_for_good").map((mode) => command(`Discord: ${mode}`, (world) => void (world.discordMode = mode))),
  fc.nat(9).map((k) =>
    command(`fal starts request #${k}`, (world) => {
      const request = [...world.requests.values()].filter((r) => r.state === "queued")[k];
      if (request) request.state = "running";
    }),
  ),
  fc.constantFrom(1_000, 16 * 60_000, 2 * TIME_LIMIT_MS).map((ms) => command(`time passes ${ms} ms`, (world) => world.clock.advance(ms))),
  fc.nat(9).map((k) =>
    command(`requester cancels job #${k}`, async (world) => {
      const job = world.jobs[k];
      if (job) await world.runner.cancel(job.id);
    }),
  ),
  fc.constant(
    command("SIGKILL and restart", async (world) => {
      world.generation += 1;
      world.runner = await startRunner(world);
    }),
  ),
  fc.constant(
    command("graceful stop and restart", async (world) => {
      await world.runner.drain(50);
      world.generation += 1;
      world.runner = await startRunner(world);
    }),
  ),
];

async function settle(world: World): Promise<void> {
  // The outage ends: fal finishes everything, Discord works, the bot restarts once more, time moves
  // past any redelivery and job limit. Nothing may be left hanging afterwards.
  world.discordMode = "ok";
  world.submitMode = "accept";
  world.storageMode = "ok";
  world.falFinishesAtOnce = true;
  for (const request of world.requests.values()) {
    if (request.state === "queued" || request.state === "running") request.state = "done";
    request.waiters.forEach((wake) => wake());
  }
  world.generation += 1;
  world.runner = await startRunner(world);
  for (let round = 0; round < 40 && (await world.store.unfinished()).length > 0; round++) {
    world.clock.advance(6 * 60_000);
    await settleALittle();
  }
}

async function checkPromises(world: World): Promise<void> {
  const jobs = await Promise.all(world.jobs.map(async ({ id }) => (await world.store.get(id))!));
  const unfinished = jobs.filter((job) => !isFinal(job.state.kind));
  // No job left in a non-final state once everything could finish.
  expect(unfinished.map((job) => `${job.id}: ${job.state.kind}`)).toEqual([]);
  // A second step only ever started from its first step's finished image.
  expect(world.violations).toEqual([]);
  for (const job of jobs) {
    const duo = world.jobs.find((j) => j.id === job.id)!.duo;
    // At most one fal submit per job step.
    for (const step of [1, 2]) expect(world.submitsByJob.get(`${job.id}#${step}`) ?? 0, `submits of ${job.id} step ${step}`).toBeLessThanOrEqual(1);
    if (!duo) expect(world.submitsByJob.get(`${job.id}#2`) ?? 0, `${job.id} has one step`).toBe(0);
    // Every job fal charged for ends delivered, or the requester is told why (or, when Discord
    // refuses every way to reach them, it is recorded as undeliverable with the reason).
    if (world.charged.has(job.id)) {
      const outcome = job.state.kind === "delivered" || job.state.kind === "undeliverable" || (world.failNotices.get(job.id)?.length ?? 0) > 0;
      expect(outcome, `${job.id} was charged, ended ${job.state.kind} and nobody was told`).toBe(true);
    }
    if (job.state.kind === "delivered") {
      // Delivered means every part reached Discord, with its message id kept for Delete.
      const parts = job.delivery?.parts ?? [];
      expect(parts.length).toBeGreaterThan(0);
      expect(parts.every((part) => part.messageId !== undefined), `${job.id} delivered with a part missing`).toBe(true);
    }
    // A job fal finished (its last step), whose request id StoryCast knew, is delivered however long it was away.
    const requestOf = (step: number) => [...world.requests.values()].find((r) => r.jobId === job.id && r.step === step);
    const last = requestOf(duo ? 2 : 1);
    if (last && last.state === "done" && job.state.kind !== "submit_unknown" && job.state.kind !== "cancelled") {
      expect(["delivered", "undeliverable"], `${job.id}: fal finished it, yet it ended ${job.state.kind}`).toContain(job.state.kind);
    }
    // A two-character scene whose first step fal finished goes on to its second, unless it was
    // cancelled, its fate at fal became unknown, or it failed with the member told why.
    if (duo && requestOf(1)?.state === "done" && !["cancelled", "submit_unknown", "failed"].includes(job.state.kind)) {
      expect(last, `${job.id}: step 1 finished, yet step 2 was never submitted (it ended ${job.state.kind})`).toBeDefined();
    }
    // What a two-character scene posts is its second step's image, never the bare first scene.
    for (const post of world.posts.filter((p) => p.jobId === job.id && duo)) {
      const from = [...world.requests.entries()].find(([id]) => post.image?.startsWith(`https://fal.test/${id}-`));
      expect(from?.[1].step, `${job.id} posted ${post.image}`).toBe(2);
    }
    if (job.state.kind === "failed") expect(world.failNotices.get(job.id)?.length ?? 0, `${job.id} failed silently`).toBeGreaterThan(0);
  }
  // What Discord refused for good is not tried again (no retry every 5 minutes forever).
  expect(world.retriedAfterRefusal).toEqual([]);
  // No part of any result posted twice (a private part that hung cannot be looked up: it may repeat once).
  const shared = world.posts.filter((post) => !post.private);
  const keys = shared.map((post) => `${post.jobId}#${post.part}`);
  expect(keys.length - new Set(keys).size, `parts posted twice: ${keys.join(", ")}`).toBe(0);
  // A private job's result is posted privately, also when a later process delivers it.
  for (const post of world.posts) expect(post.private).toBe(world.jobs.find((job) => job.id === post.jobId)!.private);
}

const stats = { runs: 0, posts: 0, kinds: [] as string[], duoKinds: [] as string[], secondSteps: 0 };

describe("job lifecycle (model-based)", () => {
  it("under random interleavings of jobs, fal and Discord outcomes, time, crashes and restarts, the promises hold", async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 40, size: "large" }), async (cmds) => {
        const dir = mkdtempSync(join(tmpdir(), "storycast-model-"));
        dirs.push(dir);
        const world = {
          clock: createTestClock(),
          dir,
          generation: 0,
          submitMode: "accept",
          storageMode: "ok",
          falFinishesAtOnce: false,
          violations: [],
          discordMode: "ok",
          requests: new Map(),
          submitsByJob: new Map(),
          charged: new Set<string>(),
          posts: [],
          postAttempts: 0,
          refusedForGood: new Set<string>(),
          retriedAfterRefusal: [],
          failNotices: new Map(),
          jobs: [],
        } as unknown as World;
        world.runner = await startRunner(world);
        try {
          await fc.asyncModelRun(() => ({ model: {}, real: world }), cmds);
          await settle(world);
          await checkPromises(world);
          stats.runs += 1;
          stats.posts += world.posts.length;
          for (const job of world.jobs) (job.duo ? stats.duoKinds : stats.kinds).push((await world.store.get(job.id))!.state.kind);
          stats.secondSteps += [...world.requests.values()].filter((r) => r.step === 2).length;
        } finally {
          world.generation += 1; // everything still running belongs to a dead process now
          await world.store.close();
        }
      }),
      { seed: 20261201, numRuns: 40, endOnFailure: true },
    );
    const count = (kinds: string[]) => kinds.reduce<Record<string, number>>((acc, kind) => ({ ...acc, [kind]: (acc[kind] ?? 0) + 1 }), {});
    console.log(JSON.stringify({ runs: stats.runs, posts: stats.posts, ends: count(stats.kinds), twoCharacterEnds: count(stats.duoKinds), secondStepsSubmitted: stats.secondSteps }));
  }, 120_000);
});
