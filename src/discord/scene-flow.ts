import type { ChatInputCommandInteraction } from "discord.js";
import type { AppContext } from "../app-context.js";
import { promptWithDescription } from "../domain/character-name.js";
import type { GenerationSettings } from "../domain/imagine-request.js";
import type { ServerSettings } from "../domain/server-policy.js";
import type { SceneImages } from "../domain/source-image.js";
import { readWithinAckBudget } from "./ack-within-budget.js";
import { findCharacter } from "./imagine-flow.js";
import { characterServerOf } from "./character-scope-of.js";
import { launchJob } from "./launch-job.js";
import { serverSettingsFor } from "./policy-gate.js";
import { loadSceneInputs } from "./scene-inputs.js";

/** A scene command's request: its saved character (if any), privacy, and its option check given the server's settings. */
export interface SceneCommand {
  character?: string | null;
  private?: boolean | null;
  /** The command's domain check (with the server's defaults applied where the command has them); throws UserFacingError. */
  check(server: ServerSettings): { settings: GenerationSettings; images: SceneImages };
}

/**
 * /edit, /remix and /upscale from options to a running job, in /imagine's order: store reads
 * within the acknowledgement budget, the option checks (a refusal is one ephemeral reply and
 * writes nothing), the saved character's description in front of the prompt when the server
 * allows it, then launchJob (acknowledge, rules and budgets, the job row, the runner). The
 * attachments are downloaded and checked by the runner (loadSceneInputs).
 */
export async function startSceneJob(interaction: ChatInputCommandInteraction, ctx: AppContext, command: SceneCommand): Promise<void> {
  // Store reads only: milliseconds, or an acknowledgement first when a busy database makes them wait.
  const { server, character } = await readWithinAckBudget(interaction, ctx.clock, async () => ({
    server: await serverSettingsFor(interaction, ctx),
    character: command.character != null ? await findCharacter(ctx, characterServerOf(interaction), interaction.user.id, command.character) : undefined,
  }));
  const { settings, images } = command.check(server); // UserFacingError → ephemeral reply, nothing written, no fal call
  if (character && server.characterDescriptions !== false) settings.prompt = promptWithDescription(settings.prompt, character.name, character.description);
  await launchJob(interaction, ctx, server, {
    settings,
    character,
    private: command.private === true,
    load: () => loadSceneInputs(ctx, { settings, images, character }),
  });
}
