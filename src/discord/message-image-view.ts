import type { Message } from "discord.js";
import type { MessageImageView } from "../domain/message-image.js";

/**
 * The parts of a message (as the Apps menu's interaction resolves it) where an image can be:
 * its files, its embeds' images (Discord's proxy copy when it has one: that URL is on Discord's
 * own host, the original link may be anywhere), and Components V2 media galleries.
 */
export function messageImageView(message: Message): MessageImageView {
  const attachments = [...message.attachments.values()].map((file) => ({ name: file.name, size: file.size, url: file.url, contentType: file.contentType }));
  const embedImages = message.embeds.flatMap((embed) => [embed.image, embed.thumbnail]).flatMap((image) => (image ? [image.proxyURL ?? image.url] : []));
  const galleryUrls: string[] = [];
  const walk = (component: unknown): void => {
    if (!component || typeof component !== "object") return;
    const raw = component as { type?: unknown; items?: unknown; components?: unknown; accessory?: unknown };
    if (raw.type === 12 && Array.isArray(raw.items)) {
      for (const item of raw.items as { media?: { url?: unknown; proxy_url?: unknown } }[]) {
        const url = typeof item.media?.proxy_url === "string" ? item.media.proxy_url : item.media?.url;
        if (typeof url === "string") galleryUrls.push(url);
      }
    }
    if (Array.isArray(raw.components)) raw.components.forEach(walk);
  };
  // Containers nest galleries; toJSON gives the API shape whatever discord.js class wraps it.
  for (const component of message.components) walk(component.toJSON());
  return { attachments, embedImages, galleryUrls };
}
