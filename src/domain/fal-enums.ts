/** fal's enum values for ideogram/character, exactly as its schema spells them, with human names for Discord choices. */
export const STYLES = [
  { value: "AUTO", name: "Auto" },
  { value: "REALISTIC", name: "Realistic" },
  { value: "FICTION", name: "Fiction" },
] as const;

export const IMAGE_SIZES = [
  { value: "square_hd", name: "Square HD" },
  { value: "square", name: "Square" },
  { value: "portrait_4_3", name: "Portrait 4:3" },
  { value: "portrait_16_9", name: "Portrait 16:9" },
  { value: "landscape_4_3", name: "Landscape 4:3" },
  { value: "landscape_16_9", name: "Landscape 16:9" },
] as const;

export const SPEEDS = [
  { value: "TURBO", name: "Turbo" },
  { value: "BALANCED", name: "Balanced" },
  { value: "QUALITY", name: "Quality" },
] as const;

export const PALETTE_PRESETS = [
  "EMBER",
  "FRESH",
  "JUNGLE",
  "MAGIC",
  "MELON",
  "MOSAIC",
  "PASTEL",
  "ULTRAMARINE",
] as const;

export type Style = (typeof STYLES)[number]["value"];
export type ImageSize = (typeof IMAGE_SIZES)[number]["value"];
export type Speed = (typeof SPEEDS)[number]["value"];
export type PalettePreset = (typeof PALETTE_PRESETS)[number];

export const MAX_IMAGES = 8;
/** fal's limit for the character references together, and for the style references together. */
export const FAL_INPUT_LIMIT_BYTES = 10 * 1024 * 1024;

/** Human name of an enum value, for messages ("Portrait 16:9" rather than "portrait_16_9"). */
export function humanName(
  list: readonly { value: string; name: string }[],
  value: string,
): string {
  return list.find((entry) => entry.value === value)?.name ?? value;
}
