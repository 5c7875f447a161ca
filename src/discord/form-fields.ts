import { LabelBuilder, TextInputBuilder, TextInputStyle, type ModalSubmitInteraction } from "discord.js";
import { MAX_PROMPT_LENGTH } from "../domain/imagine-request.js";
import { DEFAULT_STRENGTH } from "../domain/scene-controls.js";

/** The fields StoryCast's forms share: the result controls' (scene-forms.ts) and the Apps menu's (menu-forms.ts). */

/** The prompt field, filled with `prefill` cut to what the field takes. */
export function promptInput(prefill: string): TextInputBuilder {
  const input = new TextInputBuilder().setCustomId("prompt").setStyle(TextInputStyle.Paragraph).setRequired(true).setMaxLength(MAX_PROMPT_LENGTH);
  // A prompt with a saved character's description in front can be longer than a form field takes.
  let value = prefill.slice(0, MAX_PROMPT_LENGTH);
  if (/[\uD800-\uDBFF]$/.test(value)) value = value.slice(0, -1); // never half an emoji
  return value ? input.setValue(value) : input;
}

/** Remix's strength field (read back with parseStrength). */
export function strengthLabel(): LabelBuilder {
  return new LabelBuilder()
    .setLabel("Strength (0.01–1)")
    .setDescription("How far from the image: 0.01 stays close, 1 moves furthest.")
    .setTextInputComponent(new TextInputBuilder().setCustomId("strength").setStyle(TextInputStyle.Short).setRequired(false).setMaxLength(8).setValue(String(DEFAULT_STRENGTH)));
}

/** A text field's value, or "" when the form has no such field. */
export function formText(interaction: ModalSubmitInteraction, id: string): string {
  return interaction.fields.fields.has(id) ? interaction.fields.getTextInputValue(id) : "";
}
