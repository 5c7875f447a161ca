// Input validation for fal-ai/ideogram/character, modelled on fal's pydantic input model
// (schema: /work/shared/reference/fal-ideogram-character.txt, fal-notes.md, and the
// IdeogramCharacterInput / ColorPalette / ImageSize types in @fal-ai/client's endpoints.d.ts).
//
// Errors use FastAPI's 422 shape: { detail: [{ loc, msg, type }] }, which @fal-ai/client turns
// into a ValidationError whose fieldErrors / getFieldErrors(field) read `loc`'s last element.
// Choices of this fake (documented deviations / tightenings):
//   - loc is always ["body", field] — also for item and nested errors (pydantic would append
//     indexes/sub-keys); the offending index or key is named in msg instead, so that
//     getFieldErrors("reference_image_urls") finds every problem of that field.
//   - extra="forbid": unknown fields are rejected ("extra_forbidden"), to catch typos in the bot.
//   - strict types: "2" is not an integer, 1.5 is not an integer, true is not a number.
//   - null is accepted only for the Optional fields (seed, style_codes, color_palette,
//     image_urls, reference_mask_urls); the defaulted ones (style, num_images, …) reject it.
//   - style_codes present (even []) together with `style` or `image_urls` is rejected.
//   - every image URL must be served by this fake's CDN (or be a base64 data: URI) and sniff as
//     JPEG, PNG or WebP; character references (images + masks) ≤ 10 MB in total, style
//     references (image_urls) ≤ 10 MB in total. fal downloads only the first reference but
//     this fake checks all of them.
import { sniffImage } from "./png.js";

export interface FieldError {
  loc: (string | number)[];
  msg: string;
  type: string;
}

export const CHARACTER_ENDPOINT = "fal-ai/ideogram/character";

const FIELDS = new Set([
  "prompt",
  "reference_image_urls",
  "reference_mask_urls",
  "image_urls",
  "rendering_speed",
  "style",
  "style_codes",
  "color_palette",
  "expand_prompt",
  "num_images",
  "seed",
  "sync_mode",
  "image_size",
  "negative_prompt",
]);
const NULLABLE = new Set(["seed", "style_codes", "color_palette", "image_urls", "reference_mask_urls"]);

export const IMAGE_SIZE_PRESETS: Record<string, { width: number; height: number }> = {
  square_hd: { width: 1024, height: 1024 },
  square: { width: 512, height: 512 },
  portrait_4_3: { width: 768, height: 1024 },
  portrait_16_9: { width: 576, height: 1024 },
  landscape_4_3: { width: 1024, height: 768 },
  landscape_16_9: { width: 1024, height: 576 },
};
const RENDERING_SPEEDS = ["TURBO", "BALANCED", "QUALITY"];
const STYLES = ["AUTO", "REALISTIC", "FICTION"];
const PALETTE_PRESETS = ["EMBER", "FRESH", "JUNGLE", "MAGIC", "MELON", "MOSAIC", "PASTEL", "ULTRAMARINE"];
export const MAX_REFERENCE_BYTES = 10 * 1024 * 1024;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v);
const quoteList = (xs: string[]): string =>
  xs.length <= 1 ? `'${xs[0] ?? ""}'` : `${xs.slice(0, -1).map((x) => `'${x}'`).join(", ")} or '${xs[xs.length - 1]}'`;

/** Returns the bytes behind an (http) image URL, or undefined if it cannot be downloaded. Data URIs are decoded here. */
export type ImageFetcher = (url: string) => Buffer | undefined;

export function validateCharacterInput(input: unknown, fetchImage: ImageFetcher): FieldError[] {
  const errors: FieldError[] = [];
  const err = (field: string | undefined, msg: string, type: string): void => {
    errors.push({ loc: field === undefined ? ["body"] : ["body", field], msg, type });
  };
  if (!isObj(input)) {
    err(undefined, "Input should be a valid dictionary or object to extract fields from", "model_attributes_type");
    return errors;
  }
  for (const key of Object.keys(input)) {
    if (!FIELDS.has(key)) err(key, "Extra inputs are not permitted", "extra_forbidden");
  }
  const present = (k: string): boolean => input[k] !== undefined && !(input[k] === null && NULLABLE.has(k));
  for (const k of FIELDS) {
    if (input[k] === null && !NULLABLE.has(k)) err(k, "Input should not be None", "none_forbidden");
  }
  const has = (k: string): boolean => present(k) && input[k] !== null;

  // prompt: str, required, min_length=1
  if (input.prompt === undefined) err("prompt", "Field required", "missing");
  else if (input.prompt !== null) {
    if (typeof input.prompt !== "string") err("prompt", "Input should be a valid string", "string_type");
    else if (input.prompt.length === 0) err("prompt", "String should have at least 1 character", "string_too_short");
  }

  const stringList = (k: string, required: boolean): string[] | undefined => {
    const v = input[k];
    if (v === undefined) {
      if (required) err(k, "Field required", "missing");
      return undefined;
    }
    if (v === null) return undefined;
    if (!Array.isArray(v)) {
      err(k, "Input should be a valid list", "list_type");
      return undefined;
    }
    if (required && v.length === 0) {
      err(k, "List should have at least 1 item after validation, not 0", "too_short");
      return undefined;
    }
    let ok = true;
    v.forEach((item, i) => {
      if (typeof item !== "string") {
        err(k, `Item ${i}: Input should be a valid string`, "string_type");
        ok = false;
      }
    });
    return ok ? (v as string[]) : undefined;
  };
  const refs = stringList("reference_image_urls", true);
  const masks = stringList("reference_mask_urls", false);
  const styleRefs = stringList("image_urls", false);

  const enumField = (k: string, values: string[]): void => {
    if (!has(k)) return;
    if (typeof input[k] !== "string" || !values.includes(input[k] as string)) {
      err(k, `Input should be ${quoteList(values)}`, "enum");
    }
  };
  enumField("rendering_speed", RENDERING_SPEEDS);
  enumField("style", STYLES);

  for (const k of ["expand_prompt", "sync_mode"]) {
    if (has(k) && typeof input[k] !== "boolean") err(k, "Input should be a valid boolean", "bool_type");
  }
  if (has("negative_prompt") && typeof input.negative_prompt !== "string") {
    err("negative_prompt", "Input should be a valid string", "string_type");
  }

  if (has("num_images")) {
    const n = input.num_images;
    if (!isInt(n)) err("num_images", "Input should be a valid integer", "int_type");
    else if (n < 1) err("num_images", "Input should be greater than or equal to 1", "greater_than_equal");
    else if (n > 8) err("num_images", "Input should be less than or equal to 8", "less_than_equal");
  }
  if (has("seed") && !isInt(input.seed)) err("seed", "Input should be a valid integer", "int_type");

  if (has("image_size")) {
    const s = input.image_size;
    if (typeof s === "string") {
      if (!(s in IMAGE_SIZE_PRESETS)) {
        err("image_size", `Input should be ${quoteList(Object.keys(IMAGE_SIZE_PRESETS))} or an object {width, height}`, "enum");
      }
    } else if (isObj(s)) {
      for (const key of Object.keys(s)) {
        if (key !== "width" && key !== "height") err("image_size", `${key}: Extra inputs are not permitted`, "extra_forbidden");
      }
      for (const key of ["width", "height"] as const) {
        const d = s[key];
        if (d === undefined) continue; // fal's ImageSize defaults both to 512
        if (!isInt(d)) err("image_size", `${key}: Input should be a valid integer`, "int_type");
        else if (d < 1 || d > 14142) err("image_size", `${key}: Input should be between 1 and 14142`, "value_error");
      }
    } else {
      err("image_size", "Input should be a valid string or an object {width, height}", "union_type");
    }
  }

  if (has("style_codes")) {
    const codes = stringList("style_codes", false);
    codes?.forEach((c, i) => {
      if (!/^[0-9a-fA-F]{8}$/.test(c)) err("style_codes", `Item ${i}: '${c}' is not an 8-character hexadecimal code`, "value_error");
    });
    if (has("style")) err("style_codes", "style_codes cannot be used together with style", "value_error");
    if (has("image_urls")) err("style_codes", "style_codes cannot be used together with style reference images (image_urls)", "value_error");
  }

  if (has("color_palette")) {
    const p = input.color_palette;
    if (!isObj(p)) err("color_palette", "Input should be a valid dictionary", "dict_type");
    else {
      for (const key of Object.keys(p)) {
        if (key !== "name" && key !== "members") err("color_palette", `${key}: Extra inputs are not permitted`, "extra_forbidden");
      }
      const hasName = p.name !== undefined && p.name !== null;
      const hasMembers = p.members !== undefined && p.members !== null;
      if (hasName === hasMembers) {
        err("color_palette", "Specify exactly one of 'name' (a preset) or 'members' (explicit colours)", "value_error");
      }
      if (hasName && (typeof p.name !== "string" || !PALETTE_PRESETS.includes(p.name))) {
        err("color_palette", `name: Input should be ${quoteList(PALETTE_PRESETS)}`, "enum");
      }
      if (hasMembers) validateMembers(p.members, (msg, type) => err("color_palette", msg, type));
    }
  }

  // Downloads (fal fetches the inputs in the runner): URL must resolve, be an image, fit the size budget.
  const download = (k: string, urls: string[] | undefined): number => {
    let total = 0;
    urls?.forEach((url, i) => {
      // fal accepts base64 data URIs wherever it takes a file URL.
      const dataUri = /^data:[^,]*;base64,(.*)$/s.exec(url);
      const bytes = dataUri ? Buffer.from(dataUri[1]!, "base64") : fetchImage(url);
      if (!bytes) {
        err(k, `Item ${i}: could not download file from ${url}`, "file_download_error");
        return;
      }
      if (!sniffImage(bytes)) {
        err(k, `Item ${i}: ${url} is not a JPEG, PNG or WebP image`, "image_format_error");
      }
      total += bytes.length;
    });
    return total;
  };
  const characterBytes = download("reference_image_urls", refs) + download("reference_mask_urls", masks);
  if (characterBytes > MAX_REFERENCE_BYTES) {
    err("reference_image_urls", `Character references total ${characterBytes} bytes; the maximum is 10 MB across all character references`, "file_too_large");
  }
  const styleBytes = download("image_urls", styleRefs);
  if (styleBytes > MAX_REFERENCE_BYTES) {
    err("image_urls", `Style references total ${styleBytes} bytes; the maximum is 10 MB across all style references`, "file_too_large");
  }
  return errors;
}

function validateMembers(members: unknown, err: (msg: string, type: string) => void): void {
  if (!Array.isArray(members)) {
    err("members: Input should be a valid list", "list_type");
    return;
  }
  if (members.length === 0) err("members: List should have at least 1 item", "too_short");
  members.forEach((m, i) => {
    if (!isObj(m)) {
      err(`members[${i}]: Input should be a valid dictionary`, "dict_type");
      return;
    }
    for (const key of Object.keys(m)) {
      if (key !== "rgb" && key !== "color_weight") err(`members[${i}].${key}: Extra inputs are not permitted`, "extra_forbidden");
    }
    if (m.rgb === undefined) err(`members[${i}].rgb: Field required`, "missing");
    else if (!isObj(m.rgb)) err(`members[${i}].rgb: Input should be a valid dictionary`, "dict_type");
    else {
      for (const key of Object.keys(m.rgb)) {
        if (!["r", "g", "b"].includes(key)) err(`members[${i}].rgb.${key}: Extra inputs are not permitted`, "extra_forbidden");
      }
      for (const c of ["r", "g", "b"]) {
        const v = m.rgb[c];
        if (v === undefined) continue; // fal's RGBColor defaults each channel to 0
        if (!isInt(v) || v < 0 || v > 255) err(`members[${i}].rgb.${c}: Input should be an integer between 0 and 255`, "value_error");
      }
    }
    if (m.color_weight !== undefined) {
      const w = m.color_weight;
      if (typeof w !== "number" || !Number.isFinite(w) || w < 0.05 || w > 1) {
        err(`members[${i}].color_weight: Input should be a number between 0.05 and 1`, "value_error");
      }
    }
  });
}

/** Output dimensions for an (already valid) input's image_size. */
export function outputSize(input: unknown): { width: number; height: number } {
  const s = isObj(input) ? input.image_size : undefined;
  if (typeof s === "string") return IMAGE_SIZE_PRESETS[s] ?? { width: 1024, height: 1024 };
  if (isObj(s)) {
    return { width: isInt(s.width) ? s.width : 512, height: isInt(s.height) ? s.height : 512 };
  }
  return { width: 1024, height: 1024 }; // square_hd
}
