import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makePng } from "../../fakes/fal/index.js";
import { replyEdits, resultMessages, waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { FAL_REQUEST_TIMEOUT_MS: "800", FAL_STATUS_STREAM_MAX_MS: "800" } });
});
afterAll(async () => {
  await stack?.stop();
});

let scene = 0;
/** Each job gets its own prompt, so its submit can be told apart from earlier ones. */
function imagine(options: Record<string, string | number | boolean> = {}) {
  const { discord } = stack;
  scene += 1;
  const reference = discord.attachment(makePng({ width: 16, height: 16, seed: 21, targetBytes: 2000 }), "hero.png", { contentType: "image/png" });
  return discord.command("imagine", { prompt: `the hero at gate ${scene}`, reference, ...options }, { user: discord.users.alice });
}

/** The fal request id of the latest job, once fal accepted it. */
const submittedFor = async (_handle: ReturnType<typeof imagine>) => {
  const prompt = `the hero at gate ${scene}`;
  const find = () => stack.fal.submits.find((s) => s.requestId && (s.input as { prompt?: string }).prompt === prompt);
  await stack.fal.waitFor(() => find() !== undefined, 5000, `submit of "${prompt}"`);
  return find()!.requestId!;
};

describe("faults at fal", () => {
  it("when the status stream gets 503 and then hangs past its time limit, then it backs off, reopens and delivers", async () => {
    stack.fal.script({ runMs: 600 });
    stack.fal.failNext("status-stream", 1, { status: 503, body: { detail: "Service Unavailable" } });
    stack.fal.failNext("status-stream", 1, "hang");
    const handle = imagine();
    await waitForReply(stack.discord, handle, /posted in the channel/, 15_000);
    const streams = stack.fal.requests.filter((r) => r.kind === "status-stream" && r.at >= handle.dispatchedAt).map((r) => r.status);
    expect(streams.slice(0, 2)).toEqual([503, 0]); // the refused one, then the hung one abandoned at its time limit
    // After abandoning the hung stream, fal is asked again (a status read, then a new stream if still running).
    const reads = stack.fal.requests.filter((r) => (r.kind === "status-stream" || r.kind === "status") && r.at >= handle.dispatchedAt);
    const hung = reads.findIndex((r) => r.kind === "status-stream" && r.status === 0);
    expect(reads.slice(hung + 1).map((r) => r.kind)[0]).toBe("status");
  });

  it("when the result read fails with 503 twice, then it is retried and the images arrive", async () => {
    const handle = imagine();
    await submittedFor(handle);
    stack.fal.failNext("result", 2, { status: 503 });
    await waitForReply(stack.discord, handle, /posted in the channel/, 15_000);
    expect(resultMessages(handle)[0]?.attachments).toHaveLength(1);
  });

  it("when one result image cannot be downloaded, then the others are posted and the user is told which is missing", async () => {
    stack.fal.script({ imageBytes: 3000 });
    const handle = imagine({ count: 2 });
    await submittedFor(handle);
    stack.fal.failNext("cdn", 10, { status: 500 }, { target: /image_1\.png/ });
    await waitForReply(stack.discord, handle, /posted in the channel/, 15_000);
    const [result] = resultMessages(handle);
    expect(result?.attachments).toHaveLength(1);
    expect(result?.text).toMatch(/Image 2 could not be downloaded from fal: http:\/\/127\.0\.0\.1:\d+\/files\/.+image_1\.png/);
    const attempts = stack.fal.requests.filter((r) => r.kind === "cdn" && r.target.includes("image_1.png") && r.at >= handle.dispatchedAt);
    expect(attempts.length).toBe(3); // retried before giving up
  });
});

describe("faults at Discord", () => {
  it("when progress edits are rate limited (429), then discord.js waits and there is no edit storm", async () => {
    stack.fal.script({ runMs: 1200 });
    const handle = imagine();
    stack.discord.failNext({ method: "PATCH", path: /\/messages\/@original$/, status: 429, retryAfter: 0.4, count: 2 });
    await waitForReply(stack.discord, handle, /posted in the channel/, 15_000);
    const edits = replyEdits(stack.discord, handle);
    // ~1.5 s of job at one edit per 150 ms at most, plus the rate-limited retries and the final edit.
    expect(edits.length).toBeLessThanOrEqual(16);
    expect(stack.discord.requests.filter((r) => r.status === 429 && r.path.includes(handle.token)).length).toBe(2);
  });

  it("when the final delivery gets 5xx, then it is retried and the job stays undelivered until it succeeds", async () => {
    const handle = imagine();
    const requestId = await submittedFor(handle);
    stack.discord.failNext({ method: "POST", path: new RegExp(`/webhooks/\\d+/${handle.token}$`), status: 502, count: 5 });
    await stack.discord.waitFor(() => stack.discord.requests.filter((r) => r.status === 502).length >= 4, 15_000, "failed deliveries");
    const job = (await stack.app.context.store.unfinished()).find((j) => "requestId" in j.state && j.state.requestId === requestId);
    expect(job?.state.kind).toBe("completed");
    await waitForReply(stack.discord, handle, /posted in the channel/, 20_000);
    expect(resultMessages(handle)).toHaveLength(1); // delivered once, not once per attempt
  });

  it("when the gateway drops mid-job, then discord.js resumes, the job is delivered and new commands still work", async () => {
    stack.fal.script({ hold: true });
    const handle = imagine();
    const requestId = await submittedFor(handle);
    const resumesBefore = stack.discord.gateway.resumes + stack.discord.gateway.identifies;
    stack.discord.dropGateway();
    await stack.discord.waitFor(() => stack.discord.gateway.resumes + stack.discord.gateway.identifies > resumesBefore && stack.discord.gateway.connected, 10_000, "gateway back");
    stack.fal.release(requestId);
    await waitForReply(stack.discord, handle, /posted in the channel/, 10_000);
    const help = stack.discord.command("help", {}, { user: stack.discord.users.bob });
    expect((await help.callback()).type).toBe(4);
  });

  it("when the interaction token expires mid-job, then the result arrives as a channel message naming the requester", async () => {
    stack.fal.script({ hold: true });
    const handle = imagine();
    const requestId = await submittedFor(handle);
    const jobId = await jobIdOf(requestId);
    stack.discord.advanceClock(16 * 60 * 1000);
    stack.fal.release(requestId);
    const message = await stack.discord.waitFor(
      () => stack.discord.messages(stack.discord.channelId).find((m) => !m.interactionToken && m.text.includes(`job ${jobId}`)),
      10_000,
      "channel message with the result",
    );
    expect(message.text).toContain(`<@${stack.discord.users.alice.id}>`);
    expect(message.attachments).toHaveLength(1);
    expect(message.ephemeral).toBe(false);
  });

  it("when the token expired and the bot may not post in the channel, then the requester gets the images by DM", async () => {
    stack.fal.script({ hold: true });
    const handle = imagine();
    const requestId = await submittedFor(handle);
    stack.discord.advanceClock(16 * 60 * 1000);
    stack.discord.denyPost(stack.discord.channelId);
    const jobId = await jobIdOf(requestId);
    stack.fal.release(requestId);
    const dm = await stack.discord.waitFor(
      () => stack.discord.messages(stack.discord.dmChannel(stack.discord.users.alice.id)).find((m) => m.text.includes(`job ${jobId}`)),
      10_000,
      "DM with the result",
    );
    expect(dm.attachments).toHaveLength(1);
    expect(dm.text).toMatch(/may not post in <#\d+>, so this came by DM/);
    stack.discord.allowPost(stack.discord.channelId);
  });
});

/** The bot's job id for a fal request, once the bot has stored the request id (a moment after fal accepted it). */
async function jobIdOf(requestId: string): Promise<string> {
  const find = async () => (await stack.app.context.store.unfinished()).find((j) => "requestId" in j.state && j.state.requestId === requestId);
  const job = await stack.discord.waitFor(find, 5000, `the job of ${requestId}`);
  return job.id;
}
