import type { Job } from "../domain/job.js";
import type { SceneAction } from "../domain/scene-controls.js";

const TITLE: Record<SceneAction, string> = { upscale: "🔍 Upscale", remix: "🔀 Remix", edit: "✏️ Edit" };

/**
 * The first line of a control's result, in place of "Scene for @member": what was made, for whom,
 * and a link back to the message holding the image it came from. It names the member on the first
 * line, as a channel post after the token expired expects (reply-target.ts `addressed`).
 * No user text in it: nothing to escape.
 */
export function sceneCaption(action: SceneAction, source: Job, image: number, presserId: string): string {
  const link = sourceMessageLink(source, image);
  const from = link ? `from <${link}>` : source.origin.private ? "from your private result" : "from an earlier result";
  return `${TITLE[action]} for <@${presserId}> of image ${image + 1} ${from}`;
}

/**
 * The Discord link of the message holding image `image` of a delivered job (a linked image, too
 * large or not downloaded, is in the last part). None for a private result: its messages are
 * ephemeral, and links to them open nothing.
 */
export function sourceMessageLink(job: Job, image: number): string | undefined {
  if (job.origin.private) return undefined;
  const posted = (job.delivery?.parts ?? []).filter((part) => part.messageId !== undefined);
  const part = posted.find((candidate) => candidate.images.includes(image)) ?? posted.at(-1);
  if (!part?.messageId) return undefined;
  const channelId = part.channelId ?? job.origin.channelId;
  // A part that went by DM (the bot could not post in the channel) is not in the server.
  const guild = channelId === job.origin.channelId && job.origin.guildId ? job.origin.guildId : "@me";
  return `https://discord.com/channels/${guild}/${channelId}/${part.messageId}`;
}
