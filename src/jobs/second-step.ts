import type { FalInputs } from "../domain/fal-endpoints.js";
import { editInput } from "../domain/fal-input.js";
import { readImageDimensions } from "../domain/image-dimensions.js";
import type { Job } from "../domain/job.js";
import type { FalResult } from "../domain/job-state.js";
import { placementMask } from "../domain/region-mask.js";
import type { FalService } from "../fal/fal-service.js";

/**
 * The second step of a two-character scene (duo): repaint one side of the first step's image
 * with the second character, through character/edit. The mask is drawn at the exact size of the
 * image fal made (read from its header), black over the chosen side (repaint) and white
 * elsewhere (keep): Ideogram's convention, see domain/region-mask.ts.
 *
 * Nothing here is paid for: it downloads the first image and uploads a mask. It may run again
 * after a restart (the step is only recorded as finished once this input exists), which uploads
 * another mask and changes nothing else.
 */
export async function secondStepInput(fal: FalService, job: Job, first: FalResult): Promise<FalInputs["edit"]> {
  const second = job.settings.second;
  const hosted = job.pipeline?.second;
  const image = first.images[0];
  if (!second || !hosted) throw new Error(`job ${job.id} has no second character to paint in`);
  if (!image) throw new Error(`job ${job.id}: the first step made no image`);
  const bytes = await fal.download(image.url);
  const { width, height } = readImageDimensions(bytes);
  const mask = placementMask(second.placement, width, height);
  const maskUrl = await fal.upload(mask, "image/png", `${second.placement}-side-mask.png`, job.origin.private ? "private-input" : "one-off-input");
  return editInput(
    // One image: the first step made one scene, and the edit repaints that one scene.
    { ...job.settings, prompt: second.prompt ?? job.settings.prompt, numImages: 1 },
    { image: image.url, imageMask: maskUrl, reference: hosted.reference, mask: hosted.mask },
  );
}
