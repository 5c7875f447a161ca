import { createWriteStream } from "node:fs";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { finished } from "node:stream/promises";
import {
  ButtonStyle,
  ComponentType,
  DiscordAPIError,
  HTTPError,
  PermissionFlagsBits,
  Routes,
  type APIActionRowComponent,
  type APIButtonComponent,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type REST,
} from "discord.js";
import type { AppContext } from "../app-context.js";
import { UserFacingError } from "../domain/errors.js";
import type { JobOrigin } from "../domain/job.js";
import { DEFAULT_ATTACHMENT_SIZE_LIMIT } from "../domain/split-files.js";
import { writeStorybook, type StorybookScene } from "../domain/storybook.js";
import type { Story, StorybookRequest } from "../store/story-store.js";
import { escapeLine } from "./escape.js";
import { findRecentBotMessage } from "./find-recent-message.js";
import { createReplyTarget } from "./reply-target.js";
import { recapLines, visibleScenes } from "./story-recap.js";
import { downloadStorybookImages } from "./storybook-images.js";

/** The "Retry storybook" button: `story:storybook-retry:<storyId>`, so it works after a restart. */
const RETRY_PREFIX = "story:storybook-retry:";
/** Inlined images may use this share of the attachment limit: base64 grows bytes by 4/3, plus the page around them. */
const INLINE_SHARE = 0.72;

/** A failure whose message is fit to show the member. */
class StorybookError extends Error {}

/** /story end: closes the story to new scenes and builds and posts its storybook (again, after a failure). */
export async function endStory(interaction: ChatInputCommandInteraction, ctx: AppContext): Promise<void> {
  const story = await ctx.stories.byThread(interaction.channelId);
  if (!story) throw new UserFacingError("This isn't a story thread. Start one with `/story start`, then use this command inside its thread.");
  await requestStorybook(interaction, ctx, story);
}

/** The "Retry storybook" button on a failure notice; returns false for a button that is not ours. */
export async function handleStorybookButton(interaction: ButtonInteraction, ctx: AppContext): Promise<boolean> {
  if (!interaction.customId.startsWith(RETRY_PREFIX)) return false;
  const story = await ctx.stories.byId(interaction.customId.slice(RETRY_PREFIX.length));
  if (!story) throw new UserFacingError("This story no longer exists.");
  await requestStorybook(interaction, ctx, story);
  return true;
}

/** Builds again the storybooks that were being built when the bot stopped (read at start-up, before any interaction could begin one). Errors are handled (and logged) per story. */
export function resumeStorybooks(ctx: AppContext, rest: REST, interrupted: readonly Story[]): void {
  for (const story of interrupted) {
    ctx.logger.info({ storyId: story.id }, "resuming a storybook");
    void alreadyPosted(rest, story).then(
      (messageId) => {
        if (!messageId) return buildAndPost(ctx, rest, story);
        // Discord took the post but the bot stopped before recording it: record it, post nothing twice.
        ctx.logger.info({ storyId: story.id, messageId }, "the storybook was posted before the interruption; not posting it again");
        return ctx.stories.settleStorybook(story.id, { kind: "posted", messageId }).then(() => undefined);
      },
      (error: unknown) => ctx.logger.error({ storyId: story.id, reason: describe(error) }, "could not resume a storybook"),
    ).catch((error: unknown) => ctx.logger.error({ storyId: story.id, reason: describe(error) }, "could not record a storybook posted before the interruption"));
  }
}

/**
 * A storybook sent as a thread message just before the process stopped may be there already:
 * looks for the bot's message carrying a storybook file among the thread's latest messages.
 * (While the token is valid the storybook replaces the reply, which is safe to do again.)
 */
async function alreadyPosted(rest: REST, story: Story): Promise<string | undefined> {
  if (story.storybook.kind !== "building") return undefined;
  const { applicationId } = story.storybook.request;
  const found = await findRecentBotMessage(rest, story.threadId, applicationId, (m) => m.attachments.some((a) => /^storybook-.*\.html$/.test(a.filename))).catch(() => undefined);
  return found?.id;
}

async function requestStorybook(interaction: ChatInputCommandInteraction | ButtonInteraction, ctx: AppContext, story: Story): Promise<void> {
  const mayEnd =
    story.creatorId === interaction.user.id ||
    interaction.memberPermissions?.has(PermissionFlagsBits.ManageThreads) ||
    interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild);
  if (!mayEnd) throw new UserFacingError("Only the member who started this story, or a moderator, can end it.");
  if (story.storybook.kind === "posted") {
    throw new UserFacingError(`**${story.title}** has ended; its storybook is here: https://discord.com/channels/${story.guildId}/${story.threadId}/${story.storybook.messageId}`);
  }
  if (story.storybook.kind === "building") throw new UserFacingError(`The storybook of **${story.title}** is being made; it will be posted in this thread.`);
  await interaction.deferReply();
  const request: StorybookRequest = {
    userId: interaction.user.id,
    applicationId: interaction.applicationId,
    interactionToken: interaction.token,
    interactionAt: Math.min(interaction.createdTimestamp, ctx.now()),
    attachmentSizeLimit: interaction.attachmentSizeLimit ?? DEFAULT_ATTACHMENT_SIZE_LIMIT,
  };
  // Ends the story (no more scenes from here) and claims the build; a second member pressing at once loses.
  const claimed = await ctx.stories.beginStorybook(story.id, request);
  if (!claimed) throw new UserFacingError(`The storybook of **${story.title}** is being made; it will be posted in this thread.`);
  await buildAndPost(ctx, interaction.client.rest, claimed);
}

/**
 * Downloads, renders to a temporary file and posts the storybook, then records the outcome.
 * Posts by editing the reply while the interaction token is valid, else as a thread message
 * naming the member. On failure the member is told why, with a button to try again.
 */
async function buildAndPost(ctx: AppContext, rest: REST, story: Story): Promise<void> {
  if (story.storybook.kind !== "building") return;
  const request = story.storybook.request;
  const target = createReplyTarget(rest, originOf(story, request), ctx.now);
  let dir: string | undefined;
  try {
    // One folder per build: a build that failed may still be removing its own folder when the
    // next one (a retry, `/story end` again) has begun. What a build killed mid-way left behind
    // (the process stopped) is removed when the story's next build begins.
    await removeFoldersOf(story.id);
    dir = await mkdtemp(join(tmpdir(), folderPrefix(story.id)));
    const scenes = await visibleScenes(ctx, story);
    const budget = Math.floor(request.attachmentSizeLimit * INLINE_SHARE);
    const images = await downloadStorybookImages(
      ctx,
      story.id,
      scenes.map(({ job }) => job.state.result.images.map((image) => ({ url: image.url, contentType: image.contentType ?? "image/png" }))),
      dir,
      budget,
    );
    const bookScenes: StorybookScene[] = scenes.map(({ scene }, i) => ({
      number: scene.number,
      authorName: scene.authorName,
      characterName: scene.characterName,
      prompt: scene.prompt,
      images: images[i]!,
    }));
    const name = `storybook-${slug(story.title)}.html`;
    const path = join(dir, name);
    const out = createWriteStream(path);
    await writeStorybook(out, story.title, bookScenes, new Date(story.endedAt ?? ctx.now()));
    out.end();
    await finished(out);
    const size = (await stat(path)).size;
    if (size > request.attachmentSizeLimit) throw new StorybookError(`it came out at ${mb(size)}, more than the ${mb(request.attachmentSizeLimit)} Discord allows here`);
    const linked = images.flat().filter((image) => !image.file).length;
    const storytellers = new Set(scenes.map(({ scene }) => scene.authorId)).size;
    const content = [
      `## 📖 ${escapeLine(story.title)} — the end`,
      `Ended by <@${request.userId}>. ${bookScenes.length} scene${bookScenes.length === 1 ? "" : "s"} by ${storytellers} storyteller${storytellers === 1 ? "" : "s"}. The storybook is attached: open it in any browser.`,
      ...(linked ? [`-# ${linked} image${linked === 1 ? " is" : "s are"} linked in it instead of included (see the note beside each).`] : []),
      ...(await recapLines(ctx, story)),
    ]
      .join("\n")
      .slice(0, 2000);
    // Posted only by the process that holds the build: one that released it (a clean stop) or lost
    // it to a takeover while downloading leaves the post to the new owner. (Throws once the store
    // is closed: the build ends without posting, and the row stays for the next process.)
    if (!(await ctx.stories.ownsStorybook(story.id))) {
      ctx.logger.info({ storyId: story.id }, "storybook no longer held by this process; leaving it to the process that holds it");
      return;
    }
    // The REST client sends a Buffer, so the file is read once here; until now no more than a chunk was in memory.
    const message = await target.editReply({ content, files: [{ name, data: await readFile(path), contentType: "text/html" }], components: [] });
    // Posted: a failure to record it from here must not be reported as a failed post (the catch below).
    await ctx.stories
      .settleStorybook(story.id, { kind: "posted", messageId: message.id })
      .catch((error: unknown) => ctx.logger.error({ storyId: story.id, reason: describe(error) }, "storybook posted but not recorded; the next start finds the post"));
    ctx.logger.info({ storyId: story.id, scenes: bookScenes.length, linked, bytes: size, messageId: message.id }, "story ended");
    await rest
      .patch(Routes.channel(story.threadId), { body: { archived: true } })
      .catch((error: unknown) => ctx.logger.warn({ storyId: story.id, reason: describe(error) }, "could not archive the story thread"));
  } catch (error) {
    await reportFailure(ctx, target, story, request, error);
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

const folderPrefix = (storyId: string) => `storycast-storybook-${storyId}-`;

/** Removes the temporary folders of a story's earlier builds (and the single folder older versions used). */
async function removeFoldersOf(storyId: string): Promise<void> {
  const names = await readdir(tmpdir()).catch(() => [] as string[]);
  const stale = names.filter((name) => name.startsWith(folderPrefix(storyId)) || name === `storycast-storybook-${storyId}`);
  await Promise.all(stale.map((name) => rm(join(tmpdir(), name), { recursive: true, force: true })));
}

async function reportFailure(ctx: AppContext, target: ReturnType<typeof createReplyTarget>, story: Story, request: StorybookRequest, error: unknown): Promise<void> {
  const reason = describe(error);
  // Only the reason: a discord.js error also carries the webhook URL, which holds the interaction token.
  const fromDiscord = error instanceof DiscordAPIError || error instanceof HTTPError;
  ctx.logger.error({ storyId: story.id, reason, ...(fromDiscord || error instanceof StorybookError ? {} : { err: error }) }, "storybook failed");
  try {
    const settled = await ctx.stories.settleStorybook(story.id, { kind: "failed", reason });
    // Another process holds the build now (this one's lease ran out): it posts, or reports its own failure.
    if (settled.storybook.kind !== "failed") return;
  } catch (storeError) {
    // The store is closed (shutting down): the row stays "building" and the next start resumes it.
    ctx.logger.warn({ storyId: story.id, reason: describe(storeError) }, "storybook outcome not recorded; it will be resumed");
    return;
  }
  try {
    await target.editReply({
      content: `⚠️ <@${request.userId}>, the storybook of **${escapeLine(story.title)}** could not be posted: ${reason}. Press **Retry storybook**, or run \`/story end\` again in this thread.`,
      components: [retryRow(story.id)],
    });
  } catch (noticeError) {
    ctx.logger.error({ storyId: story.id, reason: describe(noticeError) }, "could not tell the member that the storybook failed");
  }
}

function retryRow(storyId: string): APIActionRowComponent<APIButtonComponent> {
  return {
    type: ComponentType.ActionRow,
    components: [{ type: ComponentType.Button, style: ButtonStyle.Primary, label: "Retry storybook", custom_id: `${RETRY_PREFIX}${storyId}` }],
  };
}

function originOf(story: Story, request: StorybookRequest): JobOrigin {
  return { ...request, guildId: story.guildId, channelId: story.threadId, private: false };
}

/** A reason fit to show the member and to log: never the request URL (it carries the interaction token). */
function describe(error: unknown): string {
  if (error instanceof StorybookError) return error.message;
  if (error instanceof DiscordAPIError) return `Discord refused it (${error.status}: ${error.message.split("\n")[0]})`;
  if (error instanceof HTTPError) return `Discord answered HTTP ${error.status}`;
  return `an unexpected error (${error instanceof Error ? error.name : "unknown"})`;
}

const mb = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
const slug = (title: string) => title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 40) || "story";
