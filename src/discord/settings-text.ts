import { humanName, IMAGE_SIZES, SPEEDS, STYLES } from "../domain/fal-enums.js";
import { formatDollars } from "../domain/pricing.js";
import type { ServerSettings } from "../domain/server-policy.js";

/** The server's settings as a readable list, for /settings. */
export function describeServerSettings(s: ServerSettings): string {
  const or = (value: string | undefined, fallback: string) => value ?? fallback;
  return [
    "## StoryCast settings for this server",
    `• Default style: ${or(s.defaultStyle && humanName(STYLES, s.defaultStyle), "Auto (fal's default)")}`,
    `• Default size: ${or(s.defaultSize && humanName(IMAGE_SIZES, s.defaultSize), "Square HD")}`,
    `• Default speed: ${or(s.defaultSpeed && humanName(SPEEDS, s.defaultSpeed), "Balanced")}`,
    `• Default count: ${s.defaultCount ?? 1}`,
    `• Most images per request: ${s.maxCount ?? 8}`,
    `• Speeds allowed: up to ${or(s.maxSpeed && humanName(SPEEDS, s.maxSpeed), "Quality")}`,
    `• Channels: ${s.allowedChannels?.length ? s.allowedChannels.map((id) => `<#${id}>`).join(", ") : "all"}`,
    `• Role required to generate: ${s.requiredRoleId ? `<@&${s.requiredRoleId}>` : "none"}`,
    `• Images per member per day: ${s.dailyImageLimit ?? "no limit"}`,
    `• Monthly spending cap: ${s.monthlySpendCapUsd === undefined ? "none" : formatDollars(s.monthlySpendCapUsd)}`,
    `• Character descriptions added to prompts: ${s.characterDescriptions === false ? "off" : "on"}`,
  ].join("\n");
}
