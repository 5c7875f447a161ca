import { ApplicationCommandType, InteractionContextType } from "discord.js";
import type { MessageCommand } from "../src/discord/command.js";
import { MENU_NAMES, openMenuForm } from "../src/discord/menu-flows.js";

/** Apps menu → "Save as character" on any message: Save this message's first image as one of your characters (a form asks the rest). */
export const saveAsCharacterMenu = {
  scope: "anywhere",
  definition: {
    type: ApplicationCommandType.Message,
    name: MENU_NAMES.char,
    // Servers and the bot's DMs, as the slash commands; registration widens it for user installs.
    contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
  },
  async execute(interaction, ctx) {
    await openMenuForm(interaction, ctx, "char");
  },
} satisfies MessageCommand;
