import type { ButtonInteraction, ModalSubmitInteraction, StringSelectMenuInteraction } from "discord.js";
import type { AppContext } from "../app-context.js";
import { UserFacingError } from "../domain/errors.js";
import { readWithinAckBudget } from "./ack-within-budget.js";
import { parseSceneButtonId, parseSceneFormId, parseScenePickId, parseScenePickValue, type SceneTarget } from "./scene-control-ids.js";
import { readSceneForm, showSceneForm } from "./scene-forms.js";
import { launchSceneJob } from "./scene-job.js";
import { loadSource } from "./scene-source.js";

/**
 * The Upscale / Remix / Edit controls on a result (buttons for one image, a select for several)
 * and the Remix / Edit forms they open. Each returns false for an interaction that is not theirs.
 */
export async function handleSceneButton(interaction: ButtonInteraction, ctx: AppContext): Promise<boolean> {
  const target = parseSceneButtonId(interaction.customId);
  if (!target) return false;
  await useControl(interaction, target, ctx);
  return true;
}

export async function handleScenePick(interaction: StringSelectMenuInteraction, ctx: AppContext): Promise<boolean> {
  const pick = parseScenePickId(interaction.customId);
  if (!pick) return false;
  const [value] = interaction.values;
  const target = value === undefined ? undefined : parseScenePickValue(pick.jobId, value);
  if (!target) throw new UserFacingError("Pick one of the listed images and what to do with it.");
  await useControl(interaction, target, ctx);
  return true;
}

/** Upscale starts at once; Remix and Edit first ask for their prompt and options in a form. */
async function useControl(interaction: ButtonInteraction | StringSelectMenuInteraction, target: SceneTarget, ctx: AppContext): Promise<void> {
  if (target.action === "remix" || target.action === "edit") {
    await showSceneForm(interaction, { ...target, action: target.action }, ctx);
    return;
  }
  // Store reads only: within the acknowledgement budget, or acknowledged meanwhile.
  const source = await readWithinAckBudget(interaction, ctx.clock, () => loadSource(ctx, target, interaction.user.id));
  await launchSceneJob(interaction, ctx, source, { action: "upscale" });
}

/** A Remix or Edit form submitted: its input checked first (bad input costs one private reply), then the source again, then the job. */
export async function handleSceneForm(interaction: ModalSubmitInteraction, ctx: AppContext): Promise<boolean> {
  const target = parseSceneFormId(interaction.customId);
  if (!target) return false;
  const { request, mask } = readSceneForm(interaction, target);
  // The form's custom_id can be forged like a button's: the source is checked as on a press.
  const source = await readWithinAckBudget(interaction, ctx.clock, () => loadSource(ctx, target, interaction.user.id));
  await launchSceneJob(interaction, ctx, source, request, mask);
  return true;
}
