import {
  ApplicationCommandOptionType,
  InteractionContextType,
  type ChatInputCommandInteraction,
} from "discord.js";
import type { Command } from "../src/discord/command.js";
import { suggestCharacters } from "../src/discord/character-autocomplete.js";
import { startImagine } from "../src/discord/imagine-flow.js";
import { choices, readAttachment, readBoolean, readChoice, readInteger, readString } from "../src/discord/option-readers.js";
import { IMAGE_SIZES, MAX_IMAGES, SPEEDS, STYLES } from "../src/domain/fal-enums.js";
import { MAX_PROMPT_LENGTH, MAX_SEED, type ImagineOptions, MAX_NEGATIVE_PROMPT_LENGTH, MAX_PALETTE_LENGTH, MAX_STYLE_CODES_LENGTH } from "../src/domain/imagine-request.js";
import { suggestPalettes } from "../src/domain/palette.js";
import { PLACEMENTS } from "../src/domain/two-characters.js";


/** /imagine: put the character from a reference image into a new scene (options as in DESIGN.md). */
export const imagine = {
  definition: {
    name: "imagine",
    description: "Put your character into a new scene",
    // Servers, and the bot's DMs (where a member's own saved characters live).
    contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
    options: [
      { type: ApplicationCommandOptionType.String, name: "prompt", description: "The scene to put your character in", required: true, max_length: MAX_PROMPT_LENGTH },
      { type: ApplicationCommandOptionType.Attachment, name: "reference", description: "An image of your character (JPEG, PNG or WebP, up to 10 MB), or use `character`" },
      { type: ApplicationCommandOptionType.String, name: "character", description: "A saved character (see /character), instead of a reference image", autocomplete: true, max_length: 100 },
      { type: ApplicationCommandOptionType.String, name: "style", description: "Overall look", choices: choices(STYLES) },
      { type: ApplicationCommandOptionType.String, name: "size", description: "Image shape", choices: choices(IMAGE_SIZES) },
      { type: ApplicationCommandOptionType.String, name: "speed", description: "Faster is cheaper; quality costs more (see /help)", choices: choices(SPEEDS) },
      { type: ApplicationCommandOptionType.Integer, name: "count", description: `How many images (1–${MAX_IMAGES})`, min_value: 1, max_value: MAX_IMAGES },
      { type: ApplicationCommandOptionType.Integer, name: "seed", description: "Seed, to repeat a result", min_value: 0, max_value: MAX_SEED },
      { type: ApplicationCommandOptionType.String, name: "negative_prompt", description: "What to leave out", max_length: MAX_NEGATIVE_PROMPT_LENGTH },
      { type: ApplicationCommandOptionType.Boolean, name: "magic_prompt", description: "Let the model expand your prompt (fal's default: on)" },
      { type: ApplicationCommandOptionType.Attachment, name: "mask", description: "Mask for the reference: which part is the character" },
      { type: ApplicationCommandOptionType.Attachment, name: "style_reference", description: "An image whose style to follow" },
      { type: ApplicationCommandOptionType.String, name: "palette", description: "A preset, or hex colours with weights: #ff0000:0.8 #0000ff", autocomplete: true, max_length: MAX_PALETTE_LENGTH },
      { type: ApplicationCommandOptionType.String, name: "style_codes", description: "8-hex style codes, separated by spaces or commas", max_length: MAX_STYLE_CODES_LENGTH },
      { type: ApplicationCommandOptionType.Boolean, name: "private", description: "Only you see the images" },
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
      await interaction.respond(await suggestCharacters(ctx, interaction.guildId, interaction.user.id, typed));
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
    prompt: readString(o, "prompt") ?? "",
    reference: readAttachment(o, "reference"),
    character: readString(o, "character"),
    mask: readAttachment(o, "mask"),
    styleReference: readAttachment(o, "style_reference"),
    style: readChoice(o, "style", STYLES),
    size: readChoice(o, "size", IMAGE_SIZES),
    speed: readChoice(o, "speed", SPEEDS),
    count: readInteger(o, "count"),
    seed: readInteger(o, "seed"),
    negativePrompt: readString(o, "negative_prompt"),
    magicPrompt: readBoolean(o, "magic_prompt"),
    palette: readString(o, "palette"),
    styleCodes: readString(o, "style_codes"),
    private: readBoolean(o, "private"),
    secondCharacter: readString(o, "second_character"),
    secondReference: readAttachment(o, "second_reference"),
    placement: readChoice(o, "placement", PLACEMENTS),
  };
}

