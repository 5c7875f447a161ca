import type { DeliveryPlan } from "../domain/job.js";
import { splitIntoMessages } from "../domain/split-files.js";
import type { ResultImage } from "./job-reporter.js";

/**
 * Splits a result into messages (Discord's per-message upload limit and 10 attachments),
 * once, before anything is posted. Images that could not be downloaded or are too large for
 * any message are linked in the last part. There is always at least one part.
 */
export function planDelivery(images: readonly ResultImage[], attachmentSizeLimit: number): DeliveryPlan {
  const downloaded = images.flatMap((image) => (image.bytes ? [{ index: image.index, size: image.bytes.length }] : []));
  const { batches, tooLarge } = splitIntoMessages(downloaded, attachmentSizeLimit);
  const parts = batches.map((batch) => ({ images: batch.map((file) => file.index) }));
  return {
    parts: parts.length > 0 ? parts : [{ images: [] }],
    links: [
      ...tooLarge.map((file) => ({ index: file.index, reason: "too_large" as const })),
      ...images.filter((image) => !image.bytes).map((image) => ({ index: image.index, reason: "download_failed" as const })),
    ].sort((a, b) => a.index - b.index),
  };
}
