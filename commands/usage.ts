import { ApplicationCommandOptionType, MessageFlags, PermissionFlagsBits } from "discord.js";
import type { Command } from "../src/discord/command.js";
import { readBoolean } from "../src/discord/option-readers.js";
import { UserFacingError } from "../src/domain/errors.js";
import { JOB_KIND_NAMES } from "../src/domain/job-kind-names.js";
import { formatDollars } from "../src/domain/pricing.js";
import type { KindUsage } from "../src/store/server-store.js";
import { startOfUtcDay, startOfUtcMonth } from "../src/domain/server-policy.js";

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
const MAX_LINES = 15; // keeps the reply well inside one message
/** One kind's use, e.g. "/edit: 2 images, $0.30". */
const kindLine = (k: KindUsage) => `${JOB_KIND_NAMES[k.kind] ?? k.kind}: ${plural(k.images, "image")}, ${formatDollars(k.spendUsd)}`;

/** /usage: a member's own use; with Manage Server and `server:true`, the server's by member, by day and by kind of job. */
export const usage = {
  scope: "server",
  definition: {
    name: "usage",
    description: "How many images you (or, for admins, this server) made, and the spend",
    options: [{ type: ApplicationCommandOptionType.Boolean, name: "server", description: "The whole server's use (Manage Server)" }],
  },

  async execute(interaction, ctx) {
    const guildId = interaction.guildId;
    if (!guildId) throw new UserFacingError("Usage is counted per server; use /usage in a server.");
    const now = new Date(ctx.now());
    const day = startOfUtcDay(now);
    const month = startOfUtcMonth(now);
    const settings = await ctx.servers.settings(guildId);
    const monthLabel = now.toLocaleString("en-GB", { month: "long", year: "numeric", timeZone: "UTC" });

    if (!readBoolean(interaction.options, "server")) {
      const [today, outside, members, kinds] = await Promise.all([
        ctx.servers.memberImagesSince(guildId, interaction.user.id, day),
        ctx.servers.memberImagesOutsideServersSince(interaction.user.id, day),
        ctx.servers.usageByMemberSince(guildId, month, ctx.config.prices),
        ctx.servers.usageByKindSince(guildId, month, ctx.config.prices, interaction.user.id),
      ]);
      const mine = members.find((m) => m.userId === interaction.user.id);
      await interaction.reply({
        content: [
          "## Your StoryCast use",
          `• Today (UTC): **${today}** image${today === 1 ? "" : "s"}${settings.dailyImageLimit !== undefined ? ` of ${settings.dailyImageLimit} allowed` : ""}`,
          `• ${monthLabel}: **${mine?.images ?? 0}** image${mine?.images === 1 ? "" : "s"}, about ${formatDollars(mine?.spendUsd ?? 0)}`,
          ...(kinds.length ? [`• By kind: ${kinds.map(kindLine).join(" · ")}`] : []),
          // USER_DAILY_IMAGES: counted apart from any server's limit, wherever no server's settings applied.
          `• Outside servers today (DMs, your own install): **${outside}** of ${plural(ctx.config.userDailyImages, "image")} allowed`,
        ].join("\n"),
        flags: MessageFlags.Ephemeral,
      });
      return;
    }
    if (!interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) {
      throw new UserFacingError("Only members with the Manage Server permission can see the whole server's use. `/usage` alone shows yours.");
    }
    const [members, days, kinds] = await Promise.all([
      ctx.servers.usageByMemberSince(guildId, month, ctx.config.prices),
      ctx.servers.usageByDaySince(guildId, month, ctx.config.prices),
      ctx.servers.usageByKindSince(guildId, month, ctx.config.prices),
    ]);
    const spend = members.reduce((sum, m) => sum + m.spendUsd, 0);
    await interaction.reply({
      content: [
        `## StoryCast use in ${monthLabel}`,
        `Spend: **${formatDollars(spend)}**${settings.monthlySpendCapUsd !== undefined ? ` of the ${formatDollars(settings.monthlySpendCapUsd)} monthly cap` : " (no cap set)"}`,
        "### By member",
        ...(members.length ? members.slice(0, MAX_LINES).map((m) => `• <@${m.userId}>: ${plural(m.images, "image")}, ${formatDollars(m.spendUsd)}`) : ["• nobody yet"]),
        "### By day (UTC)",
        ...(days.length ? days.slice(-MAX_LINES).map((d) => `• ${d.day}: ${plural(d.images, "image")}, ${formatDollars(d.spendUsd)}`) : ["• nothing yet"]),
        "### By kind",
        ...(kinds.length ? kinds.map((k) => `• ${kindLine(k)}`) : ["• nothing yet"]),
      ].join("\n"),
      flags: MessageFlags.Ephemeral,
      allowedMentions: { parse: [] },
    });
  },
} satisfies Command;
