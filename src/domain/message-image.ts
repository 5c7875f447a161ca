import { isAllowedCdnUrl } from "./discord-cdn-hosts.js";
import { UserFacingError } from "./errors.js";
import { FAL_INPUT_LIMIT_BYTES } from "./fal-enums.js";
import { formatMegabytes, type AttachmentInfo } from "./imagine-request.js";

/** A message as the Apps menu sees it (free of discord.js): its files, its embeds' images and its media galleries' items. */
export interface MessageImageView {
  attachments: readonly AttachmentInfo[];
  /** Each embed's image, then thumbnail: Discord's proxy URL when it gives one, else the link itself. */
  embedImages: readonly string[];
  /** Components V2 media gallery items (a result card's images), in order. */
  galleryUrls: readonly string[];
}

export type FoundImage = { kind: "image"; image: AttachmentInfo } | { kind: "none" } | { kind: "not-image"; name: string };

const IMAGE_NAME = /\.(png|jpe?g|webp|gif|avif|bmp)$/i;

/**
 * The message's first image, in the order a member reads it: attached files first (by their
 * declared type, or their name when Discord gave none), then embedded images, then a media
 * gallery. A file's declared type may lie: the bytes are sniffed when downloaded.
 */
export function firstImageOf(view: MessageImageView): FoundImage {
  const attached = view.attachments.find((file) => (file.contentType ? file.contentType.toLowerCase().startsWith("image/") : IMAGE_NAME.test(file.name)));
  if (attached) return { kind: "image", image: attached };
  // An embed's or gallery's size is not declared: 0 here, and the download stops at the limit.
  const linked = [...view.embedImages, ...view.galleryUrls.filter((url) => !url.startsWith("attachment://"))][0];
  if (linked) return { kind: "image", image: { name: fileNameOf(linked), size: 0, url: linked } };
  const [other] = view.attachments;
  return other ? { kind: "not-image", name: other.name } : { kind: "none" };
}

/**
 * The image a message menu will use, checked without downloading anything: present, on one of
 * Discord's hosts (nothing elsewhere is ever requested), and within fal's limit as declared. Each
 * refusal says what to do instead; nothing has been written or charged at this point.
 */
export function checkMenuImage(found: FoundImage, menu: string, allowedHosts: readonly string[]): AttachmentInfo {
  const hint = `Use “${menu}” on a message with a PNG, JPEG or WebP attached.`;
  if (found.kind === "none") throw new UserFacingError(`That message has no image. ${hint}`);
  if (found.kind === "not-image") throw new UserFacingError(`\`${shortName(found.name)}\` is not an image. ${hint} Nothing was charged.`);
  const { image } = found;
  if (!isAllowedCdnUrl(image.url, allowedHosts)) {
    throw new UserFacingError(
      `That image is not stored on Discord (it links to ${hostOf(image.url)}), and StoryCast only fetches images from Discord's own servers. ` +
        "Save it and attach it to a message instead. Nothing was charged.",
    );
  }
  if (image.size > FAL_INPUT_LIMIT_BYTES) {
    throw new UserFacingError(`\`${shortName(image.name)}\` is ${formatMegabytes(image.size)}; the limit is ${formatMegabytes(FAL_INPUT_LIMIT_BYTES)}. Try a smaller image. Nothing was charged.`);
  }
  return image;
}

function fileNameOf(url: string): string {
  try {
    const last = new URL(url).pathname.split("/").pop();
    return last ? decodeURIComponent(last) : "image";
  } catch {
    return "image";
  }
}

function hostOf(url: string): string {
  try {
    return `\`${new URL(url).host.slice(0, 80)}\``;
  } catch {
    return "another address";
  }
}

/** A file name for a message line: short, and without backticks that would end the code span. */
function shortName(name: string): string {
  return name.replace(/`/g, "'").slice(0, 80);
}
