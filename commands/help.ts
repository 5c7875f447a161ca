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
    "Give StoryCast one image of a character and a prompt; it puts that character into new scenes.",
    "### /imagine",
    "`prompt` plus a `reference` image (JPEG/PNG/WebP, ≤10 MB) or a saved `character`. Optional: `style` (Auto/Realistic/Fiction), `size`, " +
      `\`speed\` (Turbo/Balanced/Quality), \`count\` (1–${MAX_IMAGES}), \`seed\`, \`negative_prompt\`, \`magic_prompt\`, \`mask\`, \`style_reference\`, ` +
      "`palette` (a preset or hex colours like `#ff0000:0.8 #0000ff`), `style_codes` (8-hex codes; not with style or style_reference), `private`.",
    "Results carry their seed and settings, with **Reroll** (anyone), **Save as character**, **Delete** (requester or moderators) and **Cancel** while running.",
    "### /character",
    "`save` a character from an image (optional mask and description), `list`, `show`, `rename`, `delete`. Names are unique per server.",
    "### /story",
    "`start` a story thread with a title, cast and look; inside it, anyone adds numbered scenes with `scene`; `cast add|remove`, `recap`, and `end` for a storybook file.",
    "### /settings, /usage, /status",
    "`/settings` (Manage Server): defaults, limits, channels, a required role, daily image and monthly spending limits. `/usage`: your use (admins: `server:true`). `/status`: how busy StoryCast is.",
    "### What each speed costs",
    priceLines,
    "A request costs the per-image price times the count.",
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
    await interaction.reply({ content: helpText(ctx.config.prices.character), flags: MessageFlags.Ephemeral });
  },
} satisfies Command;
