// Input validation for fal-ai/ideogram/character and its siblings (character/edit,
// character/remix, ideogram/upscale), modelled on fal's pydantic input models (schema:
// /work/shared/reference/fal-ideogram-character.txt, fal-notes.md, and the IdeogramCharacter*Input /
// UpscaleImageInput / ColorPalette / ImageSize types in @fal-ai/client's endpoints.d.ts).
// One checker serves all four: an EndpointSpec says which fields the endpoint takes (others are
// extra_forbidden) and whether prompt / reference_image_urls are required.
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
//   - image_url / mask_url (edit, remix, upscale) are single required URLs checked like references;
//     for edit the mask's width×height must equal the image's (read from the header) — fal's doc
//     says "MUST have the exact same dimensions"; a mismatch is reported on mask_url naming both.
//   - remix strength: number 0.01–1; upscale resemblance / detail: integers 1–100 (Ideogram's API
//     takes integers there); upscale's optional prompt may be "" (its default).
//   - every image URL must be served by this fake's CDN (or be a base64 data: URI) and sniff as
//     JPEG, PNG or WebP; character references (images + masks) ≤ 10 MB in total, style
//     references (image_urls) ≤ 10 MB in total. fal downloads only the first reference but
//     this fake checks all of them.
import { imageSize, type Size } from "./image-size.js";
import { sniffImage } from "./png.js";

export interface FieldError {
  loc: (string | number)[];
  msg: string;
  type: string;
}

export const CHARACTER_ENDPOINT = "fal-ai/ideogram/character";
export const CHARACTER_EDIT_ENDPOINT = "fal-ai/ideogram/character/edit";
export const CHARACTER_REMIX_ENDPOINT = "fal-ai/ideogram/character/remix";
export const UPSCALE_ENDPOINT = "fal-ai/ideogram/upscale";

/** What one endpoint's input model takes. */
export interface EndpointSpec {
  /** Every field the endpoint accepts; any other is extra_forbidden. */
  fields: ReadonlySet<string>;
  /** prompt required with min_length 1 (character, edit, remix); upscale's is optional, default "". */
  promptRequired: boolean;
}

// The fields the character family shares (IdeogramCharacterEditInput has exactly these + image/mask).
const CHARACTER_COMMON = [
  "prompt",
  "reference_image_urls",
  "reference_mask_urls",
  "image_urls",
  "rendering_speed",
  "style_codes",
  "color_palette",
  "expand_prompt",
  "num_images",
  "seed",
  "sync_mode",
];

export const ENDPOINT_SPECS: Readonly<Record<string, EndpointSpec>> = {
  [CHARACTER_ENDPOINT]: {
    fields: new Set([...CHARACTER_COMMON, "style", "image_size", "negative_prompt"]),
    promptRequired: true,
  },
  // No style, image_size or negative_prompt: the edit keeps the image's frame and look.
  [CHARACTER_EDIT_ENDPOINT]: { fields: new Set([...CHARACTER_COMMON, "image_url", "mask_url"]), promptRequired: true },
  [CHARACTER_REMIX_ENDPOINT]: {
    fields: new Set([...CHARACTER_COMMON, "style", "image_size", "negative_prompt", "image_url", "strength"]),
    promptRequired: true,
  },
  [UPSCALE_ENDPOINT]: {
    fields: new Set(["image_url", "prompt", "resemblance", "detail", "expand_prompt", "seed", "sync_mode"]),
    promptRequired: false,
  },
};

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
  return validateEndpointInput(ENDPOINT_SPECS[CHARACTER_ENDPOINT]!, input, fetchImage);
}

/** Validates `input` against one endpoint's model (see ENDPOINT_SPECS); empty = valid. */
export function validateEndpointInput(spec: EndpointSpec, input: unknown, fetchImage: ImageFetcher): FieldError[] {
  const FIELDS = spec.fields;
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
  // A field the endpoint does not take was reported as extra above; it is not checked further.
  const has = (k: string): boolean => FIELDS.has(k) && present(k) && input[k] !== null;

  // prompt: str, required with min_length=1 — except upscale's (optional, default "").
  if (input.prompt === undefined) {
    if (spec.promptRequired) err("prompt", "Field required", "missing");
  } else if (input.prompt !== null) {
    if (typeof input.prompt !== "string") err("prompt", "Input should be a valid string", "string_type");
    else if (input.prompt.length === 0 && spec.promptRequired) err("prompt", "String should have at least 1 character", "string_too_short");
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
  const takes = (k: string): boolean => FIELDS.has(k);
  const refs = takes("reference_image_urls") ? stringList("reference_image_urls", true) : undefined;
  const masks = takes("reference_mask_urls") ? stringList("reference_mask_urls", false) : undefined;
  const styleRefs = takes("image_urls") ? stringList("image_urls", false) : undefined;

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

  const numberIn = (k: string, min: number, max: number, integer: boolean): void => {
    if (!has(k)) return;
    const v = input[k];
    const ok = integer ? isInt(v) : typeof v === "number" && Number.isFinite(v);
    if (!ok) err(k, integer ? "Input should be a valid integer" : "Input should be a valid number", integer ? "int_type" : "float_type");
    else if ((v as number) < min) err(k, `Input should be greater than or equal to ${min}`, "greater_than_equal");
    else if ((v as number) > max) err(k, `Input should be less than or equal to ${max}`, "less_than_equal");
  };
  numberIn("strength", 0.01, 1, false);
  numberIn("resemblance", 1, 100, true);
  numberIn("detail", 1, 100, true);

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

  // fal accepts base64 data URIs wherever it takes a file URL.
  const readImage = (url: string): Buffer | undefined => {
    const dataUri = /^data:[^,]*;base64,(.*)$/s.exec(url);
    return dataUri ? Buffer.from(dataUri[1]!, "base64") : fetchImage(url);
  };
  // Downloads (fal fetches the inputs in the runner): URL must resolve, be an image, fit the size budget.
  const download = (k: string, urls: string[] | undefined): number => {
    let total = 0;
    urls?.forEach((url, i) => {
      const bytes = readImage(url);
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
  // image_url / mask_url: one required URL each, fetched by the runner like the references.
  const single = (k: string): Size | undefined => {
    if (!takes(k)) return undefined;
    const v = input[k];
    if (v === undefined) {
      err(k, "Field required", "missing");
      return undefined;
    }
    if (typeof v !== "string") {
      if (v !== null) err(k, "Input should be a valid string", "string_type"); // null: none_forbidden above
      return undefined;
    }
    const bytes = readImage(v);
    if (!bytes) {
      err(k, `could not download file from ${v}`, "file_download_error");
      return undefined;
    }
    const size = sniffImage(bytes) ? imageSize(bytes) : undefined;
    if (!size) err(k, `${v} is not a JPEG, PNG or WebP image`, "image_format_error");
    return size;
  };
  const imageDims = single("image_url");
  const maskDims = single("mask_url");
  if (imageDims && maskDims && (imageDims.width !== maskDims.width || imageDims.height !== maskDims.height)) {
    err(
      "mask_url",
      `The mask (${maskDims.width}x${maskDims.height}) must have the exact same dimensions as the image (${imageDims.width}x${imageDims.height})`,
      "value_error",
    );
  }

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

/** How much an upscale enlarges: fal does not document the factor; 2× is Ideogram's usual upscale. */
export const UPSCALE_FACTOR = 2;

/**
 * Output dimensions for an (already valid) input of any served endpoint: character from image_size;
 * edit the input image's size (only the masked region changes); remix its image_size when given,
 * else the input image's size; upscale the input image's size × UPSCALE_FACTOR.
 */
export function outputSizeFor(endpointId: string, input: unknown, fetchImage: ImageFetcher): Size {
  const obj = isObj(input) ? input : {};
  const source = (): Size => {
    const url = obj.image_url;
    const dataUri = typeof url === "string" ? /^data:[^,]*;base64,(.*)$/s.exec(url) : null;
    const bytes = typeof url !== "string" ? undefined : dataUri ? Buffer.from(dataUri[1]!, "base64") : fetchImage(url);
    // Invalid inputs only get here with validateAt "result", whose answer is the 422 anyway.
    return (bytes && imageSize(bytes)) ?? { width: 1024, height: 1024 };
  };
  switch (endpointId) {
    case CHARACTER_EDIT_ENDPOINT:
      return source();
    case CHARACTER_REMIX_ENDPOINT:
      return obj.image_size !== undefined && obj.image_size !== null ? outputSize(input) : source();
    case UPSCALE_ENDPOINT: {
      const { width, height } = source();
      return { width: width * UPSCALE_FACTOR, height: height * UPSCALE_FACTOR };
    }
    default:
      return outputSize(input);
  }
}
