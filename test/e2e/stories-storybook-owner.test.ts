import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { startApp, type RunningApp } from "../../src/app.js";
import { STORYBOOK_DOWNLOAD_DEADLINE_MS } from "../../src/discord/storybook-images.js";
import { createLogger } from "../../src/logger.js";
import { openStores } from "../../src/store/sql/open-stores.js";
import type { StorybookRequest } from "../../src/store/story-store.js";
import { makePng } from "../../fakes/fal/index.js";
import { falResultImages } from "../support/fal-result.js";
import { replyText, waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

/**
 * A storybook has one owner among the processes sharing a PostgreSQL database: of two bots
 * (two startApp on one database, as two processes would be), exactly one builds and posts it,
 * whether they find it at start-up or take it over from a process that died.
 */

const LEASE_MS = 20_000; // JOB_LEASE_SECONDS' default: storybooks are leased as long as jobs
const TOKEN_LIFETIME_MS = 15 * 60_000;

let stack: Stack | undefined;
const extraApps: RunningApp[] = [];
afterEach(async () => {
  for (const app of extraApps.splice(0)) await app.stop();
  await stack?.stop();
  stack = undefined;
});

/** A story with one delivered scene, begun and told through the bot the stack started. */
async function storyWithAScene(s: Stack, title: string): Promise<{ storyId: string; threadId: string; applicationId: string }> {
  const { discord } = s;
  const reference = discord.attachment(makePng({ width: 20, height: 20, seed: 5, targetBytes: 2000 }), "mira.png", { contentType: "image/png" });
  expect(await replyText(discord, discord.command("character save", { name: "Mira", reference } as never, { user: discord.users.alice }))).toMatch(/Saved/);
  await replyText(discord, discord.command("story start", { title, character: "Mira" } as never, { user: discord.users.alice }));
  const threadId = discord.threads(discord.channelId).find((t) => t.name === title)!.id;
  const scene = discord.command("story scene", { prompt: "the lighthouse wakes" } as never, { user: discord.users.bob, channelId: threadId });
  await waitForReply(discord, scene, /posted in the channel/, 15_000);
  await discord.waitFor(async () => (await s.app.context.store.unfinished()).length === 0 || undefined, 10_000, "scene delivered");
  const story = await s.app.context.stories.byThread(threadId);
  return { storyId: story!.id, threadId, applicationId: s.app.client.application.id };
}

/**
 * A process that began building the storybook and died before posting it: its lease is in the
 * row and nobody renews it. Its /story end token has expired (the post becomes a thread message
 * naming Alice), so a second post would be a second message, not an edit of the same reply.
 */
async function storybookLeftByADeadProcess(s: Stack, storyId: string, applicationId: string): Promise<void> {
  const dead = await openStores({ dataDir: "/nonexistent-unused", databaseUrl: s.config.databaseUrl, now: () => s.clock.now(), owner: "dead-process", leaseMs: LEASE_MS });
  const request: StorybookRequest = {
    userId: s.discord.users.alice.id,
    applicationId,
    interactionToken: "expired-token-of-a-dead-process",
    interactionAt: s.clock.now() - TOKEN_LIFETIME_MS - 60_000,
    attachmentSizeLimit: 10 * 1024 * 1024,
  };
  expect((await dead.stories.beginStorybook(storyId, request))?.storybook.kind).toBe("building");
  await dead.close(); // no release: the process died
}

/** Every request to Discord that carried a storybook file (a post, or an edit of a reply). */
const storybookPosts = (s: Stack) => s.discord.requests.filter((r) => r.files.some((f) => /^storybook-.*\.html$/.test(f.filename)));

/** One more bot on the stack's database, fakes and clock (as another process would be); its log lines join the stack's. */
async function anotherBot(s: Stack): Promise<RunningApp> {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      s.logs.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  const app = await startApp(s.config, createLogger("debug", [s.discord.token, s.fal.key], sink), { clock: s.clock });
  extraApps.push(app);
  return app;
}

describe("storybooks owned by one process (PostgreSQL)", () => {
  it("when two bots start at the same moment and a dead process left a storybook building, then exactly one of them posts it, once", async () => {
    stack = await startStack({ store: "postgres" });
    const s = stack;
    const { storyId, threadId, applicationId } = await storyWithAScene(s, "The Lighthouse");
    await s.app.stop();
    await storybookLeftByADeadProcess(s, storyId, applicationId);
    s.advance(LEASE_MS + 1_000); // its lease has run out

    const logsBefore = s.logs.length;
    const [one] = await Promise.all([anotherBot(s), anotherBot(s)]);
    const posted = await s.discord.waitFor(() => s.discord.messages(threadId).find((m) => m.attachments.some((a) => a.filename.endsWith(".html"))), 15_000, "storybook posted");
    expect(posted.text).toContain(`<@${s.discord.users.alice.id}>`);
    await s.discord.waitFor(async () => ((await one!.context.stories.byId(storyId))?.storybook.kind === "posted") || undefined, 10_000, "storybook recorded");
    // Time for a second builder, had there been one, to post too.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(storybookPosts(s)).toHaveLength(1);
    expect(s.discord.messages(threadId).filter((m) => m.attachments.some((a) => a.filename.endsWith(".html")))).toHaveLength(1);
    expect(s.logs.slice(logsBefore).filter((line) => line.includes("resuming a storybook"))).toHaveLength(1);
  });

  it("when the process building a storybook dies, then one of the two running bots takes it over within about a lease and posts it once", async () => {
    stack = await startStack({ store: "postgres" });
    const s = stack;
    const { storyId, threadId, applicationId } = await storyWithAScene(s, "The Night Ferry");
    const other = await anotherBot(s);
    await storybookLeftByADeadProcess(s, storyId, applicationId);

    // Within its lease the dead process's build is left alone.
    s.advance(LEASE_MS / 2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(storybookPosts(s)).toHaveLength(0);
    expect((await other.context.stories.byId(storyId))?.storybook.kind).toBe("building");

    // Past the lease (plus a scan): taken over and posted.
    s.advance(LEASE_MS / 2 + LEASE_MS / 4 + 1_000);
    const posted = await s.discord.waitFor(() => s.discord.messages(threadId).find((m) => m.attachments.some((a) => a.filename.endsWith(".html"))), 15_000, "storybook posted");
    expect(posted.text).toMatch(/the end/);
    await s.discord.waitFor(async () => ((await other.context.stories.byId(storyId))?.storybook.kind === "posted") || undefined, 10_000, "storybook recorded");
    // More scans by both bots: nobody builds it again.
    for (let i = 0; i < 3; i++) {
      s.advance(LEASE_MS);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(storybookPosts(s)).toHaveLength(1);
    expect(s.logs.filter((line) => line.includes("taking over a storybook"))).toHaveLength(1);
  });

  it("when a bot loses its storybook lease while it builds (another process took it over), then it does not post it", async () => {
    stack = await startStack({ store: "postgres" });
    const s = stack;
    const { storyId, threadId } = await storyWithAScene(s, "The Slow Tide");
    const requestId = s.fal.submits.find((r) => (r.input as { prompt: string }).prompt === "the lighthouse wakes")!.requestId!;
    const path = new URL((await falResultImages(s.fal, requestId))[0]!).pathname;
    const downloads = () => s.fal.requests.filter((r) => r.kind === "cdn" && r.target.includes(path)).length;
    const before = downloads();
    s.fal.failNext("cdn", 1, "hang", { target: new RegExp(path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) });
    s.discord.command("story end", {}, { user: s.discord.users.alice, channelId: threadId });
    await s.fal.waitFor(() => downloads() > before, 10_000, "storybook download begun");

    // Another process takes the build over (as after a stall that outlasted the lease) and holds it
    // (a long lease stands for its renewals: the time moved below must not make it an orphan).
    const other = await openStores({ dataDir: "/nonexistent-unused", databaseUrl: s.config.databaseUrl, now: () => s.clock.now(), owner: "the-new-owner", leaseMs: 10 * STORYBOOK_DOWNLOAD_DEADLINE_MS });
    try {
      expect((await other.stories.claimStorybooks({ everything: true })).map((story) => story.id)).toEqual([storyId]);
      s.advance(STORYBOOK_DOWNLOAD_DEADLINE_MS + 1_000); // the first bot's build gives up waiting and goes on
      await s.discord.waitFor(() => s.logs.find((line) => line.includes("storybook no longer held by this process")), 10_000, "build left to the new owner");
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(storybookPosts(s)).toHaveLength(0);
      // Nor did it record an outcome over the new owner's build.
      expect(await other.stories.ownsStorybook(storyId)).toBe(true);
    } finally {
      await other.close();
    }
  });
});
