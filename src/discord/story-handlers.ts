import { ChannelType, DiscordAPIError, MessageFlags, PermissionFlagsBits, Routes, type ChatInputCommandInteraction } from "discord.js";
import type { AppContext } from "../app-context.js";
import { plainText, promptWithDescription } from "../domain/character-name.js";
import { UserFacingError } from "../domain/errors.js";
import { humanName, IMAGE_SIZES, SPEEDS, STYLES, type ImageSize, type Speed, type Style } from "../domain/fal-enums.js";
import { checkImagineOptions } from "../domain/imagine-request.js";
import { withServerDefaults } from "../domain/server-policy.js";
import { renderStorybook, type StorybookScene } from "../domain/storybook.js";
import type { Character } from "../store/character-store.js";
import type { Story } from "../store/story-store.js";
import { characterFiles, findCharacter, recordJob } from "./imagine-flow.js";
import { enforcePolicy, serverSettingsFor } from "./policy-gate.js";

const MAX_TITLE_LENGTH = 100; // Discord's limit for a thread name
const ONE_WEEK_MINUTES = 10080;

function storyHere(interaction: ChatInputCommandInteraction, ctx: AppContext): Story {
  const story = ctx.stories.byThread(interaction.channelId);
  if (!story) throw new UserFacingError("This isn't a story thread. Start one with `/story start`, then use this command inside its thread.");
  return story;
}

function openStoryHere(interaction: ChatInputCommandInteraction, ctx: AppContext): Story {
  const story = storyHere(interaction, ctx);
  if (story.endedAt !== undefined) throw new UserFacingError(`**${story.title}** has ended. Start a new story with \`/story start\`.`);
  return story;
}

function castNames(ctx: AppContext, story: Story): string[] {
  return story.cast.map((id) => ctx.characters.byId(id)?.name).filter((name): name is string => name !== undefined);
}

/** /story start: opens a thread for the story, posts its cover card and remembers its cast and defaults. */
export async function startStory(
  interaction: ChatInputCommandInteraction,
  ctx: AppContext,
  input: { title: string; character: string | null; style: Style | null; size: ImageSize | null; speed: Speed | null },
): Promise<void> {
  if (!interaction.guildId) throw new UserFacingError("Stories live in server threads; use /story start in a server channel.");
  if (interaction.channel?.isThread() || ctx.stories.byThread(interaction.channelId)) throw new UserFacingError("Start a story from a channel, not from inside a thread.");
  const title = plainText(input.title).slice(0, MAX_TITLE_LENGTH);
  if (!title) throw new UserFacingError("Give the story a title.");
  const lead = input.character != null ? findCharacter(ctx, interaction.guildId, interaction.user.id, input.character) : undefined;
  await interaction.deferReply();
  const thread = (await interaction.client.rest
    .post(Routes.threads(interaction.channelId), { body: { name: title, type: ChannelType.PublicThread, auto_archive_duration: ONE_WEEK_MINUTES } })
    .catch((error: unknown) => {
      // Missing Access / Missing Permissions: say which permissions, rather than a generic apology.
      if (error instanceof DiscordAPIError && (error.code === 50001 || error.code === 50013)) {
        throw new UserFacingError("StoryCast can't open a thread here: it needs the Create Public Threads and Send Messages in Threads permissions in this channel.");
      }
      throw error;
    })) as { id: string };
  const defaults = { ...(input.style ? { style: input.style } : {}), ...(input.size ? { size: input.size } : {}), ...(input.speed ? { speed: input.speed } : {}) };
  const story = ctx.stories.create({
    id: ctx.newJobId(),
    guildId: interaction.guildId,
    channelId: interaction.channelId,
    threadId: thread.id,
    title,
    creatorId: interaction.user.id,
    cast: lead ? [lead.id] : [],
    defaults,
  });
  await interaction.client.rest.post(Routes.channelMessages(thread.id), {
    body: {
      embeds: [
        {
          title: `📖 ${title}`,
          description: `A story begun by <@${interaction.user.id}>. Anyone here can add a scene with \`/story scene\`.`,
          fields: [
            { name: "Cast", value: lead ? lead.name : "nobody yet — `/story cast add`" },
            { name: "Look", value: describeDefaults(story) },
          ],
          ...(lead ? { thumbnail: { url: lead.referenceUrl } } : {}),
        },
      ],
      allowed_mentions: { parse: [] },
    },
  });
  ctx.logger.info({ storyId: story.id, threadId: thread.id, guildId: interaction.guildId }, "story started");
  await interaction.editReply(`📖 **${title}** begins in <#${thread.id}>. Add scenes there with \`/story scene\`.`);
}

function describeDefaults(story: Story): string {
  const d = story.defaults;
  const parts = [d.style && `style ${humanName(STYLES, d.style)}`, d.size && humanName(IMAGE_SIZES, d.size), d.speed && humanName(SPEEDS, d.speed)].filter(Boolean);
  return parts.length ? parts.join(" · ") : "the server's defaults";
}

/** /story scene: a numbered scene with the story's defaults and cast, posted in the thread. */
export async function addScene(interaction: ChatInputCommandInteraction, ctx: AppContext, input: { prompt: string; character: string | null }): Promise<void> {
  const story = openStoryHere(interaction, ctx);
  const character: Character | undefined =
    input.character != null
      ? findCharacter(ctx, interaction.guildId, interaction.user.id, input.character)
      : story.cast.map((id) => ctx.characters.byId(id)).find((c) => c !== undefined);
  if (!character) throw new UserFacingError("This story has no cast yet: add someone with `/story cast add`, or pass `character:`.");
  const server = serverSettingsFor(interaction, ctx);
  const { settings } = checkImagineOptions(
    withServerDefaults({ prompt: input.prompt, character: character.name, style: story.defaults.style ?? null, size: story.defaults.size ?? null, speed: story.defaults.speed ?? null }, server),
  );
  if (server.characterDescriptions !== false) settings.prompt = promptWithDescription(settings.prompt, character.name, character.description);
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  // Limits are checked and the scene and job written in one tick (see startImagine).
  enforcePolicy(interaction, ctx, server, { speed: settings.speed, numImages: settings.numImages });
  const jobId = ctx.newJobId();
  const scene = ctx.stories.addScene({
    storyId: story.id,
    jobId,
    authorId: interaction.user.id,
    authorName: interaction.member && "displayName" in interaction.member ? interaction.member.displayName : interaction.user.username,
    prompt: input.prompt.trim(),
    characterName: character.name,
  });
  const job = recordJob(interaction, ctx, {
    id: jobId,
    settings,
    character,
    private: false,
    caption: `📖 **${story.title}** — scene ${scene.number}, by <@${interaction.user.id}>`,
  });
  void ctx.runner.start(job, async () => characterFiles(character));
}

/** /story cast add|remove. */
export async function changeCast(interaction: ChatInputCommandInteraction, ctx: AppContext, action: "add" | "remove", name: string): Promise<void> {
  const story = openStoryHere(interaction, ctx);
  const character = findCharacter(ctx, interaction.guildId, interaction.user.id, name);
  const cast = story.cast.filter((id) => id !== character.id);
  if (action === "add") cast.push(character.id);
  else if (cast.length === story.cast.length) throw new UserFacingError(`**${character.name}** isn't in this story's cast.`);
  const updated = ctx.stories.setCast(story.id, cast);
  const names = castNames(ctx, updated);
  await interaction.reply({
    content: `${action === "add" ? `➕ **${character.name}** joins` : `➖ **${character.name}** leaves`} the cast. Cast now: ${names.length ? names.join(", ") : "nobody"}.`,
    allowedMentions: { parse: [] },
  });
}

/** The story so far, one line a scene, in order. */
function recapLines(ctx: AppContext, story: Story): string[] {
  return ctx.stories.scenes(story.id).map((scene) => {
    const job = ctx.store.get(scene.jobId);
    const where = job?.messageIds[0] ? ` — https://discord.com/channels/${story.guildId}/${story.threadId}/${job.messageIds[0]}` : job?.state.kind === "delivered" ? "" : " (not finished)";
    const prompt = scene.prompt.length > 80 ? `${scene.prompt.slice(0, 80)}…` : scene.prompt;
    return `**${scene.number}.** ${scene.authorName}: ${prompt}${where}`;
  });
}

/** /story recap: posts the story so far in the thread. */
export async function recapStory(interaction: ChatInputCommandInteraction, ctx: AppContext): Promise<void> {
  const story = storyHere(interaction, ctx);
  const lines = recapLines(ctx, story);
  await interaction.reply({
    content: [`## 📖 ${story.title} — the story so far`, ...(lines.length ? lines : ["No scenes yet. Add one with `/story scene`."])].join("\n").slice(0, 2000),
    allowedMentions: { parse: [] },
  });
}

/** /story end: closes the session and posts the storybook (one self-contained HTML file) and a recap. */
export async function endStory(interaction: ChatInputCommandInteraction, ctx: AppContext): Promise<void> {
  const story = openStoryHere(interaction, ctx);
  const mayEnd = story.creatorId === interaction.user.id || interaction.memberPermissions?.has(PermissionFlagsBits.ManageThreads) || interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild);
  if (!mayEnd) throw new UserFacingError("Only the member who started this story, or a moderator, can end it.");
  await interaction.deferReply();
  const ended = ctx.stories.end(story.id);
  const budget = Math.floor((interaction.attachmentSizeLimit ?? 10 * 1024 * 1024) * 0.72); // base64 grows bytes by 4/3
  const scenes = await storybookScenes(ctx, ended, budget);
  const html = renderStorybook(ended.title, scenes, new Date(ctx.now()));
  const lines = recapLines(ctx, ended);
  await interaction.editReply({
    content: [`## 📖 ${ended.title} — the end`, `${scenes.length} scene${scenes.length === 1 ? "" : "s"} by ${new Set(scenes.map((s) => s.authorName)).size} storyteller(s). The storybook is attached: open it in any browser.`, ...lines]
      .join("\n")
      .slice(0, 2000),
    files: [{ attachment: Buffer.from(html, "utf8"), name: `storybook-${slug(ended.title)}.html`, contentType: "text/html" }],
    allowedMentions: { parse: [] },
  });
  await interaction.client.rest.patch(Routes.channel(story.threadId), { body: { archived: true } }).catch((error: unknown) => ctx.logger.warn({ err: error, storyId: story.id }, "could not archive the story thread"));
  ctx.logger.info({ storyId: story.id, scenes: scenes.length }, "story ended");
}

/** Each scene with its images downloaded from fal, inlined until the file-size budget runs out. */
async function storybookScenes(ctx: AppContext, story: Story, budget: number): Promise<StorybookScene[]> {
  let left = budget;
  const result: StorybookScene[] = [];
  for (const scene of ctx.stories.scenes(story.id)) {
    const job = ctx.store.get(scene.jobId);
    const images = job && (job.state.kind === "delivered" || job.state.kind === "completed") ? job.state.result.images : [];
    const entries: StorybookScene["images"] = [];
    for (const image of images) {
      const bytes = await ctx.fal.download(image.url).catch(() => undefined);
      const fits = bytes !== undefined && bytes.length <= left;
      if (fits) left -= bytes.length;
      entries.push({ contentType: image.contentType ?? "image/png", url: image.url, ...(fits ? { bytes } : {}) });
    }
    result.push({
      number: scene.number,
      authorName: scene.authorName,
      characterName: scene.characterName,
      prompt: scene.prompt,
      images: entries,
      ...(entries.length === 0 ? { note: job?.state.kind === "failed" ? "This scene could not be made." : "This scene was not finished." } : {}),
    });
  }
  return result;
}

const slug = (title: string) => title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 40) || "story";
