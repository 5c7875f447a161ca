import { randomInt } from "node:crypto";
import { hostedUrlsOf } from "../domain/fal-input.js";
import { generationOf } from "../domain/pricing.js";
import { DEFAULT_PLACEMENT, isTwoCharacterRequest, twoCharacterPriceLine, twoCharacterSettings } from "../domain/two-characters.js";
import type { ButtonInteraction, ChatInputCommandInteraction } from "discord.js";
import type { AppContext } from "../app-context.js";
import { checkDeclaredSizes, checkImagineOptions, MAX_SEED, type ImagineOptions, type InputImages } from "../domain/imagine-request.js";
import type { InputFile, InputFiles } from "../jobs/job-types.js";
import { characterScope, promptWithDescription } from "../domain/character-name.js";
import { UserFacingError } from "../domain/errors.js";
import type { Character } from "../store/character-store.js";
import { withServerDefaults } from "../domain/server-policy.js";
import { downloadImageAttachment } from "./download-attachment.js";
import { deferEphemeralOnce, readWithinAckBudget } from "./ack-within-budget.js";
import { escapeLine } from "./escape.js";
import { respondPrivately } from "./respond.js";
import { borrowedRules, enforcePolicy, serverSettingsFor } from "./policy-gate.js";
import { withLiveFiles } from "./rehost-character.js";
import { launchJob } from "./launch-job.js";
import { offerPrice } from "./offer-price.js";
import { recordJob } from "./record-job.js";
import { characterServerOf } from "./character-scope-of.js";

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
    character: options.character != null ? await findCharacter(ctx, characterServerOf(interaction), interaction.user.id, options.character) : undefined,
    second: options.secondCharacter != null ? await findCharacter(ctx, characterServerOf(interaction), interaction.user.id, options.secondCharacter) : undefined,
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
  // Acknowledge, the price (when costly), the rules and budgets with the job row, then the runner.
  await launchJob(interaction, ctx, server, {
    settings,
    character,
    secondCharacter: second,
    private: options.private === true,
    // A two-character scene names both in its result (the second: see resultHeader).
    ...(twoCharacters && character ? { caption: `🎬 Scene for <@${interaction.user.id}>: **${escapeLine(character.name)}**` } : {}),
    // Two fal steps are two charges: the member sees their sum before anything is written or paid.
    ...(twoCharacters ? { announce: `👥 ${twoCharacterPriceLine(ctx.config.prices, settings.speed)}. Starting…` } : {}),
    load,
  });
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
  // A costly reroll (8 images at Quality) waits for its price to be accepted, like the request it repeats.
  // Pressed on a result that came by DM, the rules of the server it was made under still apply.
  const rulesFrom = borrowedRules(interaction, source);
  const server = await serverSettingsFor(interaction, ctx, rulesFrom);
  if (!(await offerPrice(interaction, ctx, server, source.settings, rulesFrom))) return;
  // As in startImagine: the budgets checked in the transaction that writes the job, after the acknowledgement.
  const admission = enforcePolicy(interaction, ctx, server, generationOf(ctx.config.prices, source.settings), rulesFrom);
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
      admission,
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

/** Downloads and checks the attached images (the reference may be absent when a saved character is used). */
async function downloadInputs(images: InputImages): Promise<Partial<Record<"reference" | "mask" | "styleReference" | "secondReference", InputFile>>> {
  const roles = [
    ["reference", "reference"],
    ["mask", "mask"],
    ["styleReference", "style_reference"],
    ["secondReference", "second_reference"],
  ] as const;
  const files = await Promise.all(roles.map(([role, option]) => (images[role] ? downloadImageAttachment(images[role], option) : undefined)));
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
