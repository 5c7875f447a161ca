import { afterEach, describe, expect, it } from "vitest";
import type { Job } from "../../src/domain/job.js";
import { TOKEN_LIFETIME_MS } from "../../src/discord/reply-target.js";
import { makePng } from "../../fakes/fal/index.js";
import { resultMessages, waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

/**
 * The job time limit counts fal's time only: from the accepted submit, never the time a
 * job waited in StoryCast's own queue or the time StoryCast was down. Time is moved with
 * the stack's clock (bot and fake Discord together), never slept.
 */
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

let scene = 0;
function imagine(s: Stack, user = s.discord.users.alice) {
  scene += 1;
  const reference = s.discord.attachment(makePng({ width: 16, height: 16, seed: scene, targetBytes: 2000 }), "hero.png", { contentType: "image/png" });
  const prompt = `scene ${scene}: the lighthouse at dusk`;
  const handle = s.discord.command("imagine", { prompt, reference }, { user });
  return { handle, prompt };
}

/** Waits until fal accepted the job with this prompt; returns its fal request id and the job row. */
async function acceptedAtFal(s: Stack, prompt: string): Promise<{ requestId: string; job: () => Promise<Job> }> {
  await s.fal.waitFor(() => s.fal.submits.some((x) => x.requestId && (x.input as { prompt?: string }).prompt === prompt), 10_000, `submit of "${prompt}"`);
  const requestId = s.fal.submits.find((x) => (x.input as { prompt?: string }).prompt === prompt)!.requestId!;
  const find = async () => (await s.app.context.store.unfinished()).find((j) => j.falInput?.prompt === prompt);
  await s.discord.waitFor(async () => (await find())?.state.kind === "queued", 10_000, "job row queued");
  const id = (await find())!.id;
  return { requestId, job: async () => (await s.app.context.store.get(id))! };
}

/** StoryCast is down for `outageMs` (of its clock) while fal finishes the job; then it starts again. */
async function finishedDuringOutage(s: Stack, requestId: string, outageMs: number): Promise<void> {
  await s.restart(async () => {
    s.advance(outageMs);
    s.fal.release(requestId);
    await s.fal.waitFor(() => s.fal.job(requestId)?.state === "COMPLETED", 5000, "fal finishing the job");
  });
}

/** Cancel requests fal received (also the ones that came too late to cancel anything). */
const cancelRequests = (s: Stack) => s.fal.requests.filter((r) => r.kind === "cancel").map((r) => r.target);

describe("job time limit", () => {
  it("when StoryCast is down longer than the time limit while fal finishes the job, then the restarted bot delivers it and cancels nothing", async () => {
    stack = await startStack({ env: { JOB_TIMEOUT_SECONDS: "8" } });
    const s = stack;
    s.fal.script({ hold: true });
    const { handle, prompt } = imagine(s);
    const { requestId, job } = await acceptedAtFal(s, prompt);
    await finishedDuringOutage(s, requestId, 11_000); // an 11 s outage with an 8 s limit
    await s.discord.waitFor(async () => (await job()).state.kind === "delivered", 10_000, "delivery after the restart");
    expect(resultMessages(handle)).toHaveLength(1);
    expect(cancelRequests(s)).toEqual([]);
    expect(s.fal.submits.filter((x) => (x.input as { prompt?: string }).prompt === prompt)).toHaveLength(1);
  });

  it("when a job is still running at fal past its limit after a restart, then fal is asked first and the job is cancelled once, with the member told", async () => {
    stack = await startStack({ env: { JOB_TIMEOUT_SECONDS: "8" } });
    const s = stack;
    s.fal.script({ hold: true });
    const { handle, prompt } = imagine(s);
    const { requestId, job } = await acceptedAtFal(s, prompt);
    await s.restart(() => s.advance(11_000));
    await waitForReply(s.discord, handle, /took longer than 8 seconds at fal/);
    expect((await job()).state.kind).toBe("failed");
    expect(s.fal.cancels).toEqual([requestId]);
    // After the restart, fal was asked about the job before it was cancelled.
    const sinceRestart = s.fal.requests.filter((r) => r.target.includes(requestId)).map((r) => r.kind).slice(-2);
    expect(sinceRestart).toEqual(["status", "cancel"]);
  });

  it("when a job waits in StoryCast's own queue longer than the limit, then its fal time starts at the submit and it is not cancelled", async () => {
    stack = await startStack({ env: { JOB_TIMEOUT_SECONDS: "8", MAX_CONCURRENT_JOBS: "1" } });
    const s = stack;
    s.fal.script({ hold: true }, { hold: true });
    const first = imagine(s);
    const a = await acceptedAtFal(s, first.prompt);
    const second = imagine(s, s.discord.users.bob);
    await waitForReply(s.discord, second.handle, /number 1 in StoryCast's queue/);
    s.advance(5_000);
    s.fal.release(a.requestId);
    await s.discord.waitFor(async () => (await a.job()).state.kind === "delivered", 10_000, "first job delivered");
    const b = await acceptedAtFal(s, second.prompt);
    s.advance(5_000); // 10 s since /imagine, 5 s at fal: within the 8 s limit
    s.fal.release(b.requestId);
    await s.discord.waitFor(async () => ["delivered", "failed", "cancelled"].includes((await b.job()).state.kind), 10_000, "second job finished");
    expect((await b.job()).state.kind).toBe("delivered");
    expect(cancelRequests(s)).toEqual([]);
    expect(resultMessages(second.handle)).toHaveLength(1);
  });

  it("when fal finishes while StoryCast is down past the interaction token's 15 minutes, then the images arrive as a channel message naming the member", async () => {
    stack = await startStack();
    const s = stack;
    s.fal.script({ hold: true });
    const { prompt } = imagine(s);
    const { requestId, job } = await acceptedAtFal(s, prompt);
    await finishedDuringOutage(s, requestId, TOKEN_LIFETIME_MS + 60_000);
    await s.discord.waitFor(async () => (await job()).state.kind === "delivered", 10_000, "delivery after the restart");
    const jobId = (await job()).id;
    const posted = s.discord.messages().filter((m) => m.text.includes(`job ${jobId}`));
    expect(posted).toHaveLength(1);
    expect(posted[0]!.text).toContain(`<@${s.discord.users.alice.id}>`);
    expect(cancelRequests(s)).toEqual([]);
  });
});
