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
export async function visibleScenes(ctx: AppContext, story: Story): Promise<VisibleScene[]> {
  const scenes = await withJobs(ctx, story);
  return scenes.flatMap(({ scene, job }) => (job && !job.origin.private && job.state.kind === "delivered" ? [{ scene, job: job as VisibleScene["job"] }] : []));
}

/** The story's scenes, in order, each with its job. */
async function withJobs(ctx: AppContext, story: Story): Promise<{ scene: Scene; job: Job | undefined }[]> {
  const scenes = await ctx.stories.scenes(story.id);
  return Promise.all(scenes.map(async (scene) => ({ scene, job: await ctx.store.get(scene.jobId) })));
}

/**
 * The story so far, one line a scene anyone may see (private ones are left out), in order:
 * delivered scenes link to their result, the others say they are not finished. Names and
 * prompts are escaped and kept on one line: they are the members' text, not markdown.
 */
export async function recapLines(ctx: AppContext, story: Story): Promise<string[]> {
  return (await withJobs(ctx, story)).flatMap(({ scene, job }) => {
    // No job: the scene was numbered but its job refused by a budget in a concurrent burst (see addScene).
    if (!job || job.origin.private) return [];
    const link = job?.messageIds[0] ? ` — https://discord.com/channels/${story.guildId}/${story.threadId}/${job.messageIds[0]}` : "";
    const where = job?.state.kind === "delivered" ? link : " (not finished)";
    const points = Array.from(singleLine(scene.prompt));
    const prompt = escapeLine(points.length > 80 ? `${points.slice(0, 80).join("")}…` : points.join(""));
    return [`**${scene.number}.** ${escapeLine(scene.authorName)}: ${prompt}${where}`];
  });
}
