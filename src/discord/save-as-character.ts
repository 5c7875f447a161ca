import { ComponentType, MessageFlags, TextInputStyle, type ButtonInteraction, type ModalSubmitInteraction } from "discord.js";
import type { AppContext } from "../app-context.js";
import { cleanCharacterDescription, cleanCharacterName, MAX_CHARACTER_DESCRIPTION_LENGTH, MAX_CHARACTER_NAME_LENGTH } from "../domain/character-name.js";
import { UserFacingError } from "../domain/errors.js";
import { sniffImageType, type ImageMime } from "../domain/image-type.js";
import { DuplicateCharacterError } from "../store/character-store.js";
import { characterScopeOf } from "./character-scope-of.js";

const MODAL_PREFIX = "imagine:savechar:";

async function resultImages(ctx: AppContext, jobId: string) {
  const job = await ctx.store.get(jobId);
  return job && (job.state.kind === "delivered" || job.state.kind === "completed") ? job.state.result.images : [];
}

/** "Save as character" on a result: asks for a name (and which image, when there are several) in a modal. */
export async function askToSaveAsCharacter(interaction: ButtonInteraction, jobId: string, ctx: AppContext): Promise<void> {
  const images = await resultImages(ctx, jobId);
  if (images.length === 0) throw new UserFacingError("That result is no longer known, so it can't be saved as a character.");
  await interaction.showModal({
    custom_id: `${MODAL_PREFIX}${jobId}`,
    title: "Save as character",
    components: [
      { type: ComponentType.ActionRow, components: [{ type: ComponentType.TextInput, custom_id: "name", label: "Name", style: TextInputStyle.Short, required: true, max_length: MAX_CHARACTER_NAME_LENGTH }] },
      {
        type: ComponentType.ActionRow,
        components: [{ type: ComponentType.TextInput, custom_id: "description", label: "Description (added to prompts)", style: TextInputStyle.Paragraph, required: false, max_length: MAX_CHARACTER_DESCRIPTION_LENGTH }],
      },
      {
        type: ComponentType.ActionRow,
        components: [{ type: ComponentType.TextInput, custom_id: "image", label: `Which image (1–${images.length})`, style: TextInputStyle.Short, required: false, value: "1", max_length: 1 }],
      },
    ],
  });
}

/**
 * The modal's answer: the chosen image becomes a saved character. The result's fal file lives
 * only as long as the job's outputs (README "File lifetimes"), so the image is downloaded, hosted
 * again for a saved character's lifetime, and a copy kept to host it again later. Returns false for other modals.
 */
export async function handleSaveAsCharacterModal(interaction: ModalSubmitInteraction, ctx: AppContext): Promise<boolean> {
  if (!interaction.customId.startsWith(MODAL_PREFIX)) return false;
  const jobId = interaction.customId.slice(MODAL_PREFIX.length);
  const images = await resultImages(ctx, jobId);
  const field = (id: string) => {
    try {
      return interaction.fields.getTextInputValue(id);
    } catch {
      return "";
    }
  };
  const index = Number.parseInt(field("image") || "1", 10);
  const image = images[index - 1];
  if (!image) throw new UserFacingError(images.length ? `Pick an image from 1 to ${images.length}.` : "That result is no longer known.");
  const name = cleanCharacterName(field("name"));
  const description = cleanCharacterDescription(field("description"));
  const scope = characterScopeOf(interaction);
  if (await ctx.characters.byName(scope, name)) throw new UserFacingError(`There is already a character called **${name}** here. Pick another name.`);
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const reference = await keepCopy(ctx, image.url, image.fileName);
  try {
    await ctx.characters.create({
      id: ctx.newJobId(),
      scope,
      name,
      referenceUrl: reference.url,
      maskUrl: undefined,
      description,
      creatorId: interaction.user.id,
      images: { reference: { bytes: reference.bytes, contentType: reference.contentType } },
    });
  } catch (error) {
    if (error instanceof DuplicateCharacterError) throw new UserFacingError(`There is already a character called **${name}** here. Pick another name.`);
    throw error;
  }
  ctx.logger.info({ jobId, userId: interaction.user.id, guildId: interaction.guildId }, "result saved as a character");
  await interaction.editReply({ content: `✅ Saved image ${index} as **${name}**. Use it with \`/imagine character:${name}\`.` });
  return true;
}

/** Downloads a result image and hosts it again as a saved character's reference. */
async function keepCopy(ctx: AppContext, url: string, fileName: string | undefined): Promise<{ url: string; bytes: Buffer; contentType: ImageMime }> {
  const bytes = await ctx.fal.download(url).catch((error: unknown) => {
    ctx.logger.warn({ err: error }, "downloading a result to save it as a character failed");
    throw new UserFacingError("That image could not be fetched from fal (results are kept there for a limited time), so it can't be saved as a character.");
  });
  const contentType = sniffImageType(bytes);
  if (!contentType) throw new UserFacingError("That image is not a JPEG, PNG or WebP file, so it can't be saved as a character.");
  const hosted = await ctx.fal.upload(bytes, contentType, fileName ?? "character.png", "saved-character").catch((error: unknown) => {
    ctx.logger.warn({ err: error }, "character upload to fal failed");
    throw new UserFacingError("The image could not be stored on fal right now. Please try again in a few minutes.");
  });
  return { url: hosted, bytes, contentType };
}
