import { randomBytes } from "node:crypto";
import { MessageFlags, type Interaction } from "discord.js";
import type { AppContext } from "../app-context.js";
import type { Command, MessageCommand } from "./command.js";
import { reportError } from "./respond.js";
import { handleCharacterButton } from "./character-handlers.js";
import { handleResultButton } from "./result-buttons.js";
import { handleSaveAsCharacterModal } from "./save-as-character.js";
import { handleSceneButton, handleSceneForm, handleScenePick } from "./scene-controls.js";
import { handleStorybookButton } from "./story-end.js";
import { handleConfirmButton } from "./confirm-cost.js";
import { handleMenuForm } from "./menu-flows.js";

/** The single entry point for interactions: finds the handler and turns any error into a reply. */
export function createRouter(commands: readonly Command[], ctx: AppContext, messageCommands: readonly MessageCommand[] = []) {
  const byName = new Map(commands.map((command) => [command.definition.name, command]));
  // Message commands have their own names (a slash command and a menu entry may share one).
  const menuByName = new Map(messageCommands.map((command) => [command.definition.name, command]));

  let closing = false;

  async function route(interaction: Interaction): Promise<void> {
    const ref = randomBytes(4).toString("hex");
    try {
      if (closing) {
        if (interaction.isRepliable()) {
          await interaction.reply({ content: "StoryCast is restarting. Please try again in a minute.", flags: MessageFlags.Ephemeral });
        }
        return;
      }
      if (interaction.isChatInputCommand()) {
        const command = byName.get(interaction.commandName);
        if (!command) {
          await interaction.reply({ content: "This command no longer exists here.", flags: MessageFlags.Ephemeral });
          return;
        }
        await command.execute(interaction, ctx);
      } else if (interaction.isMessageContextMenuCommand()) {
        const command = menuByName.get(interaction.commandName);
        if (!command) {
          await interaction.reply({ content: "This menu entry no longer exists here.", flags: MessageFlags.Ephemeral });
          return;
        }
        await command.execute(interaction, ctx);
      } else if (interaction.isAutocomplete()) {
        await byName.get(interaction.commandName)?.autocomplete?.(interaction, ctx);
      } else if (interaction.isModalSubmit()) {
        if (!(await handleSaveAsCharacterModal(interaction, ctx)) && !(await handleSceneForm(interaction, ctx)) && !(await handleMenuForm(interaction, ctx))) {
          await interaction.reply({ content: "This form is no longer in use.", flags: MessageFlags.Ephemeral });
        }
      } else if (interaction.isButton()) {
        if (
          !(await handleResultButton(interaction, ctx)) &&
          !(await handleSceneButton(interaction, ctx)) &&
          !(await handleCharacterButton(interaction, ctx)) &&
          !(await handleStorybookButton(interaction, ctx)) &&
          !(await handleConfirmButton(interaction, ctx))
        ) {
          await interaction.reply({ content: "This button is no longer in use.", flags: MessageFlags.Ephemeral });
        }
      } else if (interaction.isStringSelectMenu()) {
        if (!(await handleScenePick(interaction, ctx))) {
          await interaction.reply({ content: "This menu is no longer in use.", flags: MessageFlags.Ephemeral });
        }
      }
    } catch (error) {
      if (interaction.isRepliable()) {
        await reportError(interaction, error, ctx.logger, ref);
      } else {
        ctx.logger.error({ err: error, ref, interactionId: interaction.id }, "autocomplete failed");
      }
    }
  }

  /** From now on, interactions are answered with a "restarting" note instead of handled. */
  route.close = () => {
    closing = true;
  };
  return route;
}
