import { InteractionContextType, MessageFlags } from "discord.js";
import type { Command } from "../src/discord/command.js";
import { MAX_IMAGES, SPEEDS } from "../src/domain/fal-enums.js";
import { formatDollars } from "../src/domain/pricing.js";
import type { PriceTable } from "../src/domain/pricing.js";

/** The help text, built from configuration so the prices shown are the ones in force. */
export function helpText(prices: PriceTable): string {
  const priceLines = SPEEDS.map(({ value, name }) => `• **${name}**: ${formatDollars(prices[value])} per image`).join("\n");
  return [
    "## StoryCast",
    "Give StoryCast one image of a character and a prompt; it puts that same character into new scenes.",
    "",
    "### /imagine",
    "`prompt` (required): the scene. `reference` (required): an image of your character (JPEG, PNG or WebP, up to 10 MB).",
    "Optional:",
    "• `style`: Auto, Realistic or Fiction · `size`: Square HD, Square, Portrait 4:3/16:9, Landscape 4:3/16:9",
    `• \`speed\`: Turbo, Balanced (default) or Quality · \`count\`: 1–${MAX_IMAGES} images · \`seed\`: repeat a result`,
    "• `negative_prompt`: what to leave out · `magic_prompt`: let the model expand your prompt",
    "• `mask`: which part of the reference is the character · `style_reference`: an image whose style to follow",
    "• `palette`: a preset (Ember, Fresh, Jungle, Magic, Melon, Mosaic, Pastel, Ultramarine) or hex colours with optional weights, e.g. `#ff0000:0.8 #0000ff:0.3`",
    "• `style_codes`: 8-character hex codes (not together with `style` or `style_reference`)",
    "• `private`: only you see the images",
    "",
    "Results come with their seed and settings, and buttons: **Reroll** (same settings, new seed; anyone may press it), **Delete** (the requester or moderators), and **Cancel** while a job runs (the requester).",
    "",
    "### What each speed costs",
    priceLines,
    "A request for several images costs the per-image price times the count.",
    "",
    "### /status",
    "How busy StoryCast is (jobs at fal, jobs waiting) and whether fal is reachable.",
    "### /help",
    "This message.",
  ].join("\n");
}

/** /help: what the commands do, their options, and what each speed costs. */
export const help = {
  definition: {
    name: "help",
    description: "How to use StoryCast, and what each speed costs",
    contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
  },
  async execute(interaction, ctx) {
    await interaction.reply({ content: helpText(ctx.config.prices), flags: MessageFlags.Ephemeral });
  },
} satisfies Command;
