import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makePng } from "../../fakes/fal/index.js";
import { waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { JOB_TIMEOUT_SECONDS: "3" } });
});
afterAll(async () => {
  await stack?.stop();
});

function imagine(prompt = "the knight at the harbour") {
  const { discord } = stack;
  const reference = discord.attachment(makePng({ width: 16, height: 16, seed: 9, targetBytes: 2000 }), "knight.png", { contentType: "image/png" });
  return discord.command("imagine", { prompt, reference }, { user: discord.users.alice });
}

/** Final reply text; also checks it is no stack trace, no secret, and not left in progress. */
async function finalReply(handle: ReturnType<typeof imagine>, pattern: RegExp): Promise<string> {
  const reply = await waitForReply(stack.discord, handle, pattern);
  expect(reply.text).not.toMatch(/\bat .+:\d+:\d+|Error:|ApiError/);
  expect(reply.text).not.toContain(stack.fal.key);
  expect(reply.text).not.toContain(stack.discord.token);
  expect(reply.components ?? []).toEqual([]); // no Cancel button left on a finished job
  return reply.text;
}

describe("/imagine when fal says no or breaks", () => {
  it("when fal refuses the result under its content policy, then the user is told in plain words", async () => {
    stack.fal.script({ outcome: { status: 422, body: { detail: [{ loc: ["body", "prompt"], msg: "Content policy violation", type: "content_policy_violation" }] } } });
    const text = await finalReply(imagine(), /content policy/);
    expect(text).toMatch(/your prompt or one of your images was flagged/);
  });

  it("when the job fails on fal, then the reply ends with a clear message", async () => {
    stack.fal.script({ outcome: { status: 500, body: { detail: "Internal error" } } });
    expect(await finalReply(imagine(), /fal is having trouble/)).toMatch(/try again/);
  });

  it("when fal answers the submit with 503, then it is sent once only and the user is told", async () => {
    const submitsBefore = stack.fal.requests.filter((r) => r.kind === "submit").length;
    stack.fal.failNext("submit", 1, { status: 503, body: { detail: "Service Unavailable" } });
    await finalReply(imagine(), /fal is having trouble right now \(it answered 503\)/);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // longer than the client's first retry delay
    expect(stack.fal.requests.filter((r) => r.kind === "submit").length - submitsBefore).toBe(1);
  });

  it("when fal rejects the key, then the user hears the bot is misconfigured and the owner finds it in the log", async () => {
    stack.fal.failNext("submit", 1, { status: 401, body: { detail: "Invalid or missing API key" } });
    await finalReply(imagine(), /StoryCast is misconfigured/);
    expect(stack.logs.some((line) => line.includes('"level":50') && line.includes("misconfigured"))).toBe(true);
  });

  it("when following the job fails once with 503, then the status stream is reopened and the images still arrive", async () => {
    stack.fal.script({ runMs: 300 });
    stack.fal.failNext("status-stream", 1, { status: 503 });
    const handle = imagine();
    await waitForReply(stack.discord, handle, /posted in the channel/);
    expect(stack.fal.requests.filter((r) => r.kind === "status-stream").map((r) => r.status)).toContain(503);
  });

  it("when a job runs past the time limit, then it is cancelled on fal and the user told", async () => {
    stack.fal.script({ hold: true });
    const handle = imagine();
    await finalReply(handle, /took longer than/);
    const requestId = stack.fal.submits.at(-1)!.requestId!;
    expect(stack.fal.cancels).toContain(requestId);
  });

  // (Secrets in the logs: the logger removes DISCORD_TOKEN and FAL_KEY by value, so searching its
  // output for them here could never fail. test/e2e/secrets.test.ts greps a bot process's raw
  // output after injecting errors that carry them; stack.stop() checks every interaction token.)
  it("when jobs fail on fal, then each failure is logged with fal's status for the owner to see", () => {
    const failures = stack.logs.filter((line) => line.includes('"msg":"job failed: ')).map((line) => JSON.parse(line) as { level: number; err?: { status?: number } });
    expect(failures.every((line) => line.level >= 40)).toBe(true);
    expect(failures.map((line) => line.err?.status)).toEqual(expect.arrayContaining([422, 500, 503, 401]));
  });
});
