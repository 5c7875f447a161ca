import { ApplicationCommandOptionType, type ChatInputCommandInteraction } from "discord.js";
import type { Command } from "../src/discord/command.js";
import { GENERATION_OPTIONS, readGenerationOptions } from "../src/discord/generation-options.js";
import { choices, readAttachment, readChoice, readInteger, readString } from "../src/discord/option-readers.js";
import { autocompleteCharacterOrPalette } from "../src/discord/scene-autocomplete.js";
import { startSceneJob } from "../src/discord/scene-flow.js";
import { checkEditOptions, type EditOptions } from "../src/domain/edit-request.js";
import { MAX_IMAGES } from "../src/domain/fal-enums.js";
import { MAX_PROMPT_LENGTH } from "../src/domain/imagine-request.js";
import { REGION_CHOICES } from "../src/domain/region-names.js";
import { withServerDefaults } from "../src/domain/server-policy.js";

/** /edit: repaint part of an image (a region, or the member's mask) with their character, through fal's character/edit. */
export const edit = {
  scope: "anywhere",
  definition: {
    name: "edit",
    description: "Repaint part of an image with your character",
    options: [
      { type: ApplicationCommandOptionType.String, name: "prompt", description: "What to paint into that part of the image", required: true, max_length: MAX_PROMPT_LENGTH },
      { type: ApplicationCommandOptionType.Attachment, name: "image", description: "The image to edit (JPEG, PNG or WebP, up to 10 MB)", required: true },
      { type: ApplicationCommandOptionType.String, name: "region", description: "The part to repaint (or attach a mask instead)", choices: choices(REGION_CHOICES) },
      { type: ApplicationCommandOptionType.Attachment, name: "mask", description: "Your own mask, the image's exact size: black = repaint, white = keep" },
      GENERATION_OPTIONS.reference,
      GENERATION_OPTIONS.character,
      GENERATION_OPTIONS.speed,
      { type: ApplicationCommandOptionType.Integer, name: "count", description: `How many versions (1–${MAX_IMAGES})`, min_value: 1, max_value: MAX_IMAGES },
      GENERATION_OPTIONS.seed,
      GENERATION_OPTIONS.magicPrompt,
      GENERATION_OPTIONS.palette,
      GENERATION_OPTIONS.styleCodes,
      GENERATION_OPTIONS.styleReference,
      GENERATION_OPTIONS.private,
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
    ...readGenerationOptions(interaction),
    prompt: readString(o, "prompt") ?? "",
    image: readAttachment(o, "image"),
    region: readChoice(o, "region", REGION_CHOICES),
    mask: readAttachment(o, "mask"),
    count: readInteger(o, "count"),
  };
}
