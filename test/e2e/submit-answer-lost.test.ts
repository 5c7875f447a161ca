import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makePng } from "../../fakes/fal/index.js";
import { waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** Starts an /imagine and returns its handle and a getter for its job row. */
function imagine(seed: number) {
  const { discord } = stack;
  // Note the ids the bot gives its jobs, to read this job's row afterwards.
  const ctx = stack.app.context;
  const jobIds: string[] = [];
  const newJobId = ctx.newJobId;
  ctx.newJobId = () => {
    const id = newJobId();
    jobIds.push(id);
    return id;
  };
  const reference = discord.attachment(makePng({ width: 16, height: 16, seed, targetBytes: 2000 }), "knight.png", { contentType: "image/png" });
  const handle = discord.command("imagine", { prompt: "the knight at the harbour", reference }, { user: discord.users.alice });
  const job = async () => {
    ctx.newJobId = newJobId;
    const jobs = await Promise.all(jobIds.map((id) => ctx.store.get(id)));
    return jobs.find((j) => j?.origin.interactionToken === handle.token);
  };
  return { handle, job };
}

const UNKNOWN = /fal did not confirm that it accepted this job, so StoryCast did not send it again/;

describe("a submit whose 2xx answer is lost while its body is read", () => {
  it("when fal answers 200 and the connection drops mid-body, then the submit is sent once, the job ends submit_unknown and the member is told", async () => {
    const { discord, fal } = stack;
    const submitsBefore = fal.requests.filter((r) => r.kind === "submit").length;
    fal.failNext("submit", 1, "reset-mid-body");
    const { handle, job } = imagine(5);
    // Either ending: told the outcome is unknown, or (the double charge) a retried submit delivered.
    const reply = await waitForReply(discord, handle, /did not confirm that it accepted this job|posted in the channel/);
    // The reply is written after fal.submit() settled, so the client's retry loop is over:
    // no later retry can add a submit after this point.
    expect(fal.requests.filter((r) => r.kind === "submit").length - submitsBefore).toBe(1);
    expect(reply.text).toMatch(UNKNOWN);
    expect(fal.submits.at(-1)!.status).toBe(200); // fal did take (and charge for) that one
    expect((await job())?.state.kind).toBe("submit_unknown");
  });

  it("when fal answers 200 with a body that is not the JSON it promised, then the job ends submit_unknown (fal may have taken it), not failed", async () => {
    const { discord, fal } = stack;
    const submitsBefore = fal.requests.filter((r) => r.kind === "submit").length;
    fal.failNext("submit", 1, { status: 200, body: '{"status": "IN_QUEUE", "request_', headers: { "content-type": "application/json" } }, { afterHandling: true });
    const { handle, job } = imagine(6);
    const reply = await waitForReply(discord, handle, /did not confirm|Something went wrong|posted in the channel/);
    expect(reply.text).toMatch(UNKNOWN);
    expect((await job())?.state.kind).toBe("submit_unknown");
    expect(fal.requests.filter((r) => r.kind === "submit").length - submitsBefore).toBe(1);
  });
});
