import { ApplicationCommandOptionType, type ChatInputCommandInteraction } from "discord.js";
import type { Command } from "../src/discord/command.js";
import { readAttachment, readBoolean, readInteger, readString } from "../src/discord/option-readers.js";
import { startSceneJob } from "../src/discord/scene-flow.js";
import { MAX_PROMPT_LENGTH, MAX_SEED } from "../src/domain/imagine-request.js";
import { checkUpscaleOptions, MAX_UPSCALE_LEVEL, MIN_UPSCALE_LEVEL, type UpscaleOptions } from "../src/domain/upscale-request.js";

/** /upscale: enlarge an image and sharpen its detail, through fal's ideogram/upscale (no character). */
export const upscale = {
  scope: "anywhere",
  definition: {
    name: "upscale",
    description: "Enlarge an image and sharpen its detail",
    options: [
      { type: ApplicationCommandOptionType.Attachment, name: "image", description: "The image to upscale (JPEG, PNG or WebP, up to 10 MB)", required: true },
      { type: ApplicationCommandOptionType.String, name: "prompt", description: "Optional: what the image shows, to guide the new detail", max_length: MAX_PROMPT_LENGTH },
      { type: ApplicationCommandOptionType.Integer, name: "resemblance", description: "How closely to keep the original (1–100, default 50)", min_value: MIN_UPSCALE_LEVEL, max_value: MAX_UPSCALE_LEVEL },
      { type: ApplicationCommandOptionType.Integer, name: "detail", description: "How much new detail to add (1–100, default 50)", min_value: MIN_UPSCALE_LEVEL, max_value: MAX_UPSCALE_LEVEL },
      { type: ApplicationCommandOptionType.Boolean, name: "magic_prompt", description: "Let the model expand your prompt (fal's default: on)" },
      { type: ApplicationCommandOptionType.Integer, name: "seed", description: "Seed, to repeat a result", min_value: 0, max_value: MAX_SEED },
      { type: ApplicationCommandOptionType.Boolean, name: "private", description: "Only you see the image" },
    ],
  },

  async execute(interaction, ctx) {
    const options = readOptions(interaction);
    // No character and no server defaults (an upscale has no style, size, speed or count); the server's rules and budgets still apply.
    await startSceneJob(interaction, ctx, { private: options.private, check: () => checkUpscaleOptions(options) });
  },
} satisfies Command;

function readOptions(interaction: ChatInputCommandInteraction): UpscaleOptions {
  const o = interaction.options;
  return {
    image: readAttachment(o, "image"),
    prompt: readString(o, "prompt"),
    resemblance: readInteger(o, "resemblance"),
    detail: readInteger(o, "detail"),
    magicPrompt: readBoolean(o, "magic_prompt"),
    seed: readInteger(o, "seed"),
    private: readBoolean(o, "private"),
  };
}
