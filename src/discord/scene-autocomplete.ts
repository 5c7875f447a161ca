import type { AutocompleteInteraction } from "discord.js";
import type { AppContext } from "../app-context.js";
import { suggestPalettes } from "../domain/palette.js";
import { suggestCharacters } from "./character-autocomplete.js";
import { characterServerOf } from "./character-scope-of.js";

/**
 * Autocomplete of a command's `character` (the member's saved characters here) and `palette`
 * (the presets; hex colours typed are echoed, since Discord accepts free text there), as /imagine's.
 */
export async function autocompleteCharacterOrPalette(interaction: AutocompleteInteraction, ctx: AppContext): Promise<void> {
  const focused = interaction.options.getFocused(true);
  const typed = String(focused.value);
  if (focused.name === "character") {
    await interaction.respond(await suggestCharacters(ctx, characterServerOf(interaction), interaction.user.id, typed));
    return;
  }
  const presets = focused.name === "palette" ? suggestPalettes(typed) : [];
  const suggestions = presets.length > 0 ? presets.map((name) => ({ name: name.charAt(0) + name.slice(1).toLowerCase(), value: name })) : typed.trim() ? [{ name: typed.slice(0, 100), value: typed.slice(0, 100) }] : [];
  await interaction.respond(suggestions.slice(0, 25));
}
