import { acceptedAtOf, type DeliveryPart, type Job } from "../domain/job.js";
import { requestIdOf, type FalResult } from "../domain/job-state.js";
import type { Logger } from "../logger.js";
import { backoffDelay } from "../util/backoff.js";
import { systemClock } from "../util/clock.js";
import { planDelivery } from "./delivery-plan.js";
import { UndeliverableError, type ResultImage } from "./job-reporter.js";
import { createJobSlots } from "./job-slots.js";
import { transitionIfAllowed } from "./transition-if-allowed.js";
import type { JobRunnerDeps } from "./job-types.js";

/** How long to wait before trying again a delivery that failed all its attempts. */
const REDELIVERY_DELAY_MS = 5 * 60_000;

/**
 * Delivery of a finished job: download the images, post each planned part once (storing
 * each as it goes), retry what may pass, end what never will as undeliverable.
 */
export function createJobDelivery(
  deps: JobRunnerDeps,
  hooks: { logFor: (job: Job, requestId?: string) => Logger; retryLater: (job: Job, result: FalResult, inMs: number) => void },
) {
  const { store, fal, reporter } = deps;
  const clock = deps.clock ?? systemClock;
  const now = () => clock.now();
  const deliveries = createJobSlots(deps.concurrentDeliveries ?? 8);

  async function downloadImages(job: Job, result: FalResult): Promise<ResultImage[]> {
    return Promise.all(
      result.images.map(async (image, index) => {
        const bytes = await fal.download(image.url).catch((error: unknown) => {
          hooks.logFor(job).warn({ err: error, url: image.url }, "result image download failed");
          return undefined;
        });
        return { index, url: image.url, bytes, contentType: image.contentType ?? "image/png" };
      }),
    );
  }

  /**
   * Posts a finished job. The job stays `completed` in the store until Discord took every
   * part, so a Discord outage or a restart delays delivery but loses nothing; each part's
   * message is stored as soon as it is posted, so a retry never posts a part twice.
   */
  async function deliver(job: Job, result: FalResult): Promise<void> {
    // Images are downloaded just before they are posted, a few jobs at a time: when many
    // jobs finish together, their bytes would otherwise all wait in memory for Discord.
    await deliveries.withSlot(() => downloadAndPost(job, result));
  }

  async function downloadAndPost(job: Job, result: FalResult): Promise<void> {
    const requestId = requestIdOf(job.state) ?? "";
    const log = hooks.logFor(job, requestId);
    void reporter.progress(job, { phase: "downloading", elapsedMs: now() - acceptedAtOf(job) });
    const images = await downloadImages(job, result);
    const attempts = deps.deliveryAttempts ?? 5;
    for (let attempt = 0; attempt < attempts; attempt++) {
      try {
        const current = (await store.get(job.id)) ?? job;
        // Delivered (or ended) by another run since this one was scheduled: posting again would post twice.
        if (current.state.kind !== "completed") {
          log.info({ state: current.state.kind }, "the job is no longer waiting for delivery; not posting it");
          return;
        }
        await postMissingParts(current, result, images);
        if (!(await transitionIfAllowed(store, job.id, { kind: "delivered", requestId, result }))) {
          log.warn("the job left completed while its parts were posted; not marking it delivered");
          return;
        }
        await reporter.finishDelivery(job, result.images.length);
        log.info({ images: images.length, missing: images.filter((i) => !i.bytes).length }, "job delivered");
        return;
      } catch (error) {
        if (error instanceof UndeliverableError) {
          await store.transition(job.id, { kind: "undeliverable", requestId, result, reason: error.reason });
          log.error({ err: error.cause ?? error, reason: error.reason }, "job undeliverable: Discord refused every way to post it; not retrying");
          return;
        }
        log.warn({ err: error, attempt: attempt + 1 }, "delivery to Discord failed; will retry");
        if (attempt + 1 < attempts) await clock.sleep(backoffDelay(attempt, deps.deliveryBackoffMs ?? 1000, 30_000));
      }
    }
    const retryInMs = deps.redeliveryDelayMs ?? REDELIVERY_DELAY_MS;
    log.error({ retryInMs }, "delivery kept failing; the job stays completed and will be tried again");
    hooks.retryLater(job, result, retryInMs);
  }

  /** Posts the parts of the stored plan not yet posted (planning them on the first attempt), storing each as it goes. */
  async function postMissingParts(job: Job, result: FalResult, images: ResultImage[]): Promise<void> {
    let plan = job.delivery ?? planDelivery(images, job.origin.attachmentSizeLimit);
    if (!job.delivery) await store.setDelivery(job.id, plan);
    const total = plan.parts.length;
    for (const [index, part] of plan.parts.entries()) {
      if (part.messageId) continue;
      const attached = part.images.map((i) => images[i]).filter((image): image is ResultImage => image !== undefined);
      const files = attached.filter((image): image is ResultImage & { bytes: Buffer } => image.bytes !== undefined);
      const links = [
        // A planned image whose download failed this time (e.g. after a restart) is linked rather than lost.
        ...attached.filter((image) => image.bytes === undefined).map((image) => ({ image, reason: "download_failed" as const })),
        ...(index === total - 1 ? plan.links.flatMap(({ index: i, reason }) => (images[i] ? [{ image: images[i], reason }] : [])) : []),
      ];
      const record = async (change: Partial<DeliveryPart>) => {
        plan = { ...plan, parts: plan.parts.map((p, i) => (i === index ? { ...p, ...change } : p)) };
        await store.setDelivery(job.id, plan);
      };
      // Sent before without an answer: Discord may have posted it; look before posting again.
      const found = part.sentAt !== undefined ? await reporter.findPostedPart(job, { index, total }).catch(() => undefined) : undefined;
      if (found) {
        hooks.logFor(job).info({ part: index + 1, messageId: found.messageId }, "a part sent before the interruption was posted after all; not posting it again");
        await record(found);
        continue;
      }
      // sentAt is durable before the post, so an interrupted post is looked for rather than repeated.
      await record({ sentAt: now() });
      await record(await reporter.postPart(job, result, { index, total, files, links }));
    }
  }

  return { deliver };
}
