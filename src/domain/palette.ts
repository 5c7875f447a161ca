import { UserFacingError } from "./errors.js";
import { PALETTE_PRESETS, type PalettePreset } from "./fal-enums.js";

export interface PaletteMember {
  rgb: { r: number; g: number; b: number };
  color_weight?: number;
}
/** fal's ColorPalette: a preset by name, or explicit members. */
export type ColorPalette = { name: PalettePreset } | { members: PaletteMember[] };

const MAX_MEMBERS = 10;
const HEX = /^#?([0-9a-f]{6}|[0-9a-f]{3})$/i;

/**
 * Parses what a user typed into the palette option: a preset name ("ember", any case)
 * or hex colours with optional weights, e.g. `#ff0000:0.8, #00ff00:0.4 #0000ff`.
 * Weights are fal's color_weight (0.05–1); without one fal uses its default (0.5).
 */
export function parsePalette(text: string): ColorPalette {
  const trimmed = text.trim();
  const preset = PALETTE_PRESETS.find((name) => name === trimmed.toUpperCase());
  if (preset) return { name: preset };

  const parts = trimmed.split(/[\s,]+/).filter((part) => part.length > 0);
  if (parts.length === 0) throw paletteError(`"${snippet(text)}" is empty`);
  if (parts.length > MAX_MEMBERS) {
    throw paletteError(`at most ${MAX_MEMBERS} colours, got ${parts.length}`);
  }
  return { members: parts.map(parseMember) };
}

function parseMember(part: string): PaletteMember {
  const [hex = "", weightText, ...rest] = part.split(":");
  const match = HEX.exec(hex);
  if (!match?.[1] || rest.length > 0) {
    throw paletteError(`"${snippet(part)}" is not a hex colour like #ff8800 or #ff8800:0.5`);
  }
  const member: PaletteMember = { rgb: hexToRgb(match[1]) };
  if (weightText !== undefined) {
    const weight = Number(weightText);
    if (weightText.trim() === "" || !Number.isFinite(weight) || weight < 0.05 || weight > 1) {
      throw paletteError(`the weight in "${snippet(part)}" must be a number from 0.05 to 1`);
    }
    member.color_weight = weight;
  }
  return member;
}

function hexToRgb(hex: string): { r: number; g: number; b: number } {
  const full = hex.length === 3 ? [...hex].map((c) => c + c).join("") : hex;
  return {
    r: Number.parseInt(full.slice(0, 2), 16),
    g: Number.parseInt(full.slice(2, 4), 16),
    b: Number.parseInt(full.slice(4, 6), 16),
  };
}

/** What the user typed, shortened for the message (cut by code points, so no emoji is split). */
function snippet(text: string): string {
  const chars = Array.from(text);
  return chars.length > 40 ? `${chars.slice(0, 40).join("")}…` : text;
}

function paletteError(detail: string): UserFacingError {
  return new UserFacingError(
    `That palette doesn't work: ${detail}. Use a preset (${PALETTE_PRESETS.join(", ")}) ` +
      `or hex colours with optional weights, e.g. \`#ff0000:0.8 #0000ff:0.3\`.`,
  );
}

/** Presets matching what the user has typed so far, for autocomplete. */
export function suggestPalettes(typed: string): string[] {
  const needle = typed.trim().toUpperCase();
  return PALETTE_PRESETS.filter((name) => name.includes(needle));
}

/** Short human description of a palette for the result message. */
export function describePalette(palette: ColorPalette): string {
  if ("name" in palette) return palette.name.toLowerCase();
  return palette.members
    .map(({ rgb, color_weight }) => {
      const hex = [rgb.r, rgb.g, rgb.b].map((v) => v.toString(16).padStart(2, "0")).join("");
      return color_weight === undefined ? `#${hex}` : `#${hex}:${color_weight}`;
    })
    .join(" ");
}
