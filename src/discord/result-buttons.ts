import { MessageFlags, PermissionFlagsBits, Routes, type ButtonInteraction } from "discord.js";
import type { AppContext } from "../app-context.js";
import type { Job } from "../domain/job.js";
import { parseResultButtonId } from "./custom-ids.js";
import { startReroll } from "./imagine-flow.js";
import { askToSaveAsCharacter } from "./save-as-character.js";

/** Handles the reroll, delete and cancel buttons; returns false for a button that is not ours. */
export async function handleResultButton(interaction: ButtonInteraction, ctx: AppContext): Promise<boolean> {
  const parsed = parseResultButtonId(interaction.customId);
  if (!parsed) return false;
  const { action, jobId } = parsed;
  switch (action) {
    case "reroll":
      await startReroll(interaction, jobId, ctx);
      return true;
    case "delete":
      await deleteResult(interaction, jobId, ctx);
      return true;
    case "cancel":
      await cancelJob(interaction, jobId, ctx);
      return true;
    case "save":
      await askToSaveAsCharacter(interaction, jobId, ctx);
      return true;
  }
}

async function deleteResult(interaction: ButtonInteraction, jobId: string, ctx: AppContext): Promise<void> {
  const job = await ctx.store.get(jobId);
  const isRequester = job?.origin.userId === interaction.user.id;
  if (!isRequester && !interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages)) {
    await interaction.reply({
      content: "Only the member who asked for these images, or someone with Manage Messages, can delete them.",
      flags: MessageFlags.Ephemeral,
    });
    return;
  }
  await interaction.deferUpdate();
  // All parts of a split result go together, each in the channel it was posted to (a part may
  // have gone by DM or to the channel after the token expired); the pressed message at least.
  const parts = new Map<string, string>([[interaction.message.id, interaction.channelId]]);
  for (const part of job?.delivery?.parts ?? []) if (part.messageId) parts.set(part.messageId, part.channelId ?? interaction.channelId);
  let failed = 0;
  for (const [messageId, channelId] of parts) {
    await deleteMessage(interaction, job, messageId, channelId).catch((error: unknown) => {
      failed += 1;
      ctx.logger.warn({ jobId, messageId, err: error }, "could not delete a result message");
    });
  }
  if (failed > 0) {
    await interaction.followUp({ content: `${failed} of the result's messages could not be deleted. Please try again in a moment.`, flags: MessageFlags.Ephemeral });
  }
  ctx.logger.info({ jobId, userId: interaction.user.id, failed }, "result deleted");
}

/**
 * Deletes one message of a result. Where only the member's install brought StoryCast it has no
 * rights in the channel, so a part posted there goes through an interaction's webhook: the pressed
 * message through this button's (its @original), the others through the job's while its token lives.
 */
function deleteMessage(interaction: ButtonInteraction, job: Job | undefined, messageId: string, channelId: string): Promise<unknown> {
  const rest = interaction.client.rest;
  if (!job?.origin.interactionOnly || channelId !== job.origin.channelId) return rest.delete(Routes.channelMessage(channelId, messageId));
  const pressed = messageId === interaction.message.id;
  return rest.delete(Routes.webhookMessage(interaction.applicationId, pressed ? interaction.token : job.origin.interactionToken, pressed ? "@original" : messageId), { auth: false });
}

async function cancelJob(interaction: ButtonInteraction, jobId: string, ctx: AppContext): Promise<void> {
  const job = await ctx.store.get(jobId);
  if (!job || job.origin.userId !== interaction.user.id) {
    await interaction.reply({ content: "Only the member who started this job can cancel it.", flags: MessageFlags.Ephemeral });
    return;
  }
  await interaction.deferUpdate();
  const cancelled = await ctx.runner.cancel(jobId);
  if (!cancelled) {
    await interaction.followUp({ content: "Too late to cancel: this job has already finished or is being submitted.", flags: MessageFlags.Ephemeral });
  }
}
