import type { ButtonInteraction, ChatInputCommandInteraction, ModalSubmitInteraction, StringSelectMenuInteraction } from "discord.js";
import type { AppContext } from "../app-context.js";
import type { FalInput } from "../domain/fal-endpoints.js";
import type { GenerationSettings } from "../domain/imagine-request.js";
import type { Job, JobOrigin, JobPipeline } from "../domain/job.js";
import { jobCost } from "../domain/pricing.js";
import { DEFAULT_ATTACHMENT_SIZE_LIMIT } from "../domain/split-files.js";
import { stepCosts } from "../domain/two-characters.js";
import type { InstallContext } from "../domain/install-context.js";
import { interactionInstallContext } from "./install-context-of.js";
import type { Admission } from "./policy-gate.js";
import type { Character } from "../store/character-store.js";

/** What a job can be started from: a command, a button or select on a result, or a form (modal) opened from one. */
export type JobInteraction = ChatInputCommandInteraction | ButtonInteraction | StringSelectMenuInteraction | ModalSubmitInteraction;

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
    /** What enforcePolicy admitted: the budgets to check where the row is written, and the server they are. */
    admission: Pick<Admission, "admit" | "rulesServerId">;
  },
): Promise<Job> {
  const origin = originOf(interaction, launch.private, interactionInstallContext(interaction), ctx);
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
      // Which budgets count the job: its server's, or outside servers (DMs, user installs) the member's own.
      rulesServerId: launch.admission.rulesServerId,
    },
    launch.admission.admit,
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

/** The origin of a job asked for privately (`asked`) or not, where the interaction happened (`where`). */
function originOf(interaction: JobInteraction, asked: boolean, where: InstallContext, ctx: AppContext): JobOrigin {
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
    // Where Discord shows answers only to the member, the job is private whatever they asked.
    private: asked || where.answersPrivate,
    // Stored only when true, so ordinary origins stay as they were.
    ...(where.interactionOnly ? { interactionOnly: true } : {}),
    ...(where.answersPrivate && !asked ? { privateByServer: true } : {}),
  };
}

