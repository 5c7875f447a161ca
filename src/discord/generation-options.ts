import { ApplicationCommandOptionType, type APIApplicationCommandBasicOption, type ChatInputCommandInteraction } from "discord.js";
import { IMAGE_SIZES, MAX_IMAGES, SPEEDS, STYLES } from "../domain/fal-enums.js";
import { MAX_NEGATIVE_PROMPT_LENGTH, MAX_PALETTE_LENGTH, MAX_SEED, MAX_STYLE_CODES_LENGTH } from "../domain/imagine-request.js";
import { choices, readAttachment, readBoolean, readChoice, readInteger, readString } from "./option-readers.js";

/**
 * The options /imagine, /edit and /remix share, defined once so the same option reads and is
 * described the same way in every command (each command lists the ones its endpoint takes).
 */
export const GENERATION_OPTIONS = {
  reference: { type: ApplicationCommandOptionType.Attachment, name: "reference", description: "An image of your character (JPEG, PNG or WebP, up to 10 MB), or use `character`" },
  character: { type: ApplicationCommandOptionType.String, name: "character", description: "A saved character (see /character), instead of a reference image", autocomplete: true, max_length: 100 },
  mask: { type: ApplicationCommandOptionType.Attachment, name: "mask", description: "Mask for the reference: which part is the character" },
  style: { type: ApplicationCommandOptionType.String, name: "style", description: "Overall look", choices: choices(STYLES) },
  size: { type: ApplicationCommandOptionType.String, name: "size", description: "Image shape", choices: choices(IMAGE_SIZES) },
  speed: { type: ApplicationCommandOptionType.String, name: "speed", description: "Faster is cheaper; quality costs more (see /help)", choices: choices(SPEEDS) },
  count: { type: ApplicationCommandOptionType.Integer, name: "count", description: `How many images (1–${MAX_IMAGES})`, min_value: 1, max_value: MAX_IMAGES },
  seed: { type: ApplicationCommandOptionType.Integer, name: "seed", description: "Seed, to repeat a result", min_value: 0, max_value: MAX_SEED },
  negativePrompt: { type: ApplicationCommandOptionType.String, name: "negative_prompt", description: "What to leave out", max_length: MAX_NEGATIVE_PROMPT_LENGTH },
  magicPrompt: { type: ApplicationCommandOptionType.Boolean, name: "magic_prompt", description: "Let the model expand your prompt (fal's default: on)" },
  styleReference: { type: ApplicationCommandOptionType.Attachment, name: "style_reference", description: "An image whose style to follow" },
  palette: { type: ApplicationCommandOptionType.String, name: "palette", description: "A preset, or hex colours with weights: #ff0000:0.8 #0000ff", autocomplete: true, max_length: MAX_PALETTE_LENGTH },
  styleCodes: { type: ApplicationCommandOptionType.String, name: "style_codes", description: "8-hex style codes, separated by spaces or commas", max_length: MAX_STYLE_CODES_LENGTH },
  private: { type: ApplicationCommandOptionType.Boolean, name: "private", description: "Only you see the images" },
} as const satisfies Record<string, APIApplicationCommandBasicOption>;

/**
 * Reads the shared options (each null when the command has no such option or the member left it
 * out); a command adds its own on top.
 */
export function readGenerationOptions(interaction: ChatInputCommandInteraction) {
  const o = interaction.options;
  return {
    reference: readAttachment(o, "reference"),
    character: readString(o, "character"),
    mask: readAttachment(o, "mask"),
    style: readChoice(o, "style", STYLES),
    size: readChoice(o, "size", IMAGE_SIZES),
    speed: readChoice(o, "speed", SPEEDS),
    count: readInteger(o, "count"),
    seed: readInteger(o, "seed"),
    negativePrompt: readString(o, "negative_prompt"),
    magicPrompt: readBoolean(o, "magic_prompt"),
    styleReference: readAttachment(o, "style_reference"),
    palette: readString(o, "palette"),
    styleCodes: readString(o, "style_codes"),
    private: readBoolean(o, "private"),
  };
}
