import { humanName, IMAGE_SIZES, SPEEDS, STYLES } from "./fal-enums.js";
import type { GenerationSettings } from "./imagine-request.js";
import { describePalette } from "./palette.js";
import { regionName } from "./region-names.js";
import { singleLine } from "./single-line.js";

/**
 * One line with the settings that made an image, for the result message, so anyone
 * can see how to make it again. The seed is the one fal used, which may differ from
 * the requested one when none was given. Free-text fields are folded onto one line:
 * a newline in a negative prompt must not break out of the settings line.
 * Only what the job's endpoint uses is shown: an edit keeps the image's size, and an
 * upscale has no speed, size or count.
 */
export function describeSettings(settings: GenerationSettings, seed: number | undefined): string {
  const kind = settings.kind ?? "imagine";
  const parts = [
    seed === undefined ? undefined : `seed ${seed}`,
    kind === "upscale" ? "Upscale" : humanName(SPEEDS, settings.speed),
    kind === "upscale" || kind === "edit" ? undefined : humanName(IMAGE_SIZES, settings.imageSize),
    kind === "edit" ? (settings.region ? `repainted: ${regionName(settings.region)}` : "repainted: your mask") : undefined,
    settings.strength === undefined ? undefined : `strength ${settings.strength}`,
    settings.resemblance === undefined ? undefined : `resemblance ${settings.resemblance}`,
    settings.detail === undefined ? undefined : `detail ${settings.detail}`,
    settings.style ? `style ${humanName(STYLES, settings.style)}` : undefined,
    kind === "upscale" ? undefined : `${settings.numImages} image${settings.numImages === 1 ? "" : "s"}`,
    settings.expandPrompt === undefined ? undefined : `magic prompt ${settings.expandPrompt ? "on" : "off"}`,
    settings.palette ? `palette ${describePalette(settings.palette)}` : undefined,
    settings.styleCodes ? `style codes ${settings.styleCodes.join(" ")}` : undefined,
    settings.negativePrompt ? `not: ${settings.negativePrompt}` : undefined,
  ];
  return parts
    .filter((part) => part !== undefined)
    .map(singleLine)
    .join(" · ");
}
