import { ComponentType, type APIActionRowComponent, type APIComponentInMessageActionRow, type APIMessageTopLevelComponent } from "discord.js";
import { capContent } from "./escape.js";

/**
 * Discord's limits for a Components V2 message (docs "Component Reference" and "Message
 * Resource" → Message Flags, IS_COMPONENTS_V2): at most 40 components in the whole tree
 * (nested ones count), at most 4000 characters across all text displays.
 */
export const MAX_CARD_COMPONENTS = 40;
export const MAX_CARD_TEXT = 4000;
/**
 * A gallery item's description (alt text) may hold 1024 characters; ours are kept short, so
 * that even ten of them and the longest caption stay inside the 4000 above, should Discord
 * count them with the text displays.
 */
export const MAX_ALT_TEXT = 150;

export interface CardParts {
  /** The caption, already escaped markdown (it becomes the card's one text display). */
  text: string;
  /** Names of the files uploaded with the message, in order: each is shown in the gallery. */
  fileNames: readonly string[];
  /** Each file's alt text, in the same order (what a screen reader says of the image). */
  altTexts?: readonly string[];
  /** The buttons and selects below the images. */
  rows: readonly APIActionRowComponent<APIComponentInMessageActionRow>[];
}

/**
 * A result as one Components V2 container: the caption, then the images as a gallery that
 * references the uploads (`attachment://name`; with the flag, an upload no component
 * references is not shown), then the buttons. Without files (every image a link) the
 * gallery is left out, since Discord wants 1 to 10 items in one.
 */
export function resultCard({ text, fileNames, altTexts = [], rows }: CardParts): APIMessageTopLevelComponent[] {
  const gallery =
    fileNames.length > 0
      ? [
          {
            type: ComponentType.MediaGallery as const,
            items: fileNames.map((name, i) => {
              const alt = capContent(altTexts[i] ?? "", MAX_ALT_TEXT);
              return { media: { url: `attachment://${name}` }, ...(alt ? { description: alt } : {}) };
            }),
          },
        ]
      : [];
  return [
    {
      type: ComponentType.Container,
      // An empty caption would be an invalid text display: the card always says something.
      components: [{ type: ComponentType.TextDisplay, content: capContent(text, MAX_CARD_TEXT) || "🎬" }, ...gallery, ...rows],
    },
  ];
}

/** Every component of a tree, nested ones included: what Discord's limit of 40 counts. */
export function countComponents(components: readonly unknown[]): number {
  return components.reduce<number>((total, component) => {
    const c = component as { components?: unknown[]; accessory?: unknown };
    return total + 1 + (Array.isArray(c.components) ? countComponents(c.components) : 0) + (c.accessory ? countComponents([c.accessory]) : 0);
  }, 0);
}

/** Text a reader may get from a tree: the text displays and the images' alt texts, in reading order. */
function texts(components: readonly unknown[]): string[] {
  return components.flatMap((component) => {
    const c = component as { content?: unknown; description?: unknown; items?: unknown[]; components?: unknown[]; accessory?: unknown };
    const own = [c.content, c.description].filter((text): text is string => typeof text === "string");
    return [...own, ...(Array.isArray(c.items) ? texts(c.items) : []), ...(Array.isArray(c.components) ? texts(c.components) : []), ...(c.accessory ? texts([c.accessory]) : [])];
  });
}

/** The text displays of a component tree, in reading order. */
function textDisplays(components: readonly unknown[]): string[] {
  return components.flatMap((component) => {
    const c = component as { type?: number; content?: unknown; components?: unknown[]; accessory?: unknown };
    if (c.type === ComponentType.TextDisplay && typeof c.content === "string") return [c.content];
    return [...(Array.isArray(c.components) ? textDisplays(c.components) : []), ...(c.accessory ? textDisplays([c.accessory]) : [])];
  });
}

/**
 * Total characters across a tree's text displays (Discord's limit is 4000), counting the
 * images' alt texts too: the documentation does not say whether they count, so we assume they do.
 */
export function cardTextLength(components: readonly unknown[]): number {
  return texts(components).reduce((total, text) => total + text.length, 0);
}

/**
 * What a reader sees of a message: its content and, for a Components V2 message (whose
 * content is empty), the text displays. Our own posts are recognized by this text.
 */
export function messageText(message: { content?: string | null; components?: readonly unknown[] }): string {
  return [message.content ?? "", ...textDisplays(message.components ?? [])].filter((line) => line !== "").join("\n");
}
