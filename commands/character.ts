import { ApplicationCommandOptionType } from "discord.js";
import { suggestCharacters } from "../src/discord/character-autocomplete.js";
import { characterServerOf } from "../src/discord/character-scope-of.js";
import { askToDeleteCharacter, listCharacters, renameCharacter, saveCharacter, showCharacter } from "../src/discord/character-handlers.js";
import type { Command } from "../src/discord/command.js";
import { readAttachment, readInteger, readString } from "../src/discord/option-readers.js";
import { MAX_CHARACTER_DESCRIPTION_LENGTH, MAX_CHARACTER_NAME_LENGTH } from "../src/domain/character-name.js";
import { UserFacingError } from "../src/domain/errors.js";

const nameOption = (description: string) =>
  ({ type: ApplicationCommandOptionType.String, name: "name", description, required: true, autocomplete: true, max_length: 100 }) as const;

/** /character: a server's saved cast (per user in DMs). */
export const character = {
  scope: "anywhere",
  definition: {
    name: "character",
    description: "Save characters and reuse them in /imagine",
    options: [
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: "save",
        description: "Save a character from a reference image",
        options: [
          { type: ApplicationCommandOptionType.String, name: "name", description: "Its name (unique here)", required: true, max_length: MAX_CHARACTER_NAME_LENGTH * 2 },
          { type: ApplicationCommandOptionType.Attachment, name: "reference", description: "An image of the character (JPEG, PNG or WebP, up to 10 MB)", required: true },
          { type: ApplicationCommandOptionType.Attachment, name: "mask", description: "Which part of the reference is the character" },
          { type: ApplicationCommandOptionType.String, name: "description", description: "A short description, added to prompts that use it", max_length: MAX_CHARACTER_DESCRIPTION_LENGTH },
        ],
      },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: "list",
        description: "The saved characters",
        options: [{ type: ApplicationCommandOptionType.Integer, name: "page", description: "Page number", min_value: 1 }],
      },
      { type: ApplicationCommandOptionType.Subcommand, name: "show", description: "A character's reference, creator, use and recent scenes", options: [nameOption("The character")] },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: "rename",
        description: "Rename a character (its creator or Manage Server)",
        options: [
          nameOption("The character"),
          { type: ApplicationCommandOptionType.String, name: "new_name", description: "The new name", required: true, max_length: MAX_CHARACTER_NAME_LENGTH * 2 },
        ],
      },
      { type: ApplicationCommandOptionType.Subcommand, name: "delete", description: "Delete a character (its creator or Manage Server)", options: [nameOption("The character")] },
    ],
  },

  async execute(interaction, ctx) {
    const o = interaction.options;
    const name = () => readString(o, "name") ?? "";
    switch (o.getSubcommand(false)) {
      case "save":
        return saveCharacter(interaction, ctx, { name: name(), reference: readAttachment(o, "reference"), mask: readAttachment(o, "mask"), description: readString(o, "description") });
      case "list":
        return listCharacters(interaction, ctx, Math.max(1, readInteger(o, "page") ?? 1));
      case "show":
        return showCharacter(interaction, ctx, name());
      case "rename":
        return renameCharacter(interaction, ctx, name(), readString(o, "new_name") ?? "");
      case "delete":
        return askToDeleteCharacter(interaction, ctx, name());
      default:
        throw new UserFacingError("Pick one of the /character subcommands: save, list, show, rename or delete.");
    }
  },

  async autocomplete(interaction, ctx) {
    const focused = interaction.options.getFocused(true);
    await interaction.respond(focused.name === "name" ? await suggestCharacters(ctx, characterServerOf(interaction), interaction.user.id, String(focused.value)) : []);
  },
} satisfies Command;
