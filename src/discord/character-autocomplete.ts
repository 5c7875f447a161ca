import type { ApplicationCommandOptionChoiceData } from "discord.js";
import type { AppContext } from "../app-context.js";
import { characterScope } from "../domain/character-name.js";

/** Discord shows at most 25 autocomplete choices. */
const MAX_CHOICES = 25;

/** The saved characters best matching what was typed, for any `character`/`name` option. */
export async function suggestCharacters(ctx: AppContext, guildId: string | null, userId: string, typed: string): Promise<ApplicationCommandOptionChoiceData<string>[]> {
  const characters = await ctx.characters.search(characterScope(guildId, userId), typed, MAX_CHOICES);
  return characters.map((character) => ({ name: character.name, value: character.name }));
}
