import { generationOf } from "../domain/pricing.js";
import { ChannelType, DiscordAPIError, Routes, type ChatInputCommandInteraction } from "discord.js";
import type { AppContext } from "../app-context.js";
import { plainText, promptWithDescription } from "../domain/character-name.js";
import { UserFacingError } from "../domain/errors.js";
import { humanName, IMAGE_SIZES, SPEEDS, STYLES, type ImageSize, type Speed, type Style } from "../domain/fal-enums.js";
import { checkImagineOptions, type Placement } from "../domain/imagine-request.js";
import { DEFAULT_PLACEMENT, isTwoCharacterRequest, twoCharacterPriceLine, twoCharacterSettings } from "../domain/two-characters.js";
import { withServerDefaults } from "../domain/server-policy.js";
import type { Character } from "../store/character-store.js";
import { StoryEndedError, type Story } from "../store/story-store.js";
import { escapeLine, MAX_MESSAGE_LENGTH } from "./escape.js";
import { characterFiles, findCharacter } from "./imagine-flow.js";
import { recordJob } from "./record-job.js";
import { deferEphemeralOnce, readWithinAckBudget } from "./ack-within-budget.js";
import { enforcePolicy, serverSettingsFor } from "./policy-gate.js";
import { recapLines } from "./story-recap.js";
import { offerPrice } from "./offer-price.js";

const MAX_TITLE_LENGTH = 100; // Discord's limit for a thread name
const ONE_WEEK_MINUTES = 10080;

async function storyHere(interaction: ChatInputCommandInteraction, ctx: AppContext): Promise<Story> {
  const story = await ctx.stories.byThread(interaction.channelId);
  if (!story) throw new UserFacingError("This isn't a story thread. Start one with `/story start`, then use this command inside its thread.");
  return story;
}

const storyEnded = (story: Story) => new UserFacingError(`**${story.title}** has ended. Start a new story with \`/story start\`.`);

async function openStoryHere(interaction: ChatInputCommandInteraction, ctx: AppContext): Promise<Story> {
  const story = await storyHere(interaction, ctx);
  if (story.endedAt !== undefined) throw storyEnded(story);
  return story;
}

async function castNames(ctx: AppContext, story: Story): Promise<string[]> {
  const cast = await Promise.all(story.cast.map((id) => ctx.characters.byId(id)));
  return cast.map((character) => character?.name).filter((name): name is string => name !== undefined);
}

/** /story start: opens a thread for the story, posts its cover card and remembers its cast and defaults. */
export async function startStory(
  interaction: ChatInputCommandInteraction,
  ctx: AppContext,
  input: { title: string; character: string | null; style: Style | null; size: ImageSize | null; speed: Speed | null },
): Promise<void> {
  if (!interaction.guildId) throw new UserFacingError("Stories live in server threads; use /story start in a server channel.");
  if (interaction.channel?.isThread() || (await ctx.stories.byThread(interaction.channelId))) throw new UserFacingError("Start a story from a channel, not from inside a thread.");
  const title = plainText(input.title).slice(0, MAX_TITLE_LENGTH);
  if (!title) throw new UserFacingError("Give the story a title.");
  const lead = input.character != null ? await findCharacter(ctx, interaction.guildId, interaction.user.id, input.character) : undefined;
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
  const story = await ctx.stories.create({
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

/** /story scene: a numbered scene with the story's defaults and cast, posted in the thread; `with` puts a second character into it. */
export async function addScene(
  interaction: ChatInputCommandInteraction,
  ctx: AppContext,
  input: { prompt: string; character: string | null; with?: string | null; placement?: Placement | null },
): Promise<void> {
  const twoCharacters = isTwoCharacterRequest({ secondCharacter: input.with, placement: input.placement }, "`with`");
  const { story, character, second, server } = await readWithinAckBudget(interaction, ctx.clock, async () => {
    const opened = await openStoryHere(interaction, ctx);
    return {
      story: opened,
      character: (input.character != null
        ? await findCharacter(ctx, interaction.guildId, interaction.user.id, input.character)
        : await firstCastMember(ctx, opened)) as Character | undefined,
      second: input.with != null ? await findCharacter(ctx, interaction.guildId, interaction.user.id, input.with) : undefined,
      server: await serverSettingsFor(interaction, ctx),
    };
  });
  if (!character) throw new UserFacingError("This story has no cast yet: add someone with `/story cast add`, or pass `character:`.");
  const checked = checkImagineOptions(
    // A two-character scene is one image (see isTwoCharacterRequest), whatever the server's default count.
    withServerDefaults({ prompt: input.prompt, character: character.name, style: story.defaults.style ?? null, size: story.defaults.size ?? null, speed: story.defaults.speed ?? null, ...(twoCharacters ? { count: 1 } : {}) }, server),
  );
  let { settings } = checked;
  const descriptions = server.characterDescriptions !== false;
  const scenePrompt = settings.prompt;
  if (descriptions) settings.prompt = promptWithDescription(settings.prompt, character.name, character.description);
  if (second) {
    settings = twoCharacterSettings(settings, { name: second.name, description: second.description, placement: input.placement ?? DEFAULT_PLACEMENT, scenePrompt, descriptions });
  }
  await deferEphemeralOnce(interaction);
  // Before the scene is written: an expired, unrestorable character costs nothing.
  const [files, secondFiles] = await Promise.all([characterFiles(ctx, character), second ? characterFiles(ctx, second) : undefined]);
  if (!(await offerPrice(interaction, ctx, server, settings))) return; // a costly scene waits for its price to be accepted
  // Two fal steps are two charges: the member sees their sum before anything is written or paid.
  if (twoCharacters) await interaction.editReply(`👥 ${twoCharacterPriceLine(ctx.config.prices, settings.speed)}. Starting…`);
  const admission = enforcePolicy(interaction, ctx, server, generationOf(ctx.config.prices, settings));
  try {
    // The scene's number goes into the job's caption, so the scene is written first. A request
    // over a budget is refused here, before the scene exists; the binding check is the one in
    // the job's transaction below, which only a concurrent burst can fail after this one passed
    // (its scene then has no job, and the recap and storybook leave it out).
    await admission.admit(ctx.servers);
    const jobId = ctx.newJobId();
    // The story may have ended (/story end, from any process) since it was read above: the store
    // refuses the scene in the transaction that numbers it, before any job (or charge) exists.
    const scene = await ctx.stories
      .addScene({
        storyId: story.id,
        jobId,
        authorId: interaction.user.id,
        authorName: interaction.member && "displayName" in interaction.member ? interaction.member.displayName : interaction.user.username,
        prompt: input.prompt.trim(),
        // Both names, as the storybook's "starring" line shows them.
        characterName: second ? `${character.name} & ${second.name}` : character.name,
      })
      .catch((error: unknown) => {
        throw error instanceof StoryEndedError ? storyEnded(story) : error;
      });
    const job = await recordJob(interaction, ctx, {
      id: jobId,
      settings,
      character,
      secondCharacter: second,
      private: false,
      // A two-character scene names the first here, the second after it (see resultHeader).
      caption: `📖 **${escapeLine(story.title)}** — scene ${scene.number}, by <@${interaction.user.id}>${second ? `: **${escapeLine(character.name)}**` : ""}`,
      admission,
    });
    const withSecond = secondFiles?.reference ? { second: { reference: secondFiles.reference, ...(secondFiles.mask ? { mask: secondFiles.mask } : {}) } } : {};
    void ctx.runner.start(job, async () => ({ ...files, ...withSecond })); // the runner ends its own failures with an apology
  } finally {
    admission.release();
  }
}

/** The story's cast (in this thread) best matching what was typed: the `with` option's suggestions. */
export async function suggestCast(ctx: AppContext, threadId: string, typed: string): Promise<{ name: string; value: string }[]> {
  const story = await ctx.stories.byThread(threadId);
  if (!story) return [];
  const needle = typed.trim().toLocaleLowerCase("en-US");
  const names = await castNames(ctx, story);
  return names.filter((name) => name.toLocaleLowerCase("en-US").includes(needle)).slice(0, 25).map((name) => ({ name, value: name }));
}

/** The first of the story's cast that is still saved. */
async function firstCastMember(ctx: AppContext, story: Story): Promise<Character | undefined> {
  for (const id of story.cast) {
    const character = await ctx.characters.byId(id);
    if (character) return character;
  }
  return undefined;
}

/** /story cast add|remove. */
export async function changeCast(interaction: ChatInputCommandInteraction, ctx: AppContext, action: "add" | "remove", name: string): Promise<void> {
  const story = await openStoryHere(interaction, ctx);
  const character = await findCharacter(ctx, interaction.guildId, interaction.user.id, name);
  // Changed as it is when written: members adding or removing at the same moment (on any process) all keep their change.
  const updated = await ctx.stories.updateCast(story.id, (current) => {
    const cast = current.filter((id) => id !== character.id);
    if (action === "add") cast.push(character.id);
    else if (cast.length === current.length) throw new UserFacingError(`**${character.name}** isn't in this story's cast.`);
    return cast;
  });
  const names = await castNames(ctx, updated);
  await interaction.reply({
    content: `${action === "add" ? `➕ **${escapeLine(character.name)}** joins` : `➖ **${escapeLine(character.name)}** leaves`} the cast. Cast now: ${names.length ? names.map(escapeLine).join(", ") : "nobody"}.`,
    allowedMentions: { parse: [] },
  });
}

/** As many whole lines as fit in one message. */
function wholeLines(lines: string[]): string {
  let content = "";
  for (const line of lines) {
    const next = content ? `${content}\n${line}` : line;
    if (next.length > MAX_MESSAGE_LENGTH) break;
    content = next;
  }
  return content;
}

/** /story recap: posts the story so far in the thread. */
export async function recapStory(interaction: ChatInputCommandInteraction, ctx: AppContext): Promise<void> {
  const story = await storyHere(interaction, ctx);
  const lines = await recapLines(ctx, story);
  await interaction.reply({
    // Whole lines only: a cut could leave half an escape.
    content: wholeLines([`## 📖 ${escapeLine(story.title)} — the story so far`, ...(lines.length ? lines : ["No scenes yet. Add one with `/story scene`."])]),
    allowedMentions: { parse: [] },
  });
}
