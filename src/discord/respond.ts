import { MessageFlags, type RepliableInteraction } from "discord.js";
import { UserFacingError } from "../domain/errors.js";
import type { Logger } from "../logger.js";

/**
 * Tells the user something only they can see, whatever state the interaction is in:
 * an ephemeral reply if not yet answered, else an edit of the (ephemeral) deferred reply.
 */
export async function respondPrivately(interaction: RepliableInteraction, content: string): Promise<void> {
  if (interaction.deferred || interaction.replied) {
    await interaction.editReply({ content, components: [] });
  } else {
    await interaction.reply({ content, flags: MessageFlags.Ephemeral });
  }
}

/**
 * The one place errors become messages: a UserFacingError is shown as is; anything
 * else is a bug, logged with a reference the user can quote.
 */
export async function reportError(interaction: RepliableInteraction, error: unknown, logger: Logger, ref: string): Promise<void> {
  const content =
    error instanceof UserFacingError ? error.message : `Something went wrong on StoryCast's side. If it keeps happening, tell the server admins (reference \`${ref}\`).`;
  if (!(error instanceof UserFacingError)) {
    logger.error({ err: error, ref, interactionId: interaction.id, userId: interaction.user.id, guildId: interaction.guildId }, "interaction failed");
  }
  try {
    await respondPrivately(interaction, content);
  } catch (replyError) {
    logger.error({ err: replyError, ref }, "could not tell the user about an error");
  }
}
