import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponent } from "discord.js";
import { describeSettings } from "../domain/describe-settings.js";
import type { Job } from "../domain/job.js";
import type { FalResult } from "../domain/job-state.js";
import { pipelinePriceLine, placementPhrase } from "../domain/two-characters.js";
import type { Progress } from "../jobs/job-reporter.js";
import { resultButtonId } from "./custom-ids.js";
import { escapeLine, escapeLines, fitEscaped, MAX_MESSAGE_LENGTH } from "./escape.js";

type ButtonRow = APIActionRowComponent<APIButtonComponent>;

export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

/**
 * The progress shown in the reply while a job runs. A job of several fal steps (two characters
 * in one scene) says which step it is at and, beneath, what the steps cost together.
 */
export function progressText(progress: Progress, job?: Pick<Job, "pipeline" | "settings" | "costUsd">): string {
  const line = phaseText(progress);
  const pipeline = job?.pipeline;
  if (!pipeline) return line;
  return `${line} — ${stepText(pipeline.step, pipeline.steps, job.settings)}\n-# 👥 ${pipelinePriceLine(pipeline, job.costUsd)}`;
}

/** "step 1 of 2: the scene" / "step 2 of 2: painting in **Vex** on the left". */
function stepText(step: number, steps: number, settings: Job["settings"]): string {
  const second = settings.second;
  const what = step === 1 ? "the scene" : second ? `painting in **${escapeLine(second.name)}** ${placementPhrase(second.placement)}` : "the second character";
  return `step ${step} of ${steps}: ${what}`;
}

/** " with **Vex** on the left" after a two-character scene's caption: the result says both were placed. */
function secondCharacterPhrase(settings: Job["settings"]): string {
  const second = settings.kind === "duo" ? settings.second : undefined;
  return second ? ` with **${escapeLine(second.name)}** ${placementPhrase(second.placement)}` : "";
}

function phaseText(progress: Progress): string {
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
/** The settings line's share of the message: a 1000-character negative prompt must leave room for the prompt. */
const MAX_SETTINGS_LINE = 400;
/** Room a channel post needs for the "<@id> " put in front when the interaction's token is gone (ids are at most 20 digits). */
export const MENTION_ROOM = 24;

/**
 * The text above the images: who asked, the prompt, the seed and the settings that made them.
 * The prompt and the settings are user text: escaped, every prompt line inside the block quote,
 * the settings on one line, and the whole at most `maxLength` characters (by default what
 * leaves room for a mention in front, within Discord's 2000).
 */
export function resultHeader(job: Job, result: FalResult, part: { index: number; total: number }, maxLength = MAX_MESSAGE_LENGTH - MENTION_ROOM): string {
  const partLabel = part.total > 1 ? ` (part ${part.index + 1} of ${part.total})` : "";
  // A story's caption is escaped where it is made (addScene).
  const caption = `${job.origin.caption ?? `🎬 Scene for <@${job.origin.userId}>`}${secondCharacterPhrase(job.settings)}${partLabel}`;
  const jobLabel = ` · job ${job.id}`;
  const settings = `-# ${fitEscaped(describeSettings(job.settings, result.seed), MAX_SETTINGS_LINE, escapeLine)}${jobLabel}`;
  const promptRoom = maxLength - caption.length - settings.length - 2;
  const points = Array.from(job.settings.prompt);
  const prompt = points.length > MAX_PROMPT_IN_MESSAGE ? `${points.slice(0, MAX_PROMPT_IN_MESSAGE).join("")}…` : job.settings.prompt;
  const quote = fitEscaped(prompt, promptRoom, (text) => {
    const lines = escapeLines(text);
    return (lines.length ? lines : ["…"]).map((line) => `> ${line}`).join("\n");
  });
  return [caption, quote, settings].join("\n");
}
