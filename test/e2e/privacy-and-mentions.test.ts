import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOKEN_LIFETIME_MS } from "../../fakes/discord/index.js";
import { makePng } from "../../fakes/fal/index.js";
import { falResultImages } from "../support/fal-result.js";
import { pingedBy } from "../support/mentions.js";
import { replyText, waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  // A long job time limit: these tests move the clock past the token's 15 minutes, not past the limit.
  stack = await startStack({ env: { JOB_TIMEOUT_SECONDS: "7200" } });
});
afterAll(async () => {
  await stack?.stop();
});

const png = (seed: number) => makePng({ width: 20, height: 20, seed, targetBytes: 2000 });

/** The fal request id of the submit whose prompt is `prompt`, once fal accepted it. */
async function requestIdFor(prompt: string): Promise<string> {
  const find = () => stack.fal.submits.find((s) => s.requestId && (s.input as { prompt?: string }).prompt === prompt);
  await stack.fal.waitFor(() => find() !== undefined, 5000, `submit of "${prompt}"`);
  return find()!.requestId!;
}

/** The bot's job for a fal request. */
async function jobFor(requestId: string) {
  const find = async () => {
    for (const job of await stack.app.context.store.unfinished()) if ("requestId" in job.state && job.state.requestId === requestId) return job;
    return undefined;
  };
  return stack.discord.waitFor(find, 5000, `the job of ${requestId}`);
}

describe("private results stay private", () => {
  let privateUrls: string[];
  let privateJobId: string;
  let publicUrls: string[];

  it("when a member makes a private image with a saved character, then another member's /character show does not show it", async () => {
    const { discord, fal } = stack;
    const save = discord.command("character save", { name: "Nyx", reference: discord.attachment(png(41), "nyx.png", { contentType: "image/png" }) } as never, { user: discord.users.alice });
    expect(await replyText(discord, save)).toMatch(/Saved \*\*Nyx\*\*/);

    const open = discord.command("imagine", { prompt: "nyx in the market", character: "Nyx" }, { user: discord.users.alice });
    await waitForReply(discord, open, /posted in the channel/);
    publicUrls = await falResultImages(fal, await requestIdFor("nyx in the market"));

    const secret = discord.command("imagine", { prompt: "nyx reads a secret letter", character: "Nyx", private: true }, { user: discord.users.alice });
    const secretRequest = await requestIdFor("nyx reads a secret letter");
    privateJobId = (await jobFor(secretRequest)).id;
    await waitForReply(discord, secret, /Scene for/);
    privateUrls = await falResultImages(fal, secretRequest);
    expect(privateUrls.length).toBeGreaterThan(0);

    const show = discord.command("character show", { name: "Nyx" } as never, { user: discord.users.bob });
    const seen = JSON.stringify((await show.callback()).data);
    for (const url of privateUrls) expect(seen).not.toContain(url);
    for (const url of publicUrls) expect(seen).toContain(url); // the shared scene is still listed
  });

  it("when a story has a scene from a private job, then /story recap leaves it out and escapes authors' names", async () => {
    const { discord } = stack;
    const start = discord.command("story start", { title: "Night Road", character: "Nyx" } as never, { user: discord.users.bob });
    await replyText(discord, start);
    const threadId = discord.threads(discord.channelId).at(-1)!.id;
    const scene = discord.command("story scene", { prompt: "nyx walks the night road" } as never, { user: discord.users.bob, channelId: threadId });
    await waitForReply(discord, scene, /posted in the channel/);
    // No command makes a private scene today; one in the store must still never be recapped.
    const story = (await stack.app.context.stories.byThread(threadId))!;
    await stack.app.context.stories.addScene({ storyId: story.id, jobId: privateJobId, authorId: discord.users.alice.id, authorName: "Alice", prompt: "nyx reads a secret letter", characterName: "Nyx" });
    // A scene whose job is written but not finished (the runner never sees this row).
    const unfinished = await stack.app.context.store.create({
      id: "unfinished-scene-job",
      origin: { userId: discord.users.carol.id, guildId: discord.guildId, channelId: threadId, applicationId: "app", interactionToken: "unused", interactionAt: stack.clock.now(), attachmentSizeLimit: 1e7, private: false },
      settings: { prompt: "line one", imageSize: "square_hd", speed: "TURBO", numImages: 1 },
    });
    await stack.app.context.stories.addScene({ storyId: story.id, jobId: unfinished.id, authorId: discord.users.carol.id, authorName: "# **Big** [click](https://evil.example)", prompt: "line one\n# line two", characterName: "Nyx" });
    // A scene numbered for a job that was never written (a budget refused it in a burst): nothing to recap.
    await stack.app.context.stories.addScene({ storyId: story.id, jobId: "no-such-job", authorId: discord.users.carol.id, authorName: "Carol", prompt: "a scene that was refused", characterName: "Nyx" });

    const recap = await replyText(discord, discord.command("story recap", {}, { user: discord.users.carol, channelId: threadId }));
    expect(recap).toContain("nyx walks the night road");
    expect(recap).not.toContain("secret letter");
    expect(recap).toContain("\\# \\*\\*Big\\*\\* \\[click\\](https://evil.example): line one # line two (not finished)");
    expect(recap).not.toContain("a scene that was refused");
  });
});

describe("notices in the channel after the token expired", () => {
  it("when a job fails after the 15-minute token expired, then the notice in the channel starts by naming its member and pings only them", async () => {
    const { discord, fal } = stack;
    fal.script({ hold: true, outcome: { status: 500, body: { detail: "Internal error" } } });
    const prompt = "a doomed scene for <@" + discord.users.bob.id + "> and @everyone";
    const handle = discord.command("imagine", { prompt, reference: discord.attachment(png(42), "hero.png", { contentType: "image/png" }) }, { user: discord.users.alice });
    const requestId = await requestIdFor(prompt);
    await waitForReply(discord, handle, /fal/);
    const before = discord.messages(discord.channelId).length;
    stack.clock.advance(TOKEN_LIFETIME_MS + 60_000);
    discord.advanceClock(TOKEN_LIFETIME_MS + 60_000);
    fal.release(requestId);

    const notice = await discord.waitFor(
      () => discord.messages(discord.channelId).slice(before).find((m) => !m.interactionToken && m.text.includes("⚠️")),
      10_000,
      "failure notice in the channel",
    );
    expect(notice.text.startsWith(`<@${discord.users.alice.id}> `)).toBe(true);
    expect(notice.text).toMatch(/fal is having trouble/);
    expect(pingedBy(notice)).toEqual([discord.users.alice.id]);
    expect(notice.ephemeral).toBe(false);
  });

  it("when a result arrives after the token expired, then its channel post starts by naming its member, pings only them and shows the prompt's mentions as text", async () => {
    const { discord, fal } = stack;
    fal.script({ hold: true });
    const prompt = "a hero for <@" + discord.users.bob.id + "> @everyone [free](https://evil.example)";
    const handle = discord.command("imagine", { prompt, reference: discord.attachment(png(43), "hero.png", { contentType: "image/png" }) }, { user: discord.users.alice });
    const requestId = await requestIdFor(prompt);
    const jobId = (await jobFor(requestId)).id;
    await waitForReply(discord, handle, /fal/);
    stack.clock.advance(TOKEN_LIFETIME_MS + 60_000);
    discord.advanceClock(TOKEN_LIFETIME_MS + 60_000);
    fal.release(requestId);

    const post = await discord.waitFor(
      () => discord.messages(discord.channelId).find((m) => !m.interactionToken && m.text.includes(`job ${jobId}`)),
      10_000,
      "result in the channel",
    );
    // The first line names Alice once (the caption's "Scene for @Alice"), and only she is pinged.
    const firstLine = post.text.split("\n")[0]!;
    expect(firstLine.split(`<@${discord.users.alice.id}>`).length - 1).toBe(1);
    expect(pingedBy(post)).toEqual([discord.users.alice.id]);
    expect(post.text).toContain(`\\<@${discord.users.bob.id}>`);
    expect(post.text).toContain("\\[free\\](https://evil.example)");
    expect(post.attachments).toHaveLength(1);
  });

  it("when a private job fails after the token expired, then the notice comes by DM and nothing reaches the channel", async () => {
    const { discord, fal } = stack;
    fal.script({ hold: true, outcome: { status: 500, body: { detail: "Internal error" } } });
    const prompt = "a private doomed scene";
    const handle = discord.command("imagine", { prompt, reference: discord.attachment(png(44), "hero.png", { contentType: "image/png" }), private: true }, { user: discord.users.alice });
    const requestId = await requestIdFor(prompt);
    await waitForReply(discord, handle, /fal/);
    const channelBefore = discord.messages(discord.channelId).length;
    const dm = discord.dmChannel(discord.users.alice.id);
    const dmBefore = discord.messages(dm).length;
    stack.clock.advance(TOKEN_LIFETIME_MS + 60_000);
    discord.advanceClock(TOKEN_LIFETIME_MS + 60_000);
    fal.release(requestId);

    const notice = await discord.waitFor(() => discord.messages(dm).slice(dmBefore).find((m) => m.text.includes("⚠️")), 10_000, "failure notice by DM");
    expect(notice.text).toMatch(/fal is having trouble/);
    expect(pingedBy(notice)).toEqual([]);
    expect(discord.messages(discord.channelId).slice(channelBefore).filter((m) => !m.ephemeral)).toEqual([]);
  });
});
