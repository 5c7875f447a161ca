import { ApplicationCommandOptionType, InteractionContextType, type ChatInputCommandInteraction } from "discord.js";
import type { Command } from "../src/discord/command.js";
import { choices, readAttachment, readBoolean, readChoice, readInteger, readNumber, readString } from "../src/discord/option-readers.js";
import { autocompleteCharacterOrPalette } from "../src/discord/scene-autocomplete.js";
import { startSceneJob } from "../src/discord/scene-flow.js";
import { IMAGE_SIZES, MAX_IMAGES, SPEEDS, STYLES } from "../src/domain/fal-enums.js";
import { MAX_NEGATIVE_PROMPT_LENGTH, MAX_PALETTE_LENGTH, MAX_PROMPT_LENGTH, MAX_SEED, MAX_STYLE_CODES_LENGTH } from "../src/domain/imagine-request.js";
import { checkRemixOptions, MAX_STRENGTH, MIN_STRENGTH, type RemixOptions } from "../src/domain/remix-request.js";
import { withServerDefaults } from "../src/domain/server-policy.js";

/** /remix: re-imagine a whole image with the member's character, through fal's character/remix. */
export const remix = {
  definition: {
    name: "remix",
    description: "Re-imagine an image with your character in it",
    contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
    options: [
      { type: ApplicationCommandOptionType.String, name: "prompt", description: "The scene the image should become", required: true, max_length: MAX_PROMPT_LENGTH },
      { type: ApplicationCommandOptionType.Attachment, name: "image", description: "The image to remix (JPEG, PNG or WebP, up to 10 MB)", required: true },
      { type: ApplicationCommandOptionType.Number, name: "strength", description: "How much to change it: 0.01 stays close, 1 changes most (default 0.8)", min_value: MIN_STRENGTH, max_value: MAX_STRENGTH },
      { type: ApplicationCommandOptionType.Attachment, name: "reference", description: "An image of your character, or use `character`" },
      { type: ApplicationCommandOptionType.String, name: "character", description: "A saved character (see /character), instead of a reference image", autocomplete: true, max_length: 100 },
      { type: ApplicationCommandOptionType.Attachment, name: "mask", description: "Mask for the reference: which part is the character" },
      { type: ApplicationCommandOptionType.String, name: "style", description: "Overall look", choices: choices(STYLES) },
      { type: ApplicationCommandOptionType.String, name: "size", description: "Image shape", choices: choices(IMAGE_SIZES) },
      { type: ApplicationCommandOptionType.String, name: "speed", description: "Faster is cheaper; quality costs more (see /help)", choices: choices(SPEEDS) },
      { type: ApplicationCommandOptionType.Integer, name: "count", description: `How many images (1–${MAX_IMAGES})`, min_value: 1, max_value: MAX_IMAGES },
      { type: ApplicationCommandOptionType.Integer, name: "seed", description: "Seed, to repeat a result", min_value: 0, max_value: MAX_SEED },
      { type: ApplicationCommandOptionType.String, name: "negative_prompt", description: "What to leave out", max_length: MAX_NEGATIVE_PROMPT_LENGTH },
      { type: ApplicationCommandOptionType.Boolean, name: "magic_prompt", description: "Let the model expand your prompt (fal's default: on)" },
      { type: ApplicationCommandOptionType.String, name: "palette", description: "A preset, or hex colours with weights: #ff0000:0.8 #0000ff", autocomplete: true, max_length: MAX_PALETTE_LENGTH },
      { type: ApplicationCommandOptionType.String, name: "style_codes", description: "8-hex style codes, separated by spaces or commas", max_length: MAX_STYLE_CODES_LENGTH },
      { type: ApplicationCommandOptionType.Attachment, name: "style_reference", description: "An image whose style to follow" },
      { type: ApplicationCommandOptionType.Boolean, name: "private", description: "Only you see the images" },
    ],
  },

  async execute(interaction, ctx) {
    const options = readOptions(interaction);
    await startSceneJob(interaction, ctx, { character: options.character, private: options.private, check: (server) => checkRemixOptions(withServerDefaults(options, server)) });
  },

  autocomplete: autocompleteCharacterOrPalette,
} satisfies Command;

function readOptions(interaction: ChatInputCommandInteraction): RemixOptions {
  const o = interaction.options;
  return {
    prompt: readString(o, "prompt") ?? "",
    image: readAttachment(o, "image"),
    strength: readNumber(o, "strength"),
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
    palette: readString(o, "palette"),
    styleCodes: readString(o, "style_codes"),
    styleReference: readAttachment(o, "style_reference"),
    private: readBoolean(o, "private"),
  };
}
