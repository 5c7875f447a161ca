import { afterEach, describe, expect, it } from "vitest";
import { TOKEN_LIFETIME_MS } from "../../src/discord/reply-target.js";
import { makePng } from "../../fakes/fal/index.js";
import { resultMessages, waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

/** Each part of a result is posted at most once, Delete removes every part, and what Discord will never take ends. */
const LIMIT = 100_000; // 8 images of 30 kB: three messages

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const reference = (s: Stack) => s.discord.attachment(makePng({ width: 16, height: 16, seed: 77, targetBytes: 1500 }), "hero.png", { contentType: "image/png" });
const jobIdOf = (content: string) => /· job (\S+)/.exec(content)?.[1];

describe("delivery", () => {
  it("when Discord fails the second part of a split result, then the retry resumes there: each part is posted once, and Delete removes all of them", async () => {
    // Eight Balanced images ($1.20) run without the price confirmation: delivery is the subject here (confirm-cost.test.ts tests it).
    stack = await startStack({ attachmentSizeLimit: LIMIT, env: { PROGRESS_EDIT_INTERVAL_MS: "50", CONFIRM_COST_ABOVE_USD: "off" } });
    const { discord, fal } = stack;
    fal.script({ imageBytes: 30_000 });
    const handle = discord.command("imagine", { prompt: "eight panels", reference: reference(stack), count: 8 }, { user: discord.users.alice });
    // Part 1 goes through; then every try of part 2 fails with 502 (discord.js itself retries
    // a 5xx three times, so four failures make one of StoryCast's attempts fail).
    discord.failNext({ method: "POST", path: new RegExp(`/webhooks/\\d+/${handle.token}$`), status: 502, skip: 1, count: 4 });
    await waitForReply(discord, handle, /8 images posted in the channel/, 20_000);
    const parts = resultMessages(handle);
    expect(parts.map((m) => /part (\d) of 3/.exec(m.text)?.[1])).toEqual(["1", "2", "3"]);
    expect(parts.flatMap((m) => m.attachments)).toHaveLength(8);
    expect(discord.requests.filter((r) => r.status === 502)).toHaveLength(4); // the failure really happened

    const jobId = jobIdOf(parts[0]!.text)!;
    expect((await stack.app.context.store.get(jobId))?.messageIds).toEqual(parts.map((m) => m.id));
    const press = discord.button(`imagine:delete:${jobId}`, parts[2]!, { user: discord.users.alice });
    await press.callback();
    await discord.waitFor(() => parts.every((m) => discord.messages().find((x) => x.id === m.id)?.deleted), 5000, "every part deleted");
  });

  it("when the token expired, the bot may not post in the channel and the member takes no DMs, then the job ends undeliverable, logged with the reason, and is not retried", async () => {
    stack = await startStack({ env: { JOB_TIMEOUT_SECONDS: "3600" } });
    const s = stack;
    s.fal.script({ hold: true });
    const handle = s.discord.command("imagine", { prompt: "a scene nobody can receive", reference: reference(s) }, { user: s.discord.users.bob });
    await s.fal.waitFor(() => s.fal.submits.some((x) => x.requestId), 10_000, "submit");
    const requestId = s.fal.submits.at(-1)!.requestId!;
    s.advance(TOKEN_LIFETIME_MS + 60_000);
    s.discord.denyPost(s.discord.channelId);
    s.discord.denyDm(s.discord.users.bob.id);
    s.fal.release(requestId);
    const line = await s.discord.waitFor(() => s.logs.find((l) => l.includes("job undeliverable")), 15_000, "undeliverable log");
    const logged = JSON.parse(line) as { jobId: string; reason: string };
    expect(logged.reason).toMatch(/does not accept direct messages/);
    const job = (await s.app.context.store.get(logged.jobId))!;
    expect(job.state.kind).toBe("undeliverable"); // final: the redelivery timer only retries completed jobs
    expect(await s.app.context.store.unfinished()).toEqual([]);
    const posts = () => s.discord.requests.filter((r) => r.method === "POST" && r.path.includes("/messages")).length;
    const before = posts();
    s.advance(10 * 60_000); // past the 5-minute redelivery
    expect((await s.app.context.store.get(logged.jobId))!.state.kind).toBe("undeliverable");
    expect(posts()).toBe(before);
    expect(handle.followups()).toHaveLength(0);
  });
});
