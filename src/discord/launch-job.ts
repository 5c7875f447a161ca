import type { AppContext } from "../app-context.js";
import type { GenerationSettings } from "../domain/imagine-request.js";
import { generationOf } from "../domain/pricing.js";
import type { ServerSettings } from "../domain/server-policy.js";
import type { InputLoader } from "../jobs/job-types.js";
import type { Character } from "../store/character-store.js";
import { deferEphemeralOnce } from "./ack-within-budget.js";
import { recordJob, type JobInteraction } from "./record-job.js";
import { enforcePolicy } from "./policy-gate.js";
import { offerPrice } from "./offer-price.js";

/**
 * The paid half of a command, once its options passed their checks, in startImagine's order:
 * acknowledge (Discord's 3 s), the server's rules and the queue cap, the job row written with
 * the budgets in the same transaction (a burst cannot pass a limit together), then the runner,
 * which calls `load` inside an upload slot: bad input found there ends the job with its message
 * before anything reaches fal.
 */
export async function launchJob(
  interaction: JobInteraction,
  ctx: AppContext,
  server: ServerSettings,
  launch: {
    settings: GenerationSettings;
    character: Character | undefined;
    /** A two-character scene's second saved character (counted as used too). */
    secondCharacter?: Character | undefined;
    private: boolean;
    caption?: string;
    /** A line shown once the price is accepted, before the job starts (e.g. a two-step job's summed price). */
    announce?: string;
    load: InputLoader;
  },
): Promise<void> {
  await deferEphemeralOnce(interaction);
  // A costly request waits for the member to accept its price: nothing is written or paid before.
  if (!(await offerPrice(interaction, ctx, server, launch.settings))) return;
  if (launch.announce) await interaction.editReply(launch.announce);
  const admission = enforcePolicy(interaction, ctx, server, generationOf(ctx.config.prices, launch.settings));
  try {
    const job = await recordJob(interaction, ctx, {
      settings: launch.settings,
      character: launch.character,
      secondCharacter: launch.secondCharacter,
      private: launch.private,
      ...(launch.caption ? { caption: launch.caption } : {}),
      admission,
    });
    // The runner tracks its own failures (the job ends with an apology); nothing to await here.
    void ctx.runner.start(job, launch.load);
  } finally {
    admission.release(); // in the same tick as start: the runner counts the job from here
  }
}
