import {
  ApplicationCommandOptionType,
  type ChatInputCommandInteraction,
} from "discord.js";
import type { Command } from "../src/discord/command.js";
import { GENERATION_OPTIONS, readGenerationOptions } from "../src/discord/generation-options.js";
import { suggestCharacters } from "../src/discord/character-autocomplete.js";
import { startImagine } from "../src/discord/imagine-flow.js";
import { choices, readAttachment, readChoice, readString } from "../src/discord/option-readers.js";
import { MAX_PROMPT_LENGTH, type ImagineOptions } from "../src/domain/imagine-request.js";
import { suggestPalettes } from "../src/domain/palette.js";
import { PLACEMENTS } from "../src/domain/two-characters.js";
import { characterServerOf } from "../src/discord/character-scope-of.js";


/** /imagine: put the character from a reference image into a new scene (options as in DESIGN.md). */
export const imagine = {
  scope: "anywhere",
  definition: {
    name: "imagine",
    description: "Put your character into a new scene",
    options: [
      { type: ApplicationCommandOptionType.String, name: "prompt", description: "The scene to put your character in", required: true, max_length: MAX_PROMPT_LENGTH },
      GENERATION_OPTIONS.reference,
      GENERATION_OPTIONS.character,
      GENERATION_OPTIONS.style,
      GENERATION_OPTIONS.size,
      GENERATION_OPTIONS.speed,
      GENERATION_OPTIONS.count,
      GENERATION_OPTIONS.seed,
      GENERATION_OPTIONS.negativePrompt,
      GENERATION_OPTIONS.magicPrompt,
      GENERATION_OPTIONS.mask,
      GENERATION_OPTIONS.styleReference,
      GENERATION_OPTIONS.palette,
      GENERATION_OPTIONS.styleCodes,
      GENERATION_OPTIONS.private,
      // Two characters in one scene: the scene is made with the first, then the second is painted into one side.
      { type: ApplicationCommandOptionType.String, name: "second_character", description: "A second saved character in the same scene (two fal steps: see /help)", autocomplete: true, max_length: 100 },
      { type: ApplicationCommandOptionType.Attachment, name: "second_reference", description: "An image of a second character, instead of second_character" },
      { type: ApplicationCommandOptionType.String, name: "placement", description: "Which side the second character goes (default: right)", choices: choices(PLACEMENTS) },
    ],
  },

  async execute(interaction, ctx) {
    await startImagine(interaction, readOptions(interaction), ctx);
  },

  async autocomplete(interaction, ctx) {
    const focused = interaction.options.getFocused(true);
    const typed = String(focused.value);
    if (focused.name === "character" || focused.name === "second_character") {
      await interaction.respond(await suggestCharacters(ctx, characterServerOf(interaction), interaction.user.id, typed));
      return;
    }
    const presets = focused.name === "palette" ? suggestPalettes(typed) : [];
    // Discord accepts free text in an autocompleted option; when no preset matches (hex colours), echo what was typed.
    const suggestions = presets.length > 0 ? presets.map((name) => ({ name: name.charAt(0) + name.slice(1).toLowerCase(), value: name })) : typed.trim() ? [{ name: typed.slice(0, 100), value: typed.slice(0, 100) }] : [];
    await interaction.respond(suggestions.slice(0, 25));
  },
} satisfies Command;

function readOptions(interaction: ChatInputCommandInteraction): ImagineOptions {
  const o = interaction.options;
  return {
    ...readGenerationOptions(interaction),
    prompt: readString(o, "prompt") ?? "",
    secondCharacter: readString(o, "second_character"),
    secondReference: readAttachment(o, "second_reference"),
    placement: readChoice(o, "placement", PLACEMENTS),
  };
}

