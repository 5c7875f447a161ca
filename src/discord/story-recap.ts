import type { AppContext } from "../app-context.js";
import type { Job } from "../domain/job.js";
import type { JobState } from "../domain/job-state.js";
import { singleLine } from "../domain/single-line.js";
import type { Scene, Story } from "../store/story-store.js";
import { escapeLine } from "./escape.js";

export interface VisibleScene {
  scene: Scene;
  job: Job & { state: Extract<JobState, { kind: "delivered" }> };
}

/**
 * The scenes anyone in the thread may see: delivered ones only, and never one whose job is
 * private (private results stay with their requester, also in the recap and the storybook).
 */
export function visibleScenes(ctx: AppContext, story: Story): VisibleScene[] {
  return ctx.stories.scenes(story.id).flatMap((scene) => {
    const job = ctx.store.get(scene.jobId);
    return job && !job.origin.private && job.state.kind === "delivered" ? [{ scene, job: job as VisibleScene["job"] }] : [];
  });
}

/**
 * The story so far, one line a scene anyone may see (private ones are left out), in order:
 * delivered scenes link to their result, the others say they are not finished. Names and
 * prompts are escaped and kept on one line: they are the members' text, not markdown.
 */
export function recapLines(ctx: AppContext, story: Story): string[] {
  return ctx.stories.scenes(story.id).flatMap((scene) => {
    const job = ctx.store.get(scene.jobId);
    if (job?.origin.private) return [];
    const link = job?.messageIds[0] ? ` — https://discord.com/channels/${story.guildId}/${story.threadId}/${job.messageIds[0]}` : "";
    const where = job?.state.kind === "delivered" ? link : " (not finished)";
    const points = Array.from(singleLine(scene.prompt));
    const prompt = escapeLine(points.length > 80 ? `${points.slice(0, 80).join("")}…` : points.join(""));
    return [`**${scene.number}.** ${escapeLine(scene.authorName)}: ${prompt}${where}`];
  });
}
