import { LabelBuilder, ModalBuilder, StringSelectMenuBuilder, TextInputBuilder, TextInputStyle, type ModalSubmitInteraction } from "discord.js";
import { MAX_CHARACTER_DESCRIPTION_LENGTH, MAX_CHARACTER_NAME_LENGTH } from "../domain/character-name.js";
import { MAX_IMAGES, SPEEDS, STYLES } from "../domain/fal-enums.js";
import { UserFacingError } from "../domain/errors.js";
import { promptInput, strengthLabel } from "./form-fields.js";
import { menuFormId } from "./menu-pending.js";

/** Discord's limits on a select: 25 options (docs "Component Reference" → String Select). */
const MAX_SELECT_OPTIONS = 25;

function optionalSelect(customId: string, placeholder: string, options: readonly { label: string; value: string }[]): StringSelectMenuBuilder {
  return new StringSelectMenuBuilder().setCustomId(customId).setRequired(false).setMinValues(0).setMaxValues(1).setPlaceholder(placeholder).addOptions(options.slice(0, MAX_SELECT_OPTIONS));
}

/** "Use as reference": the prompt and /imagine's main choices (unpicked: the server's defaults, as for /imagine). */
export function referenceForm(nonce: string): ModalBuilder {
  return new ModalBuilder()
    .setCustomId(menuFormId("ref", nonce))
    .setTitle("New scene with this character")
    .addLabelComponents(
      new LabelBuilder().setLabel("Prompt").setDescription("The scene to put the character from the image in.").setTextInputComponent(promptInput("")),
      new LabelBuilder().setLabel("Speed").setDescription("Faster is cheaper; quality costs more (see /help).").setStringSelectMenuComponent(optionalSelect("speed", "Server default", SPEEDS.map(({ name, value }) => ({ label: name, value })))),
      new LabelBuilder().setLabel("Style").setStringSelectMenuComponent(optionalSelect("style", "Server default", STYLES.map(({ name, value }) => ({ label: name, value })))),
      new LabelBuilder()
        .setLabel("How many images")
        .setStringSelectMenuComponent(optionalSelect("count", "Server default", Array.from({ length: MAX_IMAGES }, (_, i) => ({ label: String(i + 1), value: String(i + 1) })))),
    );
}

/** "Save as character": the name and description, as /character save asks them. */
export function saveCharacterForm(nonce: string): ModalBuilder {
  return new ModalBuilder()
    .setCustomId(menuFormId("char", nonce))
    .setTitle("Save as character")
    .addLabelComponents(
      new LabelBuilder().setLabel("Name").setTextInputComponent(new TextInputBuilder().setCustomId("name").setStyle(TextInputStyle.Short).setRequired(true).setMaxLength(MAX_CHARACTER_NAME_LENGTH)),
      new LabelBuilder()
        .setLabel("Description (optional)")
        .setDescription("Added to prompts that use this character.")
        .setTextInputComponent(new TextInputBuilder().setCustomId("description").setStyle(TextInputStyle.Paragraph).setRequired(false).setMaxLength(MAX_CHARACTER_DESCRIPTION_LENGTH)),
    );
}

/**
 * "Remix": the result Remix form's prompt and strength, plus who is in the new image: one of the
 * member's saved characters, or (nothing picked) the character in the image itself.
 */
export function remixForm(nonce: string, prefill: string, characters: readonly string[]): ModalBuilder {
  const modal = new ModalBuilder()
    .setCustomId(menuFormId("remix", nonce))
    .setTitle("Remix this image")
    .addLabelComponents(
      new LabelBuilder().setLabel("Prompt").setDescription("What the image should become.").setTextInputComponent(promptInput(prefill.trim())),
      strengthLabel(),
    );
  if (characters.length > 0) {
    modal.addLabelComponents(
      new LabelBuilder()
        .setLabel("Character (optional)")
        .setDescription("A saved character to put in; none: the one in the image.")
        .setStringSelectMenuComponent(optionalSelect("character", "The character in the image", characters.map((name) => ({ label: name, value: name })))),
    );
  }
  return modal;
}

/** A select's one value, checked against its list (a forged submit may send anything); undefined when none was picked. */
export function formChoice<T extends string>(interaction: ModalSubmitInteraction, id: string, allowed: readonly T[], what: string): T | undefined {
  const [value] = interaction.fields.fields.has(id) ? interaction.fields.getStringSelectValues(id) : [];
  if (value === undefined) return undefined;
  const found = allowed.find((entry) => entry === value);
  if (found === undefined) throw new UserFacingError(`Pick one of the listed ${what}. Nothing was charged.`);
  return found;
}
