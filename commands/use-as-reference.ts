import { ApplicationCommandType } from "discord.js";
import type { MessageCommand } from "../src/discord/command.js";
import { MENU_NAMES, openMenuForm } from "../src/discord/menu-flows.js";

/** Apps menu → "Use as reference" on any message: Start a new scene with the character in this message's first image (a form asks the rest). */
export const useAsReference = {
  scope: "anywhere",
  definition: {
    type: ApplicationCommandType.Message,
    name: MENU_NAMES.ref,
  },
  async execute(interaction, ctx) {
    await openMenuForm(interaction, ctx, "ref");
  },
} satisfies MessageCommand;
