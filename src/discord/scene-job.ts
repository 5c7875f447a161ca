import type { AppContext } from "../app-context.js";
import { UserFacingError } from "../domain/errors.js";
import { firstStepInput, type HostedInputs } from "../domain/fal-input.js";
import type { AttachmentInfo } from "../domain/imagine-request.js";
import { generationOf } from "../domain/pricing.js";
import type { MaskRegion } from "../domain/region-mask.js";
import { sceneSettings, type SceneRequest } from "../domain/scene-controls.js";
import { editMaskFor } from "../jobs/edit-mask.js";
import type { InputFiles, InputLoader } from "../jobs/job-types.js";
import { deferEphemeralOnce } from "./ack-within-budget.js";
import { downloadImageAttachment } from "./download-attachment.js";
import { recordJob, type JobInteraction } from "./record-job.js";
import { borrowedRules, enforcePolicy, serverSettingsFor } from "./policy-gate.js";
import { offerPrice } from "./offer-price.js";
import { sceneCaption } from "./scene-caption.js";
import { checkSourceStillHosted, type SceneSource } from "./scene-source.js";

/**
 * A control's job, for whoever pressed, under the same rules as a command: acknowledged first,
 * the source's files checked still on fal, then the server's rules and budgets at the control's
 * price (checked in the transaction that writes the job), then started. A private result's
 * controls make private jobs. Upscale and Remix start from hosted files only (the result image
 * and the scene's character); Edit's loader first fetches the image to check or draw its mask.
 */
export async function launchSceneJob(interaction: JobInteraction, ctx: AppContext, source: SceneSource, request: SceneRequest, mask?: AttachmentInfo): Promise<void> {
  await deferEphemeralOnce(interaction);
  await checkSourceStillHosted(ctx, source, request.action);
  const settings = sceneSettings(source.job.settings, { jobId: source.job.id, image: source.image.index }, request);
  // As for a command: a costly request waits for the member to accept its price.
  // Pressed on a result that came by DM, the rules of the server it was made under still apply.
  const rulesFrom = borrowedRules(interaction, source.job);
  const server = await serverSettingsFor(interaction, ctx, rulesFrom);
  if (!(await offerPrice(interaction, ctx, server, settings, rulesFrom))) return;
  const admission = enforcePolicy(interaction, ctx, server, generationOf(ctx.config.prices, settings), rulesFrom);
  try {
    const launch = {
      settings,
      character: undefined,
      private: source.job.origin.private,
      caption: sceneCaption(request.action, source.job, source.image.index, interaction.user.id),
      admission,
    };
    if (request.action === "edit") {
      const job = await recordJob(interaction, ctx, launch);
      void ctx.runner.start(job, editInputs(ctx, source, mask ? { mask } : { region: regionOf(request.region) })); // the runner ends its own failures with an apology
    } else {
      const falInput = firstStepInput(settings, hostedInputs(source));
      const job = await recordJob(interaction, ctx, { ...launch, falInput });
      void ctx.runner.startHosted(job, falInput);
    }
  } finally {
    admission.release(); // in the same tick as start: the runner counts the job from here
  }
}

function hostedInputs(source: SceneSource): HostedInputs {
  const { character } = source;
  return { image: source.image.url, ...(character ? { reference: character.reference, ...(character.mask ? { mask: character.mask } : {}) } : {}) };
}

function regionOf(region: MaskRegion | undefined): MaskRegion {
  if (!region) throw new Error("an edit without a mask file needs a region"); // readSceneForm gives one or the other
  return region;
}

/**
 * Edit's inputs, loaded in the runner's upload slot: the result image is fetched from fal to read
 * its size, then the member's mask file is downloaded from Discord and must match it exactly
 * (else the job ends with both sizes, before anything reaches fal), or the chosen area is drawn
 * at that size. The image and the character are already on fal; only the mask is uploaded.
 */
function editInputs(ctx: AppContext, source: SceneSource, choice: { region: MaskRegion } | { mask: AttachmentInfo }): InputLoader {
  return async (): Promise<InputFiles> => {
    const { character } = source;
    if (!character) throw new Error("an edit needs the scene's character"); // loadSource finds it for edits
    const image = await ctx.fal.download(source.image.url).catch((error: unknown) => {
      ctx.logger.warn({ err: error, jobId: source.job.id }, "could not fetch a result image to edit it");
      throw new UserFacingError(`Image ${source.image.index + 1} could not be fetched from fal, so it can't be edited. Nothing was charged.`);
    });
    const mask = "mask" in choice ? { mask: await downloadImageAttachment(choice.mask, "mask") } : choice;
    return {
      image: { url: source.image.url },
      imageMask: editMaskFor(image, mask),
      reference: { url: character.reference },
      ...(character.mask ? { mask: { url: character.mask } } : {}),
    };
  };
}
