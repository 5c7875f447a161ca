import { randomInt } from "node:crypto";
import type { FalInput } from "../domain/fal-endpoints.js";
import { hostedUrlsOf } from "../domain/fal-input.js";
import { generationOf, jobCost } from "../domain/pricing.js";
import { DEFAULT_PLACEMENT, isTwoCharacterRequest, stepCosts, twoCharacterPriceLine, twoCharacterSettings } from "../domain/two-characters.js";
import type { ButtonInteraction, ChatInputCommandInteraction, ModalSubmitInteraction, StringSelectMenuInteraction } from "discord.js";
import type { AppContext } from "../app-context.js";
import type { Job, JobOrigin, JobPipeline } from "../domain/job.js";
import { DEFAULT_ATTACHMENT_SIZE_LIMIT } from "../domain/split-files.js";
import { checkDeclaredSizes, checkImagineOptions, MAX_SEED, type GenerationSettings, type ImagineOptions, type InputImages } from "../domain/imagine-request.js";
import type { InputFile, InputFiles } from "../jobs/job-types.js";
import { characterScope, promptWithDescription } from "../domain/character-name.js";
import { UserFacingError } from "../domain/errors.js";
import type { Character } from "../store/character-store.js";
import type { AdmissionCheck } from "../store/job-store.js";
import { withServerDefaults } from "../domain/server-policy.js";
import { downloadImageAttachment } from "./download-attachment.js";
import { deferEphemeralOnce, readWithinAckBudget } from "./ack-within-budget.js";
import { escapeLine } from "./escape.js";
import { respondPrivately } from "./respond.js";
import { enforcePolicy, serverSettingsFor } from "./policy-gate.js";
import { withLiveFiles } from "./rehost-character.js";
import { confirmCost } from "./confirm-cost.js";
import { quoteFor } from "../domain/cost-quote.js";

/** What a job can be started from: a command, a button or select on a result, or a form (modal) opened from one. */
export type JobInteraction = ChatInputCommandInteraction | ButtonInteraction | StringSelectMenuInteraction | ModalSubmitInteraction;

export const DISCORD_DOWNLOAD_TIMEOUT_MS = 30_000;
export const MISSING_REFERENCE = "Attach a `reference` image of your character, or pick a saved `character`.";
/** What a two-character scene calls a second character attached rather than saved (it has no name). */
const ATTACHED_SECOND_NAME = "the second reference";

/**
 * /imagine from options to a running job. Everything that needs no download is
 * checked before acknowledging, so bad input costs one ephemeral reply; the rest after
 * an ephemeral defer. The job row is written before anything is uploaded or paid for.
 */
export async function startImagine(interaction: ChatInputCommandInteraction, options: ImagineOptions, ctx: AppContext): Promise<void> {
  // Checked before any read: a contradiction among the second-character options needs no store.
  const twoCharacters = isTwoCharacterRequest(options);
  // Store reads only: milliseconds, or an acknowledgement first when a busy database makes them wait.
  const { server, character, second } = await readWithinAckBudget(interaction, ctx.clock, async () => ({
    server: await serverSettingsFor(interaction, ctx),
    character: options.character != null ? await findCharacter(ctx, interaction.guildId, interaction.user.id, options.character) : undefined,
    second: options.secondCharacter != null ? await findCharacter(ctx, interaction.guildId, interaction.user.id, options.secondCharacter) : undefined,
  }));
  // A two-character scene is one image, whatever the server's default count (isTwoCharacterRequest refused an explicit other one).
  const checked = checkImagineOptions(withServerDefaults(twoCharacters ? { ...options, count: 1 } : options, server)); // UserFacingError → ephemeral reply, no fal call
  const { images } = checked;
  let { settings } = checked;
  if (!images.reference && !character) throw new UserFacingError(MISSING_REFERENCE);
  const descriptions = server.characterDescriptions !== false;
  const scenePrompt = settings.prompt;
  if (character && descriptions) settings.prompt = promptWithDescription(settings.prompt, character.name, character.description);
  if (twoCharacters) {
    settings = twoCharacterSettings(settings, { name: second?.name ?? ATTACHED_SECOND_NAME, description: second?.description, placement: options.placement ?? DEFAULT_PLACEMENT, scenePrompt, descriptions });
  }
  // Acknowledge first (Discord's 3 s), then check the limits: the budgets in the transaction
  // that writes the job row, so a burst of requests cannot all pass a limit.
  await deferEphemeralOnce(interaction);
  // A costly request waits for the member to accept its price: nothing is written or paid before.
  if (!(await confirmCost(interaction, ctx, quoteFor(ctx.config.prices, settings)))) return;
  // Two fal steps are two charges: the member sees their sum before anything is written or paid.
  if (twoCharacters) await interaction.editReply(`👥 ${twoCharacterPriceLine(ctx.config.prices, settings.speed)}. Starting…`);
  const admission = enforcePolicy(interaction, ctx, server, generationOf(ctx.config.prices, settings));
  try {
    const job = await recordJob(interaction, ctx, {
      settings,
      character,
      secondCharacter: second,
      private: options.private === true,
      // A two-character scene names both in its result (the second: see resultHeader).
      ...(twoCharacters && character ? { caption: `🎬 Scene for <@${interaction.user.id}>: **${escapeLine(character.name)}**` } : {}),
      admit: admission.admit,
    });
    // The attachments are downloaded and checked by the runner inside its upload slot, so a
    // job waiting its turn holds no image bytes. Bad input found there (not an image, too
    // big) ends the job with its message in this reply; nothing reached fal, nothing is charged.
    const load = async (): Promise<InputFiles> => {
      const [saved, savedSecond, attached] = await Promise.all([
        character ? characterFiles(ctx, character) : {},
        second ? characterFiles(ctx, second) : undefined,
        downloadInputs(images),
      ]);
      // Attached images win over the saved character's (e.g. a new mask for a saved reference).
      const { secondReference, ...own } = attached;
      const { reference, ...rest } = { ...saved, ...own };
      if (!reference) throw new UserFacingError(MISSING_REFERENCE);
      const secondFiles = secondReference ? { reference: secondReference } : savedSecond?.reference ? { reference: savedSecond.reference, ...(savedSecond.mask ? { mask: savedSecond.mask } : {}) } : undefined;
      return { reference, ...rest, ...(secondFiles ? { second: secondFiles } : {}) };
    };
    // The runner tracks its own failures (the job ends with an apology); nothing to await here.
    void ctx.runner.start(job, load);
  } finally {
    admission.release(); // in the same tick as start: the runner counts the job from here
  }
}

/**
 * Writes the job row (before anything is paid for, and right after the policy check), with
 * the budgets' admission check in the same transaction: a refusal writes nothing and rejects
 * with the check's UserFacingError. Start it with ctx.runner once the interaction is acknowledged.
 */
export async function recordJob(
  interaction: JobInteraction,
  ctx: AppContext,
  launch: {
    settings: GenerationSettings;
    character: Character | undefined;
    /** A two-character scene's saved second character (its use is counted too). */
    secondCharacter?: Character | undefined;
    private: boolean;
    caption?: string;
    id?: string;
    /** A reroll's fal input (its images are already hosted) and the job it rerolls. */
    falInput?: FalInput;
    rerollOf?: string;
    /** A duo rerolled: its second character, already hosted. */
    pipeline?: JobPipeline;
    /** The budgets (from enforcePolicy); absent in DMs. */
    admit: AdmissionCheck | undefined;
  },
): Promise<Job> {
  const origin = originOf(interaction, launch.private, ctx);
  if (launch.caption) origin.caption = launch.caption;
  // What each step costs at the prices in force now: what the member is shown, and (summed) what the budgets count.
  const costs = stepCosts(ctx.config.prices, launch.settings);
  const job = await ctx.store.create(
    {
      id: launch.id ?? ctx.newJobId(),
      origin,
      settings: launch.settings,
      characterId: launch.character?.id ?? null,
      falInput: launch.falInput ?? null,
      // A job of several steps starts at its first (see JobPipeline), with what each step costs (shown with its progress).
      pipeline: launch.pipeline ? { ...launch.pipeline, stepCosts: costs } : costs.length > 1 ? { step: 1, steps: costs.length, done: [], stepCosts: costs } : null,
      // What the member's budgets count: every step at its endpoint's price in force now.
      costUsd: jobCost(ctx.config.prices, launch.settings.kind ?? "imagine", launch.settings.speed, launch.settings.numImages),
      rerollOf: launch.rerollOf ?? null,
    },
    launch.admit,
  );
  // Only a counter: the job is written and must still start if it cannot be counted.
  for (const used of [launch.character, launch.secondCharacter]) {
    if (!used) continue;
    const characterId = used.id;
    await ctx.characters.recordUse(characterId).catch((error: unknown) => ctx.logger.warn({ err: error, jobId: job.id, characterId }, "could not count a use of the character"));
  }
  ctx.logger.info({ jobId: job.id, guildId: job.origin.guildId, userId: job.origin.userId, characterId: launch.character?.id, rerollOf: launch.rerollOf }, "job created");
  return job;
}

/**
 * A saved character's hosted reference and mask, as job inputs; expired files are hosted
 * again first (or a UserFacingError says why they cannot be). Call after acknowledging:
 * it may take a request or two to fal.
 */
export async function characterFiles(ctx: AppContext, saved: Character): Promise<InputFiles> {
  const character = await withLiveFiles(ctx, saved);
  return { reference: { url: character.referenceUrl }, ...(character.maskUrl ? { mask: { url: character.maskUrl } } : {}) };
}

/** A saved character by name in this server (or the user's DMs), or a clear message. */
export async function findCharacter(ctx: AppContext, guildId: string | null, userId: string, name: string): Promise<Character> {
  const character = await ctx.characters.byName(characterScope(guildId, userId), name.trim());
  if (!character) {
    throw new UserFacingError(`There is no saved character called \`${name.slice(0, 40)}\` here. See \`/character list\`, or save one with \`/character save\`.`);
  }
  return character;
}

/** Reroll: the same settings and hosted images with a new seed, as a new job for whoever pressed. */
export async function startReroll(interaction: ButtonInteraction, sourceJobId: string, ctx: AppContext): Promise<void> {
  // A store read before the acknowledgement, like /imagine's: within its budget, or acknowledged meanwhile.
  const source = await readWithinAckBudget(interaction, ctx.clock, () => ctx.store.get(sourceJobId));
  // A job of several steps is rerolled from its first step (its later inputs depend on the first's image).
  const firstInput = source?.pipeline?.done[0]?.input ?? source?.falInput;
  if (!source || !firstInput) {
    await respondPrivately(interaction, "That result can't be rerolled: its job is no longer known.");
    return;
  }
  await deferEphemeralOnce(interaction);
  const second = source.pipeline?.second;
  await checkInputsStillHosted(ctx, [...hostedUrlsOf(firstInput), ...(second ? [second.reference, ...(second.mask ? [second.mask] : [])] : [])]);
  // As in startImagine: the budgets checked in the transaction that writes the job, after the acknowledgement.
  const server = await serverSettingsFor(interaction, ctx);
  const admission = enforcePolicy(interaction, ctx, server, generationOf(ctx.config.prices, source.settings));
  try {
    const seed = randomInt(0, MAX_SEED);
    const falInput = { ...firstInput, seed };
    const job = await recordJob(interaction, ctx, {
      settings: { ...source.settings, seed },
      character: undefined,
      private: source.origin.private,
      falInput,
      ...(source.pipeline ? { pipeline: { step: 1, steps: source.pipeline.steps, ...(second ? { second } : {}), done: [] } } : {}),
      rerollOf: source.id,
      admit: admission.admit,
    });
    void ctx.runner.startHosted(job, falInput); // the runner ends its own failures with an apology
  } finally {
    admission.release();
  }
}

/**
 * A reroll reuses the source job's input images on fal storage, which fal deletes when their
 * lifetime ends (README "File lifetimes"). Refuse clearly, before anything is paid, rather
 * than let fal reject the job.
 */
async function checkInputsStillHosted(ctx: AppContext, urls: string[]): Promise<void> {
  const checks = await Promise.all(urls.map((url) => ctx.fal.resolves(url)));
  if (checks.includes("gone")) {
    throw new UserFacingError(
      "This scene can't be rerolled any more: fal no longer keeps the images it was made from (one-off inputs are kept for a day, private ones for an hour). " +
        "Run `/imagine` again with the reference, or use a saved `character`. Nothing was charged.",
    );
  }
}

function originOf(interaction: JobInteraction, isPrivate: boolean, ctx: AppContext): JobOrigin {
  // Only a modal submit's type allows no channel; StoryCast's forms are opened from a message in one.
  if (!interaction.channelId) throw new Error("the interaction has no channel to answer in");
  return {
    userId: interaction.user.id,
    guildId: interaction.guildId,
    channelId: interaction.channelId,
    applicationId: interaction.applicationId,
    interactionToken: interaction.token,
    interactionAt: interaction.createdTimestamp > ctx.now() ? ctx.now() : interaction.createdTimestamp,
    attachmentSizeLimit: interaction.attachmentSizeLimit ?? DEFAULT_ATTACHMENT_SIZE_LIMIT,
    private: isPrivate,
  };
}

/** Downloads and checks the attached images (the reference may be absent when a saved character is used). */
async function downloadInputs(images: InputImages): Promise<Partial<Record<"reference" | "mask" | "styleReference" | "secondReference", InputFile>>> {
  const options = { timeoutMs: DISCORD_DOWNLOAD_TIMEOUT_MS };
  const roles = [
    ["reference", "reference"],
    ["mask", "mask"],
    ["styleReference", "style_reference"],
    ["secondReference", "second_reference"],
  ] as const;
  const files = await Promise.all(roles.map(([role, option]) => (images[role] ? downloadImageAttachment(images[role], option, options) : undefined)));
  // Discord's declared sizes were checked before; check the bytes that really arrived too.
  const arrived: InputImages = {};
  const downloaded: Partial<Record<(typeof roles)[number][0], InputFile>> = {};
  for (const [index, [role]] of roles.entries()) {
    const file = files[index];
    const declared = images[role];
    if (!file || !declared) continue;
    arrived[role] = { ...declared, size: file.bytes.length };
    downloaded[role] = file;
  }
  checkDeclaredSizes(arrived);
  return downloaded;
}
