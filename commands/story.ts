import { ApplicationCommandOptionType } from "discord.js";
import { suggestCharacters } from "../src/discord/character-autocomplete.js";
import type { Command } from "../src/discord/command.js";
import { choices, readChoice, readString } from "../src/discord/option-readers.js";
import { endStory } from "../src/discord/story-end.js";
import { addScene, changeCast, recapStory, startStory, suggestCast } from "../src/discord/story-handlers.js";
import { UserFacingError } from "../src/domain/errors.js";
import { IMAGE_SIZES, SPEEDS, STYLES } from "../src/domain/fal-enums.js";
import { MAX_PROMPT_LENGTH } from "../src/domain/imagine-request.js";
import { PLACEMENTS } from "../src/domain/two-characters.js";

const characterOption = (required: boolean, description: string) =>
  ({ type: ApplicationCommandOptionType.String, name: "character", description, required, autocomplete: true, max_length: 100 }) as const;

/** /story: group storytelling in a thread, scene after scene, with a shared cast. */
export const story = {
  scope: "server",
  definition: {
    name: "story",
    description: "Tell a story together: a thread, a cast, numbered scenes, a storybook at the end",
    options: [
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: "start",
        description: "Open a thread for a new story",
        options: [
          { type: ApplicationCommandOptionType.String, name: "title", description: "The story's title", required: true, max_length: 100 },
          characterOption(false, "The first member of the cast"),
          { type: ApplicationCommandOptionType.String, name: "style", description: "Style for every scene", choices: choices(STYLES) },
          { type: ApplicationCommandOptionType.String, name: "size", description: "Size for every scene", choices: choices(IMAGE_SIZES) },
          { type: ApplicationCommandOptionType.String, name: "speed", description: "Speed for every scene", choices: choices(SPEEDS) },
        ],
      },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: "scene",
        description: "Add the next scene (inside the story's thread)",
        options: [
          { type: ApplicationCommandOptionType.String, name: "prompt", description: "What happens", required: true, max_length: MAX_PROMPT_LENGTH },
          characterOption(false, "Who is in it (default: the first of the cast)"),
          // Two characters in one scene: the second is painted into one side of it (two fal steps).
          { type: ApplicationCommandOptionType.String, name: "with", description: "A second member of the cast in the same scene", autocomplete: true, max_length: 100 },
          { type: ApplicationCommandOptionType.String, name: "placement", description: "Which side the second character goes (default: right)", choices: choices(PLACEMENTS) },
        ],
      },
      {
        type: ApplicationCommandOptionType.SubcommandGroup,
        name: "cast",
        description: "Change the story's cast",
        options: [
          { type: ApplicationCommandOptionType.Subcommand, name: "add", description: "Add a saved character", options: [characterOption(true, "The character")] },
          { type: ApplicationCommandOptionType.Subcommand, name: "remove", description: "Remove a character", options: [characterOption(true, "The character")] },
        ],
      },
      { type: ApplicationCommandOptionType.Subcommand, name: "recap", description: "Post the story so far" },
      { type: ApplicationCommandOptionType.Subcommand, name: "end", description: "End the story and post its storybook" },
    ],
  },

  async execute(interaction, ctx) {
    const o = interaction.options;
    const group = o.getSubcommandGroup(false);
    const sub = o.getSubcommand(false);
    if (group === "cast" && (sub === "add" || sub === "remove")) return changeCast(interaction, ctx, sub, readString(o, "character") ?? "");
    switch (sub) {
      case "start":
        return startStory(interaction, ctx, {
          title: readString(o, "title") ?? "",
          character: readString(o, "character"),
          style: readChoice(o, "style", STYLES),
          size: readChoice(o, "size", IMAGE_SIZES),
          speed: readChoice(o, "speed", SPEEDS),
        });
      case "scene":
        return addScene(interaction, ctx, {
          prompt: readString(o, "prompt") ?? "",
          character: readString(o, "character"),
          with: readString(o, "with"),
          placement: readChoice(o, "placement", PLACEMENTS),
        });
      case "recap":
        return recapStory(interaction, ctx);
      case "end":
        return endStory(interaction, ctx);
      default:
        throw new UserFacingError("Pick one of the /story subcommands: start, scene, cast, recap or end.");
    }
  },

  async autocomplete(interaction, ctx) {
    const focused = interaction.options.getFocused(true);
    const typed = String(focused.value);
    if (focused.name === "with") {
      await interaction.respond(await suggestCast(ctx, interaction.channelId, typed));
      return;
    }
    await interaction.respond(focused.name === "character" ? await suggestCharacters(ctx, interaction.guildId, interaction.user.id, typed) : []);
  },
} satisfies Command;
