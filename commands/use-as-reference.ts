import { ApplicationCommandType, InteractionContextType } from "discord.js";
import type { MessageCommand } from "../src/discord/command.js";
import { MENU_NAMES, openMenuForm } from "../src/discord/menu-flows.js";

/** Apps menu → "Use as reference" on any message: Start a new scene with the character in this message's first image (a form asks the rest). */
export const useAsReference = {
  scope: "anywhere",
  definition: {
    type: ApplicationCommandType.Message,
    name: MENU_NAMES.ref,
    // Servers and the bot's DMs, as the slash commands; registration widens it for user installs.
    contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
  },
  async execute(interaction, ctx) {
    await openMenuForm(interaction, ctx, "ref");
  },
} satisfies MessageCommand;
