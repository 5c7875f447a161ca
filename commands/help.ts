import { MessageFlags } from "discord.js";
import type { Command } from "../src/discord/command.js";
import { MAX_IMAGES, SPEEDS } from "../src/domain/fal-enums.js";
import type { JobKind } from "../src/domain/fal-endpoints.js";
import { JOB_KIND_NAMES } from "../src/domain/job-kind-names.js";
import { formatDollars, jobCost, type Prices } from "../src/domain/pricing.js";

/** The kinds priced per speed, as rows of the price table (upscale has one price: its own line). */
const PER_SPEED_ROWS: readonly JobKind[] = ["imagine", "edit", "remix", "duo"];

/**
 * The prices in force as a monospace table: a row per kind of job, a column per speed. Each cell is
 * jobCost of one image, the sum the budgets count, so a two-character scene shows its two steps added up.
 */
export function priceTable(prices: Prices): string {
  const rows = [
    ["Per image", ...SPEEDS.map((speed) => speed.name)],
    ...PER_SPEED_ROWS.map((kind) => [JOB_KIND_NAMES[kind], ...SPEEDS.map((speed) => formatDollars(jobCost(prices, kind, speed.value, 1)))]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join("  ");
  const upscale = `${JOB_KIND_NAMES.upscale.padEnd(widths[0]!)}  ${formatDollars(jobCost(prices, "upscale", "TURBO", 1))} (one price, any speed)`;
  return ["```", ...rows.map(line), upscale, "```"].join("\n");
}

/** What each command does and its options (the prices go in their own embed: pricesText). */
export function helpText(): string {
  return [
    "## StoryCast",
    "Give StoryCast one image of a character and a prompt; it puts that character into new scenes.",
    "### /imagine",
    "`prompt` plus a `reference` image (JPEG/PNG/WebP, ≤10 MB) or a saved `character`. Optional: `style` (Auto/Realistic/Fiction), `size`, " +
      `\`speed\` (Turbo/Balanced/Quality), \`count\` (1–${MAX_IMAGES}), \`seed\`, \`negative_prompt\`, \`magic_prompt\`, \`mask\`, \`style_reference\`, ` +
      "`palette` (a preset or hex colours like `#ff0000:0.8 #0000ff`), `style_codes` (8-hex codes; not with style or style_reference), " +
      "`second_character` (a second saved character in the same scene), `private`.",
    "Results carry their seed and settings, with **Reroll** (anyone), **Upscale**, **Remix**, **Edit**, **Save as character**, **Delete** (requester or moderators) and **Cancel** while running.",
    "### /edit, /remix, /upscale",
    "`/edit` repaints a region (or your own mask) of an image with your character. `/remix` re-imagines an image with your character " +
      "(`strength` 0.01–1: how far it may move from the image). `/upscale` enlarges an image.",
    "### /character",
    "`save` a character from an image (optional mask and description), `list`, `show`, `rename`, `delete`. Names are unique per server.",
    "### Apps menu",
    "On any message with an image, **Apps** → **Use as reference** (a new scene with that character), **Save as character**, or **Remix**.",
    "### /story",
    "`start` a story thread with a title, cast and look; inside it, anyone adds numbered scenes with `scene` (`with`: a second character in it); `cast add|remove`, `recap`, and `end` for a storybook file.",
    "### /settings, /usage, /status",
    "`/settings` (Manage Server): defaults, limits, channels, a required role, daily image and monthly spending limits. `/usage`: your use (admins: `server:true`). `/status`: how busy StoryCast is.",
  ].join("\n");
}

/** The operator's limits a member may run into (USER_DAILY_IMAGES, GLOBAL_DAILY_CAP_USD). */
export interface OperatorLimitsShown {
  userDailyImages: number;
  globalDailyCapUsd: number | undefined;
}

/** The prices in force and how a request's cost is counted, built from configuration. */
export function pricesText(prices: Prices, confirmAboveUsd: number | undefined, limits?: OperatorLimitsShown): string {
  return [
    priceTable(prices),
    "A request costs its price per image times the count. Two characters in a scene are a scene plus an edit: the two prices add up.",
    ...(confirmAboveUsd === undefined ? [] : [`Anything over ${formatDollars(confirmAboveUsd)} asks you to confirm the price first; nothing is charged before you do.`]),
    "Daily limits count images; the monthly cap counts every job at its price.",
    ...(limits ? [`Outside the servers that added StoryCast (DMs, your own install), you may make ${limits.userDailyImages} images per UTC day.`] : []),
    ...(limits?.globalDailyCapUsd === undefined ? [] : [`StoryCast spends at most ${formatDollars(limits.globalDailyCapUsd)} per UTC day across everything.`]),
  ].join("\n");
}

/** /help's reply: the commands as text, the prices in an embed (together they would pass a message's 2000 characters). */
export function helpMessage(prices: Prices, confirmAboveUsd: number | undefined, limits?: OperatorLimitsShown) {
  return { content: helpText(), embeds: [{ title: "Prices", description: pricesText(prices, confirmAboveUsd, limits) }] };
}

/** /help: what the commands do, their options, and what each costs. */
export const help = {
  scope: "anywhere",
  definition: {
    name: "help",
    description: "How to use StoryCast, and what each speed costs",
  },
  async execute(interaction, ctx) {
    await interaction.reply({ ...helpMessage(ctx.config.prices, ctx.config.confirmCostAboveUsd, ctx.config), flags: MessageFlags.Ephemeral });
  },
} satisfies Command;
