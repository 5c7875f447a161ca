import { UserFacingError } from "../domain/errors.js";
import { FAL_INPUT_LIMIT_BYTES } from "../domain/fal-enums.js";
import { formatMegabytes, type AttachmentInfo } from "../domain/imagine-request.js";
import { sniffImageType } from "../domain/image-type.js";
import type { InputFile } from "../jobs/job-types.js";
import { readCapped } from "../util/read-capped.js";

/** How long one attachment download from Discord's CDN may take. */
export const DISCORD_DOWNLOAD_TIMEOUT_MS = 30_000;

/**
 * Downloads an attachment from Discord's CDN and checks it really is a JPEG, PNG or
 * WebP image. Reads at most the size limit, whatever size Discord claimed, so a file
 * with lying metadata cannot make the bot download more.
 */
export async function downloadImageAttachment(
  attachment: AttachmentInfo,
  role: string,
  options: { maxBytes?: number; timeoutMs?: number; fetch?: typeof fetch } = {},
): Promise<InputFile> {
  const maxBytes = options.maxBytes ?? FAL_INPUT_LIMIT_BYTES;
  // Discord's CDN is https; anything else (data:, file:, another scheme) is a forged payload.
  if (!/^https?:\/\//i.test(attachment.url)) {
    throw new UserFacingError(`The ${role} could not be downloaded from Discord. Please attach it again.`);
  }
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(attachment.url, { signal: AbortSignal.timeout(options.timeoutMs ?? DISCORD_DOWNLOAD_TIMEOUT_MS) });
  } catch {
    throw new UserFacingError(`The ${role} could not be downloaded from Discord. Please attach it again.`);
  }
  if (!response.ok) {
    throw new UserFacingError(`The ${role} could not be downloaded from Discord (HTTP ${response.status}). Please attach it again.`);
  }
  const bytes = await readCapped(response, maxBytes);
  if (!bytes) throw new UserFacingError(`The ${role} is larger than ${formatMegabytes(maxBytes)}, fal's limit. Try a smaller image.`);
  if (bytes.length === 0) {
    throw new UserFacingError(`The ${role} \`${attachment.name.slice(0, 80)}\` is empty (0 bytes). Please attach a real image.`);
  }
  const contentType = sniffImageType(bytes);
  if (!contentType) {
    throw new UserFacingError(
      `The ${role} \`${attachment.name.slice(0, 80)}\` is not a JPEG, PNG or WebP image (whatever its name says). Please attach a real image.`,
    );
  }
  return { bytes, contentType, fileName: attachment.name };
}
