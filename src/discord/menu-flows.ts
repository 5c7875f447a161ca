import type { MessageContextMenuCommandInteraction, ModalSubmitInteraction } from "discord.js";
import type { AppContext } from "../app-context.js";
import { promptWithDescription } from "../domain/character-name.js";
import { UserFacingError } from "../domain/errors.js";
import { MAX_IMAGES, SPEEDS, STYLES } from "../domain/fal-enums.js";
import { checkImagineOptions, type AttachmentInfo } from "../domain/imagine-request.js";
import { checkMenuImage, firstImageOf } from "../domain/message-image.js";
import { checkRemixOptions, type RemixOptions } from "../domain/remix-request.js";
import { checkScenePrompt, parseStrength } from "../domain/scene-controls.js";
import { withServerDefaults } from "../domain/server-policy.js";
import type { InputFile, InputFiles } from "../jobs/job-types.js";
import { deferEphemeralOnce, readBeforeModal, readWithinAckBudget } from "./ack-within-budget.js";
import { saveCharacter } from "./character-handlers.js";
import { characterScopeOf, characterServerOf } from "./character-scope-of.js";
import { characterFiles, findCharacter } from "./imagine-flow.js";
import { launchJob } from "./launch-job.js";
import { downloadMenuImage, fetchWithoutRedirects } from "./menu-download.js";
import { formText } from "./form-fields.js";
import { formChoice, referenceForm, remixForm, saveCharacterForm } from "./menu-forms.js";
import { parseMenuFormId, rememberMenuForm, takeMenuForm, type MenuKind } from "./menu-pending.js";
import { messageImageView } from "./message-image-view.js";
import { serverSettingsFor } from "./policy-gate.js";

/** The menus' names as members see them in the Apps menu (and as they are registered). */
export const MENU_NAMES: Readonly<Record<MenuKind, string>> = { ref: "Use as reference", char: "Save as character", remix: "Remix" };

/** How many saved characters the Remix form offers (a select holds 25). */
const REMIX_CHARACTER_CHOICES = 25;

/**
 * A message menu used: the message's first image is found and checked from what the interaction
 * carries (no download: the form must be the first answer, within Discord's 3 s), then the form
 * opens. A message without a usable image gets one private reply; nothing is kept or charged.
 */
export async function openMenuForm(interaction: MessageContextMenuCommandInteraction, ctx: AppContext, kind: MenuKind): Promise<void> {
  const message = interaction.targetMessage;
  const image = checkMenuImage(firstImageOf(messageImageView(message)), MENU_NAMES[kind], ctx.config.discordCdnHosts);
  const nonce = rememberMenuForm(ctx, { kind, userId: interaction.user.id, image });
  if (kind === "ref") {
    await interaction.showModal(referenceForm(nonce));
  } else if (kind === "char") {
    await interaction.showModal(saveCharacterForm(nonce));
  } else {
    // The member's saved characters, if the store answers in time; else the form offers the image's own.
    const saved = await readBeforeModal(ctx.clock, () => ctx.characters.list(characterScopeOf(interaction), 0, REMIX_CHARACTER_CHOICES));
    await interaction.showModal(remixForm(nonce, message.content, saved?.characters.map((character) => character.name) ?? []));
  }
}

/** A message menu's form submitted; false for other forms. */
export async function handleMenuForm(interaction: ModalSubmitInteraction, ctx: AppContext): Promise<boolean> {
  const id = parseMenuFormId(interaction.customId);
  if (!id) return false;
  const form = takeMenuForm(ctx, id.nonce, id.kind, interaction.user.id);
  if (!form) {
    throw new UserFacingError(`This form has expired (or StoryCast restarted since it opened). Use “${MENU_NAMES[id.kind]}” on the message again. Nothing was charged.`);
  }
  if (id.kind === "ref") await useAsReference(interaction, ctx, form.image);
  else if (id.kind === "char") await saveAsCharacter(interaction, ctx, form.image);
  else await remixImage(interaction, ctx, form.image);
  return true;
}

/**
 * /imagine with the message's image as the reference: the form's choices checked with the
 * server's defaults (a refusal is one private reply), then acknowledged and the image checked
 * (checkedMenuImage) before anything is written, so a file that is not an image leaves no job
 * behind; then launchJob (the price, the rules and budgets, the job row, the runner) as for the command.
 */
async function useAsReference(interaction: ModalSubmitInteraction, ctx: AppContext, image: AttachmentInfo): Promise<void> {
  const prompt = checkScenePrompt(formText(interaction, "prompt"));
  const speed = formChoice(interaction, "speed", SPEEDS.map((entry) => entry.value), "speeds");
  const style = formChoice(interaction, "style", STYLES.map((entry) => entry.value), "styles");
  const count = formChoice(interaction, "count", Array.from({ length: MAX_IMAGES }, (_, i) => String(i + 1)), "counts");
  const server = await readWithinAckBudget(interaction, ctx.clock, () => serverSettingsFor(interaction, ctx));
  const { settings } = checkImagineOptions(withServerDefaults({ prompt, reference: image, speed: speed ?? null, style: style ?? null, count: count === undefined ? null : Number(count) }, server));
  await deferEphemeralOnce(interaction);
  const download = await checkedMenuImage(ctx, image);
  await launchJob(interaction, ctx, server, { settings, character: undefined, private: false, load: async () => ({ reference: await download() }) });
}

/** /character save with the message's image (the same name rules, checks and copies). */
async function saveAsCharacter(interaction: ModalSubmitInteraction, ctx: AppContext, image: AttachmentInfo): Promise<void> {
  const description = formText(interaction, "description");
  await saveCharacter(interaction, ctx, { name: formText(interaction, "name"), reference: image, mask: null, description: description.trim() ? description : null }, { fetch: fetchWithoutRedirects });
}

/**
 * /remix of the message's image: with the saved character picked in the form, or else the image
 * itself as the character reference (fal's remix needs one). The image is checked before the job
 * row, as for "Use as reference".
 */
async function remixImage(interaction: ModalSubmitInteraction, ctx: AppContext, image: AttachmentInfo): Promise<void> {
  const prompt = checkScenePrompt(formText(interaction, "prompt"));
  const strength = parseStrength(formText(interaction, "strength"));
  const [name] = interaction.fields.fields.has("character") ? interaction.fields.getStringSelectValues("character") : [];
  const { server, character } = await readWithinAckBudget(interaction, ctx.clock, async () => ({
    server: await serverSettingsFor(interaction, ctx),
    // A forged name is refused like a typed one: findCharacter looks it up in the member's own scope.
    character: name !== undefined ? await findCharacter(ctx, characterServerOf(interaction), interaction.user.id, name) : undefined,
  }));
  // Without a saved character, the image is its own reference: the character is whoever it shows.
  const options: RemixOptions = { prompt, image, strength, character: character?.name ?? null, reference: character ? null : image };
  const { settings } = checkRemixOptions(withServerDefaults(options, server));
  if (character && server.characterDescriptions !== false) settings.prompt = promptWithDescription(settings.prompt, character.name, character.description);
  await deferEphemeralOnce(interaction);
  const download = await checkedMenuImage(ctx, image);
  const load = async (): Promise<InputFiles> => {
    const file = await download();
    return character ? { ...(await characterFiles(ctx, character)), image: file } : { image: file, reference: file };
  };
  await launchJob(interaction, ctx, server, { settings, character, private: false, load });
}

/**
 * Downloads and sniffs the menu's image now (a file that is not a usable image is refused before
 * any job row), then lets go of the bytes, and returns the download the job's loader runs again
 * in its upload slot: a job waiting for its price to be accepted, or its turn, holds no image
 * (the InputLoader contract). Discord's attachments do not change, and the second download is
 * checked the same way.
 */
async function checkedMenuImage(ctx: AppContext, image: AttachmentInfo): Promise<() => Promise<InputFile>> {
  await downloadMenuImage(ctx, image, "image");
  return () => downloadMenuImage(ctx, image, "image");
}
