import { ApplicationCommandOptionType, ChannelType, MessageFlags, PermissionFlagsBits, type ChatInputCommandInteraction } from "discord.js";
import type { Command } from "../src/discord/command.js";
import { choices, readBoolean, readChoice, readInteger, readString } from "../src/discord/option-readers.js";
import { describeServerSettings } from "../src/discord/settings-text.js";
import { UserFacingError } from "../src/domain/errors.js";
import { IMAGE_SIZES, MAX_IMAGES, SPEEDS, STYLES } from "../src/domain/fal-enums.js";
import type { ServerSettings } from "../src/domain/server-policy.js";


/** /settings (Manage Server only): defaults, limits, channels and budgets for this server. */
export const settings = {
  scope: "server",
  definition: {
    name: "settings",
    description: "StoryCast's settings for this server (Manage Server)",
    // Hidden from members without Manage Server; also checked when run, since server admins can override this.
    default_member_permissions: String(PermissionFlagsBits.ManageGuild),
    options: [
      { type: ApplicationCommandOptionType.Subcommand, name: "show", description: "Show the current settings" },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: "defaults",
        description: "Defaults for /imagine when a member leaves an option out",
        options: [
          { type: ApplicationCommandOptionType.String, name: "style", description: "Default style", choices: choices(STYLES) },
          { type: ApplicationCommandOptionType.String, name: "size", description: "Default size", choices: choices(IMAGE_SIZES) },
          { type: ApplicationCommandOptionType.String, name: "speed", description: "Default speed", choices: choices(SPEEDS) },
          { type: ApplicationCommandOptionType.Integer, name: "count", description: "Default number of images", min_value: 1, max_value: MAX_IMAGES },
        ],
      },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: "limits",
        description: "Limits on what members may generate (0 removes a limit)",
        options: [
          { type: ApplicationCommandOptionType.Integer, name: "max_count", description: "Most images per request", min_value: 1, max_value: MAX_IMAGES },
          { type: ApplicationCommandOptionType.String, name: "max_speed", description: "The most expensive speed allowed", choices: choices(SPEEDS) },
          { type: ApplicationCommandOptionType.Integer, name: "daily_images", description: "Images per member per day (UTC); 0 = no limit", min_value: 0, max_value: 10_000 },
          { type: ApplicationCommandOptionType.Number, name: "monthly_cap_usd", description: "Server spending cap per month in US dollars; 0 = none", min_value: 0, max_value: 100_000 },
          { type: ApplicationCommandOptionType.Role, name: "required_role", description: "Role needed to generate" },
          { type: ApplicationCommandOptionType.Boolean, name: "clear_role", description: "Remove the required role" },
          { type: ApplicationCommandOptionType.Boolean, name: "character_descriptions", description: "Add saved characters' descriptions to prompts" },
        ],
      },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: "channels",
        description: "Where StoryCast works",
        options: [
          {
            type: ApplicationCommandOptionType.String,
            name: "action",
            description: "Allow a channel, remove it, or allow all",
            required: true,
            choices: [
              { name: "Allow this channel", value: "allow" },
              { name: "Remove this channel", value: "remove" },
              { name: "All channels", value: "all" },
            ],
          },
          { type: ApplicationCommandOptionType.Channel, name: "channel", description: "The channel (default: this one)", channel_types: [ChannelType.GuildText, ChannelType.GuildForum] },
        ],
      },
      { type: ApplicationCommandOptionType.Subcommand, name: "reset", description: "Remove every setting" },
    ],
  },

  async execute(interaction, ctx) {
    if (!interaction.guildId) throw new UserFacingError("Settings are per server; use /settings in a server.");
    if (!interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) {
      throw new UserFacingError("Only members with the Manage Server permission can change StoryCast's settings.");
    }
    const o = interaction.options;
    const subcommand = o.getSubcommand(false);
    if (subcommand === "show") {
      const current = await ctx.servers.settings(interaction.guildId);
      await interaction.reply({ content: describeServerSettings(current), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
      return;
    }
    const channelId = o.getChannel("channel")?.id ?? interaction.channelId;
    // The change is applied to the settings as they are when it is written, in one transaction:
    // two admins saving different settings at the same moment both keep theirs.
    const saved = await ctx.servers.updateSettings(interaction.guildId, (current) => changed(current, subcommand, o, channelId));
    ctx.logger.info({ guildId: interaction.guildId, userId: interaction.user.id, settings: saved }, "server settings changed");
    await interaction.reply({ content: describeServerSettings(saved), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  },
} satisfies Command;

type Options = ChatInputCommandInteraction["options"];

/** The settings after a subcommand's change; pure (it runs inside the store's transaction). Throws what the admin must fix. */
function changed(current: ServerSettings, subcommand: string | null, o: Options, channelId: string): ServerSettings {
  const next: ServerSettings = { ...current };
  switch (subcommand) {
    case "defaults":
      assign(next, "defaultStyle", readChoice(o, "style", STYLES) ?? undefined);
      assign(next, "defaultSize", readChoice(o, "size", IMAGE_SIZES) ?? undefined);
      assign(next, "defaultSpeed", readChoice(o, "speed", SPEEDS) ?? undefined);
      assign(next, "defaultCount", readInteger(o, "count") ?? undefined);
      break;
    case "limits": {
      assign(next, "maxCount", readInteger(o, "max_count") ?? undefined);
      assign(next, "maxSpeed", readChoice(o, "max_speed", SPEEDS) ?? undefined);
      const daily = readInteger(o, "daily_images");
      if (daily !== null) setOrClear(next, "dailyImageLimit", daily === 0 ? undefined : daily);
      const cap = o.getNumber("monthly_cap_usd");
      if (cap !== null) setOrClear(next, "monthlySpendCapUsd", cap === 0 ? undefined : cap);
      const role = o.getRole("required_role");
      if (role) next.requiredRoleId = role.id;
      if (readBoolean(o, "clear_role")) delete next.requiredRoleId;
      assign(next, "characterDescriptions", readBoolean(o, "character_descriptions") ?? undefined);
      break;
    }
    case "channels": {
      const action = readString(o, "action");
      const channels = new Set(next.allowedChannels ?? []);
      if (action === "allow") channels.add(channelId);
      else if (action === "remove") channels.delete(channelId);
      else channels.clear();
      next.allowedChannels = [...channels];
      break;
    }
    case "reset":
      for (const key of Object.keys(next) as (keyof ServerSettings)[]) delete next[key];
      break;
    default:
      throw new UserFacingError("Pick one of the /settings subcommands.");
  }
  if (next.defaultCount !== undefined && next.maxCount !== undefined && next.defaultCount > next.maxCount) {
    throw new UserFacingError(`The default count (${next.defaultCount}) can't be above the most images per request (${next.maxCount}).`);
  }
  return next;
}

function assign<K extends keyof ServerSettings>(settings: ServerSettings, key: K, value: ServerSettings[K] | undefined): void {
  if (value !== undefined) settings[key] = value;
}

function setOrClear<K extends keyof ServerSettings>(settings: ServerSettings, key: K, value: ServerSettings[K] | undefined): void {
  if (value === undefined) delete settings[key];
  else settings[key] = value;
}
