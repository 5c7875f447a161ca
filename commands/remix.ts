import { ApplicationCommandOptionType, type ChatInputCommandInteraction } from "discord.js";
import type { Command } from "../src/discord/command.js";
import { GENERATION_OPTIONS, readGenerationOptions } from "../src/discord/generation-options.js";
import { readAttachment, readNumber, readString } from "../src/discord/option-readers.js";
import { autocompleteCharacterOrPalette } from "../src/discord/scene-autocomplete.js";
import { startSceneJob } from "../src/discord/scene-flow.js";
import { MAX_PROMPT_LENGTH } from "../src/domain/imagine-request.js";
import { checkRemixOptions, MAX_STRENGTH, MIN_STRENGTH, type RemixOptions } from "../src/domain/remix-request.js";
import { withServerDefaults } from "../src/domain/server-policy.js";

/** /remix: re-imagine a whole image with the member's character, through fal's character/remix. */
export const remix = {
  scope: "anywhere",
  definition: {
    name: "remix",
    description: "Re-imagine an image with your character in it",
    options: [
      { type: ApplicationCommandOptionType.String, name: "prompt", description: "The scene the image should become", required: true, max_length: MAX_PROMPT_LENGTH },
      { type: ApplicationCommandOptionType.Attachment, name: "image", description: "The image to remix (JPEG, PNG or WebP, up to 10 MB)", required: true },
      { type: ApplicationCommandOptionType.Number, name: "strength", description: "How much to change it: 0.01 stays close, 1 changes most (default 0.8)", min_value: MIN_STRENGTH, max_value: MAX_STRENGTH },
      GENERATION_OPTIONS.reference,
      GENERATION_OPTIONS.character,
      GENERATION_OPTIONS.mask,
      GENERATION_OPTIONS.style,
      GENERATION_OPTIONS.size,
      GENERATION_OPTIONS.speed,
      GENERATION_OPTIONS.count,
      GENERATION_OPTIONS.seed,
      GENERATION_OPTIONS.negativePrompt,
      GENERATION_OPTIONS.magicPrompt,
      GENERATION_OPTIONS.palette,
      GENERATION_OPTIONS.styleCodes,
      GENERATION_OPTIONS.styleReference,
      GENERATION_OPTIONS.private,
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
    ...readGenerationOptions(interaction),
    prompt: readString(o, "prompt") ?? "",
    image: readAttachment(o, "image"),
    strength: readNumber(o, "strength"),
  };
}
