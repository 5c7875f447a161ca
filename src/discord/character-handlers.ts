import {
  ButtonStyle,
  ComponentType,
  MessageFlags,
  PermissionFlagsBits,
  type APIEmbed,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type ModalSubmitInteraction,
  type RepliableInteraction,
} from "discord.js";
import type { AppContext } from "../app-context.js";
import { cleanCharacterDescription, cleanCharacterName } from "../domain/character-name.js";
import { UserFacingError } from "../domain/errors.js";
import { checkDeclaredSizes, type AttachmentInfo } from "../domain/imagine-request.js";
import { CharacterNotFoundError, DuplicateCharacterError, type Character } from "../store/character-store.js";
import { characterScopeOf } from "./character-scope-of.js";
import { downloadImageAttachment } from "./download-attachment.js";

export const LIST_PAGE_SIZE = 10; // Discord allows 10 embeds per message: one per character, with its thumbnail

// A server's characters where StoryCast is installed; elsewhere the member's own.
const scopeOf = (interaction: RepliableInteraction) => characterScopeOf(interaction);

/** Creator, or a member who may manage the server, may change a character. */
function mayManage(interaction: RepliableInteraction, character: Character): boolean {
  return character.creatorId === interaction.user.id || interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) === true;
}

async function mustFind(ctx: AppContext, interaction: RepliableInteraction, name: string): Promise<Character> {
  const character = await ctx.characters.byName(scopeOf(interaction), name.trim());
  if (!character) throw new UserFacingError(`There is no saved character called \`${name.slice(0, 40)}\` here. See \`/character list\`.`);
  return character;
}

/**
 * /character save: re-host the images on fal storage (Discord's links expire) for the longest
 * lifetime, and keep a copy in the database to host them again once fal's copy expires.
 */
export async function saveCharacter(
  interaction: ChatInputCommandInteraction | ModalSubmitInteraction,
  ctx: AppContext,
  input: { name: string; reference: AttachmentInfo | null; mask: AttachmentInfo | null; description: string | null },
  /** How the images are fetched (the message menus follow no redirects). */
  download: { fetch?: typeof fetch } = {},
): Promise<void> {
  const name = cleanCharacterName(input.name);
  const description = cleanCharacterDescription(input.description);
  if (!input.reference) throw new UserFacingError("Attach a `reference` image of the character (JPEG, PNG or WebP).");
  checkDeclaredSizes({ reference: input.reference, ...(input.mask ? { mask: input.mask } : {}) });
  if (await ctx.characters.byName(scopeOf(interaction), name)) throw new UserFacingError(`There is already a character called **${name}** here. Pick another name.`);
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const [reference, mask] = await Promise.all([
    downloadImageAttachment(input.reference, "reference", download),
    input.mask ? downloadImageAttachment(input.mask, "mask", download) : undefined,
  ]);
  checkDeclaredSizes({ reference: { ...input.reference, size: reference.bytes.length }, ...(input.mask && mask ? { mask: { ...input.mask, size: mask.bytes.length } } : {}) });
  const [referenceUrl, maskUrl] = await Promise.all([
    ctx.fal.upload(reference.bytes, reference.contentType, reference.fileName, "saved-character"),
    mask ? ctx.fal.upload(mask.bytes, mask.contentType, mask.fileName, "saved-character") : undefined,
  ]).catch((error: unknown) => {
    ctx.logger.warn({ err: error }, "character upload to fal failed");
    throw new UserFacingError("The images could not be stored on fal right now. Please try again in a few minutes.");
  });
  const character = await createUnique(ctx, {
    id: ctx.newJobId(),
    scope: scopeOf(interaction),
    name,
    referenceUrl,
    maskUrl,
    description,
    creatorId: interaction.user.id,
    images: {
      reference: { bytes: asBuffer(reference.bytes), contentType: reference.contentType },
      ...(mask ? { mask: { bytes: asBuffer(mask.bytes), contentType: mask.contentType } } : {}),
    },
  });
  ctx.logger.info({ characterId: character.id, guildId: interaction.guildId, userId: interaction.user.id }, "character saved");
  await interaction.editReply({
    content: `✅ Saved **${character.name}**. Use it with \`/imagine character:${character.name}\`.`,
    embeds: [characterEmbed(character)],
  });
}

async function createUnique(ctx: AppContext, character: Parameters<AppContext["characters"]["create"]>[0]): Promise<Character> {
  try {
    return await ctx.characters.create(character);
  } catch (error) {
    if (error instanceof DuplicateCharacterError) throw new UserFacingError(`There is already a character called **${error.characterName}** here. Pick another name.`);
    throw error;
  }
}

function characterEmbed(character: Character, extra: Partial<APIEmbed> = {}): APIEmbed {
  return {
    title: character.name,
    ...(character.description ? { description: character.description } : {}),
    thumbnail: { url: character.referenceUrl },
    ...extra,
  };
}

/** /character list: a page of the server's characters, each with its reference as a thumbnail. */
export async function listCharacters(interaction: ChatInputCommandInteraction | ButtonInteraction, ctx: AppContext, page: number): Promise<void> {
  const { characters, total } = await ctx.characters.list(scopeOf(interaction), (page - 1) * LIST_PAGE_SIZE, LIST_PAGE_SIZE);
  const pages = Math.max(1, Math.ceil(total / LIST_PAGE_SIZE));
  const message = {
    content:
      total === 0
        ? "No characters are saved here yet. Save one with `/character save`."
        : `**Saved characters** — page ${Math.min(page, pages)} of ${pages} (${total} in all)`,
    embeds: characters.map((character) => characterEmbed(character, { footer: { text: `used ${character.timesUsed} time${character.timesUsed === 1 ? "" : "s"}` } })),
    components:
      pages > 1
        ? [
            {
              type: ComponentType.ActionRow as const,
              components: [
                { type: ComponentType.Button as const, style: ButtonStyle.Secondary, label: "Previous", custom_id: `character:list:${page - 1}`, disabled: page <= 1 },
                { type: ComponentType.Button as const, style: ButtonStyle.Secondary, label: "Next", custom_id: `character:list:${page + 1}`, disabled: page >= pages },
              ],
            },
          ]
        : [],
  };
  if (interaction.isButton()) await interaction.update(message);
  else await interaction.reply({ ...message, flags: MessageFlags.Ephemeral });
}

/** /character show: reference, creator, times used, and the latest scenes made with it. */
export async function showCharacter(interaction: ChatInputCommandInteraction, ctx: AppContext, name: string): Promise<void> {
  const character = await mustFind(ctx, interaction, name);
  const scenes = await ctx.characters.recentScenes(character.id, 3);
  await interaction.reply({
    embeds: [
      {
        ...characterEmbed(character),
        thumbnail: undefined,
        image: { url: character.referenceUrl },
        fields: [
          { name: "Created by", value: `<@${character.creatorId}>`, inline: true },
          { name: "Used", value: `${character.timesUsed} time${character.timesUsed === 1 ? "" : "s"}`, inline: true },
          { name: "Mask", value: character.maskUrl ? "yes" : "no", inline: true },
        ],
      },
      ...scenes.map((url, index) => ({ title: `Recent scene ${index + 1}`, image: { url } })),
    ],
    allowedMentions: { parse: [] },
    flags: MessageFlags.Ephemeral,
  });
}

/** /character rename: creator or Manage Server. */
export async function renameCharacter(interaction: ChatInputCommandInteraction, ctx: AppContext, name: string, newName: string): Promise<void> {
  const character = await mustFind(ctx, interaction, name);
  if (!mayManage(interaction, character)) throw new UserFacingError("Only the member who saved this character, or someone with Manage Server, can rename it.");
  const cleaned = cleanCharacterName(newName);
  let renamed: Character;
  try {
    renamed = await ctx.characters.rename(character.id, cleaned);
  } catch (error) {
    if (error instanceof DuplicateCharacterError) throw new UserFacingError(`There is already a character called **${cleaned}** here.`);
    // Deleted by someone else between the lookup and the rename: say so rather than apologise for an error.
    if (error instanceof CharacterNotFoundError) throw new UserFacingError(`**${character.name}** was deleted in the meantime.`);
    throw error;
  }
  await interaction.reply({ content: `✏️ **${character.name}** is now **${renamed.name}**.`, flags: MessageFlags.Ephemeral });
}

/** /character delete: asks for confirmation with buttons; creator or Manage Server. */
export async function askToDeleteCharacter(interaction: ChatInputCommandInteraction, ctx: AppContext, name: string): Promise<void> {
  const character = await mustFind(ctx, interaction, name);
  if (!mayManage(interaction, character)) throw new UserFacingError("Only the member who saved this character, or someone with Manage Server, can delete it.");
  await interaction.reply({
    content: `Delete **${character.name}**? Scenes already posted stay; the character can't be used again.`,
    components: [
      {
        type: ComponentType.ActionRow,
        components: [
          { type: ComponentType.Button, style: ButtonStyle.Danger, label: "Delete", custom_id: `character:delete:${character.id}` },
          { type: ComponentType.Button, style: ButtonStyle.Secondary, label: "Keep", custom_id: `character:keep:${character.id}` },
        ],
      },
    ],
    flags: MessageFlags.Ephemeral,
  });
}

/** The character buttons: list pages, delete confirmation. Returns false for buttons that are not ours. */
export async function handleCharacterButton(interaction: ButtonInteraction, ctx: AppContext): Promise<boolean> {
  const [prefix, action, argument] = interaction.customId.split(":");
  if (prefix !== "character" || !argument) return false;
  if (action === "list") {
    await listCharacters(interaction, ctx, Math.max(1, Number.parseInt(argument, 10) || 1));
    return true;
  }
  if (action === "keep") {
    await interaction.update({ content: "Kept.", components: [] });
    return true;
  }
  if (action !== "delete") return false;
  const character = await ctx.characters.byId(argument);
  if (!character) {
    await interaction.update({ content: "That character was already deleted.", components: [] });
    return true;
  }
  if (!mayManage(interaction, character)) {
    await interaction.reply({ content: "Only the member who saved this character, or someone with Manage Server, can delete it.", flags: MessageFlags.Ephemeral });
    return true;
  }
  // Deleting twice (two confirmations pressed at once) is harmless: the second deletes nothing.
  await ctx.characters.delete(character.id);
  ctx.logger.info({ characterId: character.id, userId: interaction.user.id }, "character deleted");
  await interaction.update({ content: `🗑️ Deleted **${character.name}**.`, components: [] });
  return true;
}

/** The same bytes as a Buffer, without copying them. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
