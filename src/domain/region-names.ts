import type { MaskRegion } from "./region-mask.js";

/** The regions /edit can repaint, with the human names Discord shows (values are MASK_REGIONS). */
export const REGION_CHOICES: readonly { value: MaskRegion; name: string }[] = [
  { value: "left_half", name: "Left half" },
  { value: "right_half", name: "Right half" },
  { value: "centre", name: "Centre" },
  { value: "top", name: "Top" },
  { value: "bottom", name: "Bottom" },
  { value: "background", name: "Background (all but the centre)" },
];

/** A region's human name, for messages and the settings line under a result. */
export function regionName(region: MaskRegion): string {
  return REGION_CHOICES.find((choice) => choice.value === region)?.name ?? region;
}
