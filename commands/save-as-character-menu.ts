import { ApplicationCommandType } from "discord.js";
import type { MessageCommand } from "../src/discord/command.js";
import { MENU_NAMES, openMenuForm } from "../src/discord/menu-flows.js";

/** Apps menu → "Save as character" on any message: Save this message's first image as one of your characters (a form asks the rest). */
export const saveAsCharacterMenu = {
  scope: "anywhere",
  definition: {
    type: ApplicationCommandType.Message,
    name: MENU_NAMES.char,
  },
  async execute(interaction, ctx) {
    await openMenuForm(interaction, ctx, "char");
  },
} satisfies MessageCommand;
