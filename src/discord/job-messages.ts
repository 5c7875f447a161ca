import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponent } from "discord.js";
import { describeSettings } from "../domain/describe-settings.js";
import type { Job } from "../domain/job.js";
import type { FalResult } from "../domain/job-state.js";
import type { Progress } from "../jobs/job-reporter.js";
import { resultButtonId } from "./custom-ids.js";

type ButtonRow = APIActionRowComponent<APIButtonComponent>;

export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

/** The progress line shown in the reply while a job runs. */
export function progressText(progress: Progress): string {
  switch (progress.phase) {
    case "uploading":
      return "📤 Uploading your images to fal…";
    case "waiting":
      return `🕒 Waiting for a free slot: you are number ${progress.position} in StoryCast's queue.`;
    case "queued":
      return progress.position === undefined
        ? `⏳ Waiting in fal's queue… (${formatElapsed(progress.elapsedMs)})`
        : `⏳ In fal's queue, position ${progress.position + 1}… (${formatElapsed(progress.elapsedMs)})`;
    case "generating":
      return `🎨 Generating… (${formatElapsed(progress.elapsedMs)})`;
    case "downloading":
      return `📥 Fetching your images… (${formatElapsed(progress.elapsedMs)})`;
  }
}

export function cancelRow(jobId: string): ButtonRow {
  return {
    type: ComponentType.ActionRow,
    components: [{ type: ComponentType.Button, style: ButtonStyle.Secondary, label: "Cancel", custom_id: resultButtonId("cancel", jobId) }],
  };
}

export function resultRow(job: Job): ButtonRow {
  const buttons: APIButtonComponent[] = [
    { type: ComponentType.Button, style: ButtonStyle.Primary, label: "Reroll", emoji: { name: "🎲" }, custom_id: resultButtonId("reroll", job.id) },
  ];
  buttons.push({ type: ComponentType.Button, style: ButtonStyle.Secondary, label: "Save as character", emoji: { name: "💾" }, custom_id: resultButtonId("save", job.id) });
  // An ephemeral result is the requester's alone and can be dismissed; only shared ones need deleting.
  if (!job.origin.private) {
    buttons.push({ type: ComponentType.Button, style: ButtonStyle.Danger, label: "Delete", custom_id: resultButtonId("delete", job.id) });
  }
  return { type: ComponentType.ActionRow, components: buttons };
}

const MAX_PROMPT_IN_MESSAGE = 600;

/** The text above the images: who asked, the prompt, the seed and the settings that made them. */
export function resultHeader(job: Job, result: FalResult, part: { index: number; total: number }): string {
  const prompt = job.settings.prompt.length > MAX_PROMPT_IN_MESSAGE ? `${job.settings.prompt.slice(0, MAX_PROMPT_IN_MESSAGE)}…` : job.settings.prompt;
  const partLabel = part.total > 1 ? ` (part ${part.index + 1} of ${part.total})` : "";
  return [
    `${job.origin.caption ?? `🎬 Scene for <@${job.origin.userId}>`}${partLabel}`,
    `> ${prompt.replace(/\n/g, "\n> ")}`,
    `-# ${describeSettings(job.settings, result.seed)} · job ${job.id}`,
  ].join("\n");
}
