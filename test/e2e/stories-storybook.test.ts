import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORYBOOK_DOWNLOAD_DEADLINE_MS } from "../../src/discord/storybook-images.js";
import type { StoredMessage } from "../../fakes/discord/index.js";
import { makePng } from "../../fakes/fal/index.js";
import { falResultImages } from "../support/fal-result.js";
import { replyText, waitForReply } from "../support/imagine.js";
import { startStack, testStore, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
  const { discord } = stack;
  const reference = discord.attachment(makePng({ width: 20, height: 20, seed: 7, targetBytes: 2000 }), "mira.png", { contentType: "image/png" });
  expect(await replyText(discord, discord.command("character save", { name: "Mira", reference } as never, { user: discord.users.alice }))).toMatch(/Saved/);
});
afterAll(async () => {
  await stack?.stop();
});

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A story begun by Alice in its own thread, with one delivered scene per prompt; returns the thread and each scene's image URL. */
async function storyWithScenes(title: string, prompts: string[]): Promise<{ threadId: string; imageUrls: string[] }> {
  const { discord, fal } = stack;
  const start = discord.command("story start", { title, character: "Mira" } as never, { user: discord.users.alice });
  await replyText(discord, start);
  const threadId = discord.threads(discord.channelId).find((t) => t.name === title)!.id;
  const imageUrls: string[] = [];
  for (const prompt of prompts) {
    const scene = discord.command("story scene", { prompt } as never, { user: discord.users.bob, channelId: threadId });
    await waitForReply(discord, scene, /posted in the channel/);
    const requestId = fal.submits.find((s) => (s.input as { prompt: string }).prompt === prompt)!.requestId!;
    await discord.waitFor(async () => (await stack.app.context.store.unfinished()).every((job) => !("requestId" in job.state) || job.state.requestId !== requestId) || undefined, 5000, "scene delivered");
    imageUrls.push((await falResultImages(fal, requestId))[0]!);
  }
  return { threadId, imageUrls };
}

const cdnRequestsTo = (url: string) => stack.fal.requests.filter((r) => r.kind === "cdn" && r.target.includes(new URL(url).pathname)).length;

/** Makes the next download of `url` from fal's CDN hang, and returns a wait for that download to have begun. */
function hangDownloadOf(url: string): () => Promise<void> {
  const before = cdnRequestsTo(url);
  stack.fal.failNext("cdn", 1, "hang", { target: new RegExp(escape(new URL(url).pathname)) });
  return () => stack.fal.waitFor(() => cdnRequestsTo(url) > before, 10_000, `download of ${url}`);
}

/** The temporary folders of a story's storybook builds that are still there. */
const storybookFolders = (storyId: string) => readdirSync(tmpdir()).filter((name) => name === `storycast-storybook-${storyId}` || name.startsWith(`storycast-storybook-${storyId}-`));

const storybookOf = (message: StoredMessage) => message.attachments.find((a) => a.filename.endsWith(".html"))?.bytes.toString("utf8");
const sectionOf = (html: string, n: number) => new RegExp(`<section class="scene" data-number="${n}">([\\s\\S]*?)</section>`).exec(html)?.[1] ?? "";

describe("storybooks", () => {
  it("when the interaction token has expired before the storybook is ready, then it is posted in the thread by a channel message naming the member who ended the story", async () => {
    const { discord, clock } = stack;
    const { threadId, imageUrls } = await storyWithScenes("The Late Lantern", ["the lantern goes out"]);
    const downloading = hangDownloadOf(imageUrls[0]!);
    const end = discord.command("story end", {}, { user: discord.users.alice, channelId: threadId });
    await downloading();
    // Ending has begun: the story takes no more scenes.
    expect(await replyText(discord, discord.command("story scene", { prompt: "too late" } as never, { user: discord.users.bob, channelId: threadId }))).toMatch(/has ended/);
    discord.advanceClock(16 * 60_000);
    clock.advance(16 * 60_000);
    const posted = await discord.waitFor(() => discord.messages(threadId).find((m) => !m.interactionToken && storybookOf(m) !== undefined), 10_000, "storybook as a channel message");
    expect(posted.text).toContain(`Ended by <@${discord.users.alice.id}>`);
    expect(posted.allowed_mentions).toEqual({ users: [discord.users.alice.id] });
    expect(sectionOf(storybookOf(posted)!, 1)).toContain("did not arrive in time");
    expect(end.original()?.attachments ?? []).toHaveLength(0);
    await discord.waitFor(async () => (await stack.app.context.stories.byThread(threadId))?.storybook.kind === "posted" || undefined, 5000, "storybook recorded as posted");
    expect((await stack.app.context.stories.byThread(threadId))?.storybook).toEqual({ kind: "posted", messageId: posted.id });
  });

  it("when the bot stops while its storybook post is on its way to Discord, then the restarted bot finds it posted and does not post it twice", async () => {
    const { discord, clock } = stack;
    const { threadId } = await storyWithScenes("The Last Post", ["the letter is sealed"]);
    // The bot's clock is past the token's 15 minutes: the storybook goes as a thread message, which Discord holds.
    clock.advance(16 * 60_000);
    const post = discord.stallNext({ method: "POST", path: new RegExp(`/channels/${threadId}/messages$`) });
    discord.command("story end", {}, { user: discord.users.alice, channelId: threadId });
    await discord.waitFor(() => post.held === 1 || undefined, 10_000, "storybook post under way");
    await stack.restart(async () => {
      post.release(); // Discord posts it, but the stopped bot never records it
      await discord.waitFor(() => discord.messages(threadId).find((m) => storybookOf(m) !== undefined), 5000, "storybook in the thread");
    });
    await discord.waitFor(async () => (await stack.app.context.stories.byThread(threadId))?.storybook.kind === "posted" || undefined, 10_000, "storybook recorded as posted");
    expect(discord.messages(threadId).filter((m) => storybookOf(m) !== undefined)).toHaveLength(1);
    expect(stack.logs.some((line) => line.includes("posted before the interruption"))).toBe(true);
    discord.advanceClock(16 * 60_000); // the fake Discord's clock catches up with the bot's again
  });

  it("when one image download fails and another hangs, then the storybook still arrives by the deadline, each missing image linked with a note and logged", async () => {
    const { discord, fal, clock } = stack;
    const { threadId, imageUrls } = await storyWithScenes("Two Lost Pictures", ["the map burns", "the ship sinks", "the sun rises"]);
    fal.failNext("cdn", 1, { status: 404 }, { target: new RegExp(escape(new URL(imageUrls[0]!).pathname)) });
    const downloading = hangDownloadOf(imageUrls[1]!);
    const end = discord.command("story end", {}, { user: discord.users.alice, channelId: threadId });
    await downloading();
    await fal.waitFor(() => stack.logs.some((line) => line.includes('"scene":2,"image":0') && line.includes("storybook image downloaded")), 5000, "the third image downloaded");
    clock.advance(STORYBOOK_DOWNLOAD_DEADLINE_MS + 1000);
    const reply = await waitForReply(discord, end, /the end/, 5000);
    const html = storybookOf(reply)!;
    expect(sectionOf(html, 1)).toMatch(new RegExp(`<a href="${escape(imageUrls[0]!)}">Scene 1, image 1</a> \\(could not be downloaded \\(HTTP 404\\)`));
    expect(sectionOf(html, 2)).toMatch(new RegExp(`<a href="${escape(imageUrls[1]!)}">Scene 2, image 1</a> \\(did not arrive in time`));
    expect(sectionOf(html, 3)).toMatch(/<img src="data:image\/png;base64,/);
    expect(reply.text).toContain("2 images are linked in it instead of included");
    const storyId = (await stack.app.context.stories.byThread(threadId))!.id;
    // The file was written under the temporary folder, which is gone once the storybook is posted.
    await discord.waitFor(() => storybookFolders(storyId).length === 0 || undefined, 5000, "temporary folder removed");
    expect(stack.logs.filter((line) => line.includes(`"storyId":"${storyId}"`) && line.includes("storybook image linked instead of included"))).toHaveLength(2);
  });

  it("when Discord rejects the storybook, then the member is told why, and the retry button or /story end again posts it", async () => {
    const { discord } = stack;
    const { threadId } = await storyWithScenes("The Rejected Book", ["the door creaks"]);
    // discord.js tries a 5xx four times before giving up.
    // Only the post that carries the storybook file fails: a text-only progress edit of the same
    // reply must not use up the failures (then the storybook would go through after all).
    const rejectNextPost = () => discord.failNext({ method: "PATCH", path: /^\/webhooks\/\d+\/[^/]+\/messages\/@original$/, status: 502, count: 4, withFiles: true });
    rejectNextPost();
    const end = discord.command("story end", {}, { user: discord.users.alice, channelId: threadId });
    const notice = await waitForReply(discord, end, /could not be posted/);
    expect(notice.text).toMatch(/Discord answered HTTP 502\. Press \*\*Retry storybook\*\*, or run `\/story end` again/);
    expect((await stack.app.context.stories.byThread(threadId))?.storybook.kind).toBe("failed");
    const button = (notice.components as { components: { label: string; custom_id: string }[] }[])[0]!.components[0]!;
    expect(button.label).toBe("Retry storybook");

    expect(await replyText(discord, discord.button(button.custom_id, notice, { user: discord.users.bob }))).toMatch(/Only the member who started this story/);
    rejectNextPost();
    const retry = discord.button(button.custom_id, notice, { user: discord.users.alice });
    await waitForReply(discord, retry, /could not be posted/);

    const again = discord.command("story end", {}, { user: discord.users.alice, channelId: threadId });
    const posted = await waitForReply(discord, again, /the end/);
    expect(storybookOf(posted)).toContain("the door creaks");
    await discord.waitFor(async () => (await stack.app.context.stories.byThread(threadId))?.storybook.kind === "posted" || undefined, 5000, "storybook recorded as posted");
    expect(await replyText(discord, discord.command("story end", {}, { user: discord.users.alice, channelId: threadId }))).toMatch(new RegExp(`has ended; its storybook is here: .*/${posted.id}$`));
  });

  // SQLite only: the hung download is ended by moving the clock past the download deadline
  // (2 min), which on PostgreSQL is also past the storybook lease, so the lease scan takes the
  // build over in this same process and races it, which is not what this test is about. The
  // folders under test are the same on either store.
  it.skipIf(testStore() === "postgres")("when a retry's failure is still being reported while /story end builds again, then the retry's clean-up leaves the new build's files alone and the storybook is posted", async () => {
    const { discord, clock } = stack;
    const { threadId, imageUrls } = await storyWithScenes("The Overlapping Builds", ["the bridge holds"]);
    const rejectNextPost = () => discord.failNext({ method: "PATCH", path: /^\/webhooks\/\d+\/[^/]+\/messages\/@original$/, status: 502, count: 4, withFiles: true });
    rejectNextPost();
    const end = discord.command("story end", {}, { user: discord.users.alice, channelId: threadId });
    const notice = await waitForReply(discord, end, /could not be posted/);
    const button = (notice.components as { components: { custom_id: string }[] }[])[0]!.components[0]!;

    // The retry fails too, and its failure notice (an edit without files) is held on its way:
    // the retry has recorded its failure, so /story end may build again, but has not cleaned up yet.
    rejectNextPost();
    const retry = discord.button(button.custom_id, notice, { user: discord.users.alice });
    const held = discord.stallNext({ method: "PATCH", path: new RegExp(`^/webhooks/\\d+/${escape(retry.token)}/messages/@original$`), withFiles: false });
    await discord.waitFor(() => held.held === 1 || undefined, 10_000, "the retry's notice held");
    // The new build is under way (its image download hangs) when the retry finishes and cleans up.
    const downloading = hangDownloadOf(imageUrls[0]!);
    const again = discord.command("story end", {}, { user: discord.users.alice, channelId: threadId });
    await downloading();
    held.release();
    await waitForReply(discord, retry, /could not be posted/);
    // A round trip through the bot, so the retry's clean-up (right after its notice) has run.
    await replyText(discord, discord.command("story recap", {}, { user: discord.users.bob, channelId: threadId }));
    clock.advance(STORYBOOK_DOWNLOAD_DEADLINE_MS + 1000);

    const posted = await waitForReply(discord, again, /the end/);
    expect(sectionOf(storybookOf(posted)!, 1)).toContain("did not arrive in time");
    const storyId = (await stack.app.context.stories.byThread(threadId))!.id;
    await discord.waitFor(() => storybookFolders(storyId).length === 0 || undefined, 5000, "every temporary folder of the story removed");
  });

  it("when a scene's job is private, then neither the recap nor the storybook shows it", async () => {
    const { discord } = stack;
    const { threadId } = await storyWithScenes("The Open Book", ["everyone may see this"]);
    const reference = discord.attachment(makePng({ width: 16, height: 16, seed: 99, targetBytes: 2000 }), "secret.png", { contentType: "image/png" });
    const secret = discord.command("imagine", { prompt: "a secret only Alice sees", reference, private: true } as never, { user: discord.users.alice, channelId: threadId });
    const result = await waitForReply(discord, secret, /· job \S+/);
    expect(result.ephemeral).toBe(true);
    const jobId = /· job (\S+)/.exec(result.text)![1]!;
    const ctx = stack.app.context;
    await discord.waitFor(async () => (await ctx.store.get(jobId))?.state.kind === "delivered" || undefined, 5000, "private job delivered");
    // No command makes a private scene today; the store is where one would come from (e.g. a future private option).
    const story = (await ctx.stories.byThread(threadId))!;
    await ctx.stories.addScene({ storyId: story.id, jobId, authorId: discord.users.alice.id, authorName: "Alice", prompt: "a secret only Alice sees", characterName: "Mira" });

    const recap = await replyText(discord, discord.command("story recap", {}, { user: discord.users.bob, channelId: threadId }));
    expect(recap).toContain("everyone may see this");
    expect(recap).not.toContain("secret");
    const end = discord.command("story end", {}, { user: discord.users.alice, channelId: threadId });
    const reply = await waitForReply(discord, end, /the end/);
    const html = storybookOf(reply)!;
    expect([...html.matchAll(/data-number="(\d+)"/g)].map((m) => m[1])).toEqual(["1"]);
    expect(html).not.toContain("secret");
    expect(reply.text).not.toContain("secret");
  });
});
