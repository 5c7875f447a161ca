import { ApplicationCommandOptionType, InteractionContextType, type ChatInputCommandInteraction } from "discord.js";
import type { Command } from "../src/discord/command.js";
import { choices, readAttachment, readBoolean, readChoice, readInteger, readString } from "../src/discord/option-readers.js";
import { autocompleteCharacterOrPalette } from "../src/discord/scene-autocomplete.js";
import { startSceneJob } from "../src/discord/scene-flow.js";
import { checkEditOptions, type EditOptions } from "../src/domain/edit-request.js";
import { MAX_IMAGES, SPEEDS } from "../src/domain/fal-enums.js";
import { MAX_PALETTE_LENGTH, MAX_PROMPT_LENGTH, MAX_SEED, MAX_STYLE_CODES_LENGTH } from "../src/domain/imagine-request.js";
import { REGION_CHOICES } from "../src/domain/region-names.js";
import { withServerDefaults } from "../src/domain/server-policy.js";

/** /edit: repaint part of an image (a region, or the member's mask) with their character, through fal's character/edit. */
export const edit = {
  definition: {
    name: "edit",
    description: "Repaint part of an image with your character",
    contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
    options: [
      { type: ApplicationCommandOptionType.String, name: "prompt", description: "What to paint into that part of the image", required: true, max_length: MAX_PROMPT_LENGTH },
      { type: ApplicationCommandOptionType.Attachment, name: "image", description: "The image to edit (JPEG, PNG or WebP, up to 10 MB)", required: true },
      { type: ApplicationCommandOptionType.String, name: "region", description: "The part to repaint (or attach a mask instead)", choices: choices(REGION_CHOICES) },
      { type: ApplicationCommandOptionType.Attachment, name: "mask", description: "Your own mask, the image's exact size: black = repaint, white = keep" },
      { type: ApplicationCommandOptionType.Attachment, name: "reference", description: "An image of your character, or use `character`" },
      { type: ApplicationCommandOptionType.String, name: "character", description: "A saved character (see /character), instead of a reference image", autocomplete: true, max_length: 100 },
      { type: ApplicationCommandOptionType.String, name: "speed", description: "Faster is cheaper; quality costs more (see /help)", choices: choices(SPEEDS) },
      { type: ApplicationCommandOptionType.Integer, name: "count", description: `How many versions (1–${MAX_IMAGES})`, min_value: 1, max_value: MAX_IMAGES },
      { type: ApplicationCommandOptionType.Integer, name: "seed", description: "Seed, to repeat a result", min_value: 0, max_value: MAX_SEED },
      { type: ApplicationCommandOptionType.Boolean, name: "magic_prompt", description: "Let the model expand your prompt (fal's default: on)" },
      { type: ApplicationCommandOptionType.String, name: "palette", description: "A preset, or hex colours with weights: #ff0000:0.8 #0000ff", autocomplete: true, max_length: MAX_PALETTE_LENGTH },
      { type: ApplicationCommandOptionType.String, name: "style_codes", description: "8-hex style codes, separated by spaces or commas", max_length: MAX_STYLE_CODES_LENGTH },
      { type: ApplicationCommandOptionType.Attachment, name: "style_reference", description: "An image whose style to follow" },
      { type: ApplicationCommandOptionType.Boolean, name: "private", description: "Only you see the images" },
    ],
  },

  async execute(interaction, ctx) {
    const options = readOptions(interaction);
    await startSceneJob(interaction, ctx, { character: options.character, private: options.private, check: (server) => checkEditOptions(withServerDefaults(options, server)) });
  },

  autocomplete: autocompleteCharacterOrPalette,
} satisfies Command;

function readOptions(interaction: ChatInputCommandInteraction): EditOptions {
  const o = interaction.options;
  return {
    prompt: readString(o, "prompt") ?? "",
    image: readAttachment(o, "image"),
    region: readChoice(o, "region", REGION_CHOICES),
    mask: readAttachment(o, "mask"),
    reference: readAttachment(o, "reference"),
    character: readString(o, "character"),
    speed: readChoice(o, "speed", SPEEDS),
    count: readInteger(o, "count"),
    seed: readInteger(o, "seed"),
    magicPrompt: readBoolean(o, "magic_prompt"),
    palette: readString(o, "palette"),
    styleCodes: readString(o, "style_codes"),
    styleReference: readAttachment(o, "style_reference"),
    private: readBoolean(o, "private"),
  };
}
