import { MessageFlags } from "discord.js";
import type { Command } from "../src/discord/command.js";

const FAL_STATES = {
  ok: "✅ reachable",
  unauthorized: "⚠️ reachable, but it does not accept StoryCast's key (the bot's owner must fix it)",
  unreachable: "❌ not reachable right now",
} as const;

/** /status: is StoryCast healthy, how busy is it, and can it reach fal. */
export const status = {
  scope: "anywhere",
  definition: {
    name: "status",
    description: "How busy StoryCast is, and whether fal is reachable",
  },
  async execute(interaction, ctx) {
    // The fal probe can take a few seconds; acknowledge first.
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const fal = await ctx.fal.probe(5000);
    await interaction.editReply(
      [
        "## StoryCast status",
        `• Jobs running at fal: **${ctx.slots.running}** (at most ${ctx.config.maxConcurrentJobs} at once)`,
        `• Jobs waiting in StoryCast's queue: **${ctx.slots.waiting}**`,
        `• fal: ${FAL_STATES[fal]}`,
        `• Gateway latency: ${interaction.client.ws.ping >= 0 ? `${interaction.client.ws.ping} ms` : "not measured yet"}`,
      ].join("\n"),
    );
  },
} satisfies Command;
