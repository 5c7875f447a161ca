import type { AppContext } from "../app-context.js";
import { isAllowedCdnUrl } from "../domain/discord-cdn-hosts.js";
import { UserFacingError } from "../domain/errors.js";
import type { AttachmentInfo } from "../domain/imagine-request.js";
import type { InputFile } from "../jobs/job-types.js";
import { downloadImageAttachment } from "./download-attachment.js";

/**
 * A redirect is not followed: an allowed host must serve the bytes itself, so a link on it cannot
 * send the download anywhere else (Discord's CDN answers attachments directly).
 */
export const fetchWithoutRedirects: typeof fetch = (input, init) => fetch(input, { ...init, redirect: "manual" });

/**
 * The menu's image from Discord, as /imagine's attachments are fetched: its host checked again
 * (the URL came from memory, but this is the line nothing else may cross), at most fal's limit
 * read, the bytes sniffed for JPEG/PNG/WebP, within the download timeout. Throws a
 * UserFacingError naming the file when it is not a usable image.
 */
export async function downloadMenuImage(ctx: AppContext, image: AttachmentInfo, role: string): Promise<InputFile> {
  if (!isAllowedCdnUrl(image.url, ctx.config.discordCdnHosts)) {
    throw new UserFacingError("That image is not stored on Discord, and StoryCast only fetches images from Discord's own servers. Nothing was charged.");
  }
  return downloadImageAttachment(image, role, { fetch: fetchWithoutRedirects });
}
