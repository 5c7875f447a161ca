import type { REST } from "discord.js";
import type { Job } from "../domain/job.js";
import type { FalResult } from "../domain/job-state.js";
import { UndeliverableError, type JobReporter, type Progress, type ResultPart } from "../jobs/job-reporter.js";
import type { Logger } from "../logger.js";
import { cancelRow, progressText } from "./job-messages.js";
import { findRecentBotMessage } from "./find-recent-message.js";
import { createLatestWinsThrottle } from "./latest-wins-throttle.js";
import { createReplyTarget, permanentFailure } from "./reply-target.js";
import { messageText } from "./result-card.js";
import { resultMessage } from "./result-message.js";

export interface DiscordReporterDeps {
  rest: REST;
  logger: Logger;
  /** Minimum time between two progress edits of one reply (Discord rate-limits webhook edits). */
  progressEditIntervalMs: number;
  now?: () => number;
}

/**
 * Shows jobs in Discord. All messages of one job go through one queue, so a slow
 * progress edit can never land after (and overwrite) the final result.
 */
export function createDiscordReporter(deps: DiscordReporterDeps): JobReporter {
  const now = deps.now ?? Date.now;
  const queues = new Map<string, Promise<unknown>>();
  // Jobs whose final message is queued: later progress must not be shown. Forgotten after a minute.
  const finished = new Set<string>();

  function enqueue<T>(jobId: string, task: () => Promise<T>): Promise<T> {
    const previous = queues.get(jobId) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.catch(() => undefined);
    queues.set(jobId, settled);
    void settled.then(() => {
      if (queues.get(jobId) === settled) queues.delete(jobId);
    });
    return next;
  }

  const progressEdits = createLatestWinsThrottle<{ job: Job; text: string }>(deps.progressEditIntervalMs, async (jobId, { job, text }) => {
    if (finished.has(jobId)) return;
    const target = createReplyTarget(deps.rest, job.origin, now);
    await enqueue(jobId, () => target.editProgress({ content: text, components: [cancelRow(jobId)] })).catch((error: unknown) =>
      deps.logger.warn({ jobId, err: error }, "progress edit failed"),
    );
  });
  const lastText = new Map<string, string>();

  const markFinished = (jobId: string) => {
    finished.add(jobId);
    progressEdits.cancel(jobId);
    lastText.delete(jobId);
    setTimeout(() => finished.delete(jobId), 60_000).unref();
  };

  return {
    async progress(job: Job, progress: Progress) {
      // The job is the current row: a job of several steps shows the step it is at.
      const text = progressText(progress, job);
      // Progress after the token expired would be a new channel message each time: not worth the noise.
      if (finished.has(job.id) || lastText.get(job.id) === text || !createReplyTarget(deps.rest, job.origin, now).tokenValid()) return;
      lastText.set(job.id, text);
      progressEdits.push(job.id, { job, text });
    },

    postPart(job: Job, result: FalResult, part: ResultPart) {
      markFinished(job.id);
      return enqueue(job.id, async () => {
        const target = createReplyTarget(deps.rest, job.origin, now);
        const message = resultMessage(job, result, part);
        if (!job.origin.private && part.index === 0 && target.tokenValid()) {
          // Edit the reply before posting: Discord turns the first follow-up after a deferral that
          // was never edited (e.g. a job resumed after a restart) into the reply itself, and the
          // "done" edit would then overwrite the images.
          await target.editProgress({ content: "📤 Posting your images…", components: [] });
        }
        try {
          // The reply is ephemeral (progress is the requester's business); results go to the
          // channel as follow-ups, except a private request's, which replace the reply.
          const sent = job.origin.private && part.index === 0 ? await target.editReply(message) : await target.followUp(message);
          return { messageId: sent.id, channelId: sent.channel_id };
        } catch (error) {
          const permanent = permanentFailure(error);
          if (permanent) throw new UndeliverableError(permanent, { cause: error });
          throw error;
        }
      });
    },

    async findPostedPart(job: Job, part: { index: number; total: number }) {
      // Ephemeral follow-ups cannot be listed; a private result's first part replaces the reply (safe to redo).
      // Where only the member's install brought StoryCast, the channel cannot be read (403) either.
      if (job.origin.private || job.origin.interactionOnly) return undefined;
      const label = part.total > 1 ? `(part ${part.index + 1} of ${part.total})` : "";
      const found = await findRecentBotMessage(deps.rest, job.origin.channelId, job.origin.applicationId, (message) => {
        // A result is a card (its caption is a text display, its content empty); captions are markdown-escaped.
        const text = messageText(message).replace(/\\/g, "");
        return text.includes(`job ${job.id}`) && text.includes(label);
      });
      return found ? { messageId: found.id, channelId: found.channel_id } : undefined;
    },

    async finishDelivery(job: Job, imageCount: number) {
      if (job.origin.private) return;
      await enqueue(job.id, async () => {
        const target = createReplyTarget(deps.rest, job.origin, now);
        if (target.tokenValid()) {
          // Where StoryCast may not post in the channel, the images are follow-ups (or, past Discord's limits, DMs).
          const where = job.origin.interactionOnly ? "delivered" : "posted in the channel";
          await target.editProgress({ content: `✅ Done: ${imageCount} image${imageCount === 1 ? "" : "s"} ${where}.`, components: [] });
        }
      }).catch((error: unknown) => deps.logger.warn({ jobId: job.id, err: error }, "could not close the reply after delivering"));
    },

    async fail(job: Job, message: string) {
      markFinished(job.id);
      await enqueue(job.id, () => createReplyTarget(deps.rest, job.origin, now).editReply({ content: `⚠️ ${message}`, components: [] })).catch(
        (error: unknown) => deps.logger.error({ jobId: job.id, err: error }, "could not tell the user their job ended"),
      );
    },
  };
}
