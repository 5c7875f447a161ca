import {
  FileUploadBuilder,
  LabelBuilder,
  ModalBuilder,
  StringSelectMenuBuilder,
  type ButtonInteraction,
  type ModalSubmitInteraction,
  type StringSelectMenuInteraction,
} from "discord.js";
import type { AppContext } from "../app-context.js";
import { UserFacingError } from "../domain/errors.js";
import { FAL_INPUT_LIMIT_BYTES } from "../domain/fal-enums.js";
import { formatMegabytes, type AttachmentInfo } from "../domain/imagine-request.js";
import { MASK_REGIONS } from "../domain/region-mask.js";
import { checkEditChoice, checkScenePrompt, parseStrength, REGION_NAMES, type SceneRequest } from "../domain/scene-controls.js";
import { readBeforeModal } from "./ack-within-budget.js";
import { formText, promptInput, strengthLabel } from "./form-fields.js";
import { sceneFormId, type SceneTarget } from "./scene-control-ids.js";
import { loadSource } from "./scene-source.js";

export type FormTarget = SceneTarget & { action: "remix" | "edit" };

/**
 * Remix and Edit ask for a prompt (pre-filled with the scene's) and, for Remix, the strength; for
 * Edit, the area to repaint or a mask file. The modal must be the press's first answer, so the
 * source is read only if the store answers quickly: a result the presser may not use is refused
 * at once, and a slow read shows the form without the pre-filled prompt (the submit checks again).
 */
export async function showSceneForm(interaction: ButtonInteraction | StringSelectMenuInteraction, target: FormTarget, ctx: AppContext): Promise<void> {
  const source = await readBeforeModal(ctx.clock, () => loadSource(ctx, target, interaction.user.id));
  const prompt = promptInput(source ? source.job.settings.prompt : "");
  const modal = new ModalBuilder().setCustomId(sceneFormId(target)).setTitle(`${target.action === "remix" ? "Remix" : "Edit"} image ${target.image + 1}`);
  if (target.action === "remix") {
    modal.addLabelComponents(
      new LabelBuilder().setLabel("Prompt").setDescription("What the new image shows. The character comes from the scene.").setTextInputComponent(prompt),
      strengthLabel(),
    );
  } else {
    modal.addLabelComponents(
      new LabelBuilder().setLabel("Prompt").setDescription("What to paint into the area, with the scene's character.").setTextInputComponent(prompt),
      new LabelBuilder()
        .setLabel("Area to repaint")
        .setDescription("Or upload a mask below instead.")
        .setStringSelectMenuComponent(
          new StringSelectMenuBuilder()
            .setCustomId("region")
            .setRequired(false)
            .setMinValues(0)
            .setMaxValues(1)
            .setPlaceholder("Pick an area…")
            .addOptions(MASK_REGIONS.map((region) => ({ label: REGION_NAMES[region], value: region }))),
        ),
      new LabelBuilder()
        .setLabel("Mask (optional)")
        .setDescription("PNG, JPEG or WebP of the image's exact size: black is repainted, white kept.")
        .setFileUploadComponent(new FileUploadBuilder().setCustomId("mask").setRequired(false).setMinValues(0).setMaxValues(1)),
    );
  }
  await interaction.showModal(modal);
}

/**
 * What the member typed into a Remix or Edit form, checked before anything is acknowledged or
 * paid: the prompt, the strength (Remix), and the area or mask file (Edit; the file is only
 * downloaded and measured against the image once the job has its upload slot).
 */
export function readSceneForm(interaction: ModalSubmitInteraction, target: FormTarget): { request: SceneRequest; mask?: AttachmentInfo } {
  const text = (id: string) => formText(interaction, id);
  const prompt = checkScenePrompt(text("prompt"));
  if (target.action === "remix") return { request: { action: "remix", prompt, strength: parseStrength(text("strength")) } };
  const regions = interaction.fields.fields.has("region") ? interaction.fields.getStringSelectValues("region") : [];
  const files = interaction.fields.fields.has("mask") ? [...(interaction.fields.getUploadedFiles("mask")?.values() ?? [])] : [];
  const choice = checkEditChoice(regions, files.length);
  if ("region" in choice) return { request: { action: "edit", prompt, region: choice.region } };
  const [file] = files;
  if (!file) throw new UserFacingError("The mask file could not be read. Please upload it again.");
  if (file.size > FAL_INPUT_LIMIT_BYTES) {
    throw new UserFacingError(`The mask is ${formatMegabytes(file.size)}; fal accepts at most ${formatMegabytes(FAL_INPUT_LIMIT_BYTES)}. Nothing was charged.`);
  }
  return { request: { action: "edit", prompt }, mask: { name: file.name, size: file.size, url: file.url, contentType: file.contentType } };
}
