import { ApplicationCommandType } from "discord.js";
import type { MessageCommand } from "../src/discord/command.js";
import { MENU_NAMES, openMenuForm } from "../src/discord/menu-flows.js";

/** Apps menu → "Remix" on any message: Re-imagine this message's first image (a form asks the rest). */
export const remixMenu = {
  scope: "anywhere",
  definition: {
    type: ApplicationCommandType.Message,
    name: MENU_NAMES.remix,
  },
  async execute(interaction, ctx) {
    await openMenuForm(interaction, ctx, "remix");
  },
} satisfies MessageCommand;
