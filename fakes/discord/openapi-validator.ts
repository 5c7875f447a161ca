/**
 * Validates request (and, as a self-check, response) bodies against Discord's published
 * OpenAPI 3.1 description (JSON Schema 2020-12), the way Discord answers a bad body:
 * 400 { code: 50035, message: "Invalid Form Body", errors: { …nested… } }.
 *
 * - All of `components.schemas` is registered once (per process) as one schema whose
 *   `$defs` are the components; `#/components/schemas/X` refs are rewritten to it.
 * - Operation lookup: path template + method → requestBody.content["application/json"].
 *   For multipart bodies the `payload_json` part is validated against that same JSON schema
 *   (the multipart schema is `allOf[json schema, {files[n]: binary}]`).
 * - Schema transforms (documented where they are applied):
 *   1. Unions (`oneOf`/`anyOf`) whose branches are all objects discriminated by a required
 *      `type` property with disjoint enums are rewritten to if/then chains. Same accepted
 *      set; errors then come from the branch the body chose instead of every branch.
 *   2. Permission bit sets (`default_member_permissions`, `permissions`, `allow`, `deny`) are
 *      `integer` in the spec but documented (and sent by discord.js) as strings; both are accepted.
 * - Error codes/messages imitate Discord's (BASE_TYPE_MAX_LENGTH, BASE_TYPE_REQUIRED, …).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import * as ajvFormatsModule from "ajv-formats";
import { addFieldError, type ErrorTree } from "./discord-errors.js";

const SCHEMA_ID = "https://fake-discord.invalid/openapi.json";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

interface OpenApiDoc {
  paths: Record<string, Record<string, any>>;
  components: { schemas: Record<string, JsonObject> };
}

export interface ValidationResult {
  ok: boolean;
  errors: ErrorTree;
  ajvErrors: ErrorObject[];
}

type FormatsPlugin = (ajv: Ajv2020) => Ajv2020;
function formatsPlugin(): FormatsPlugin {
  const m = ajvFormatsModule as unknown as { default: FormatsPlugin | { default: FormatsPlugin } };
  const d = m.default;
  return typeof d === "function" ? d : d.default;
}

export function resolveSpecPath(explicit?: string): string {
  if (explicit) return explicit;
  const env = process.env.DISCORD_OPENAPI_PATH;
  if (env) return env;
  // Vendored beside this file (MIT, from Discord's public spec repository) so a fresh clone needs nothing else.
  return path.join(path.dirname(fileURLToPath(import.meta.url)), "discord-openapi.json");
}

interface PathEntry {
  template: string;
  segments: string[];
  literalCount: number;
}

export class OpenApiValidator {
  private static readonly cache = new Map<string, OpenApiValidator>();

  /** One validator (Ajv instance + compiled schemas) per spec file per process. */
  static load(specPath?: string): OpenApiValidator {
    const p = resolveSpecPath(specPath);
    let v = OpenApiValidator.cache.get(p);
    if (!v) {
      v = new OpenApiValidator(JSON.parse(readFileSync(p, "utf8")) as OpenApiDoc);
      OpenApiValidator.cache.set(p, v);
    }
    return v;
  }

  private readonly ajv: Ajv2020;
  private readonly pathEntries: PathEntry[];
  private readonly requestValidators = new Map<string, ValidateFunction | null>();
  private readonly responseValidators = new Map<string, ValidateFunction | null>();

  private constructor(private readonly doc: OpenApiDoc) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    formatsPlugin()(this.ajv);
    // Discord-specific formats that carry no extra constraint beyond the schema's type/pattern.
    for (const f of ["int32", "int64", "double", "snowflake", "nonce"]) this.ajv.addFormat(f, true);

    const rawDefs = doc.components.schemas;
    const defs: Record<string, JsonObject> = {};
    for (const [name, schema] of Object.entries(rawDefs)) defs[name] = this.transform(schema, rawDefs) as JsonObject;

    this.ajv.addSchema({ $id: SCHEMA_ID, $defs: defs });

    this.pathEntries = Object.keys(doc.paths)
      .map((template) => {
        const segments = template.split("/").filter(Boolean);
        return { template, segments, literalCount: segments.filter((s) => !s.startsWith("{")).length };
      })
      .sort((a, b) => b.literalCount - a.literalCount);
  }

  /** Finds the OpenAPI path template for a concrete (percent-decoded) path; literal segments win over parameters. */
  matchPath(concrete: string): { template: string; params: Record<string, string> } | undefined {
    const segs = concrete.split("/").filter(Boolean);
    for (const e of this.pathEntries) {
      if (e.segments.length !== segs.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segs.length; i++) {
        const t = e.segments[i]!;
        const s = segs[i]!;
        if (t.startsWith("{") && t.endsWith("}")) params[t.slice(1, -1)] = s;
        else if (t !== s) {
          ok = false;
          break;
        }
      }
      if (ok) return { template: e.template, params };
    }
    return undefined;
  }

  hasOperation(method: string, template: string): boolean {
    return Boolean(this.doc.paths[template]?.[method.toLowerCase()]);
  }

  /** Whether the operation documents a JSON request body, and whether it is required. */
  requestBodyRule(method: string, template: string): "none" | "optional" | "required" {
    const rb = this.doc.paths[template]?.[method.toLowerCase()]?.requestBody;
    if (!rb?.content?.["application/json"]) return "none";
    return rb.required ? "required" : "optional";
  }

  validateRequest(method: string, template: string, body: unknown): ValidationResult {
    const key = `${method.toLowerCase()} ${template}`;
    let v = this.requestValidators.get(key);
    if (v === undefined) {
      const op = this.doc.paths[template]?.[method.toLowerCase()];
      const schema = op?.requestBody?.content?.["application/json"]?.schema as Json | undefined;
      v = schema === undefined ? null : this.ajv.compile(this.transform(schema, this.doc.components.schemas) as JsonObject);
      this.requestValidators.set(key, v);
    }
    if (!v) return { ok: true, errors: {}, ajvErrors: [] };
    if (v(body)) return { ok: true, errors: {}, ajvErrors: [] };
    const ajvErrors = [...(v.errors ?? [])];
    return { ok: false, errors: toDiscordErrors(ajvErrors, body), ajvErrors };
  }

  /** Self-check of the fake: validates a JSON response against the operation's documented response. */
  validateResponse(method: string, template: string, status: number, body: unknown): ErrorObject[] | null {
    const key = `${method.toLowerCase()} ${template} ${status}`;
    let v = this.responseValidators.get(key);
    if (v === undefined) {
      const op = this.doc.paths[template]?.[method.toLowerCase()];
      let resp = op?.responses?.[String(status)] ?? op?.responses?.[`${Math.floor(status / 100)}XX`];
      if (typeof resp?.$ref === "string" && resp.$ref.startsWith("#/components/responses/")) {
        resp = (this.doc.components as any).responses?.[resp.$ref.slice("#/components/responses/".length)];
      }
      const schema = resp?.content?.["application/json"]?.schema as Json | undefined;
      v = schema === undefined ? null : this.ajv.compile(this.transform(schema, this.doc.components.schemas) as JsonObject);
      this.responseValidators.set(key, v);
    }
    if (!v) return null;
    return v(body) ? null : [...(v.errors ?? [])];
  }

  /** Compiles the given operations' request validators ahead of time. */
  warm(ops: readonly [method: string, template: string][]): void {
    for (const [m, t] of ops) this.validateRequest(m, t, undefined);
  }

  // ---------------------------------------------------------------- schema transforms

  private transform(node: Json, rawDefs: Record<string, JsonObject>): Json {
    if (Array.isArray(node)) return node.map((n) => this.transform(n, rawDefs));
    if (!node || typeof node !== "object") return node;
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string" && v.startsWith("#/components/schemas/")) {
        out[k] = `${SCHEMA_ID}#/$defs/${v.slice("#/components/schemas/".length)}`;
      } else if (k === "properties" && v && typeof v === "object" && !Array.isArray(v)) {
        const props: JsonObject = {};
        for (const [pk, pv] of Object.entries(v)) props[pk] = patchPermissionProperty(pk, this.transform(pv, rawDefs));
        out[k] = props;
      } else {
        out[k] = this.transform(v, rawDefs);
      }
    }
    for (const unionKey of ["oneOf", "anyOf"] as const) {
      const branches = node[unionKey];
      if (Array.isArray(branches)) {
        const rewritten = discriminatedUnion(branches, rawDefs, (b) => this.transform(b, rawDefs));
        if (rewritten) {
          delete out[unionKey];
          out.allOf = [...(Array.isArray(out.allOf) ? out.allOf : []), ...rewritten];
        }
      }
    }
    return out;
  }
}

/** Spec quirk #2: permission bit sets are strings in Discord's docs and in discord.js payloads. */
function patchPermissionProperty(name: string, schema: Json): Json {
  if (!["default_member_permissions", "permissions", "allow", "deny"].includes(name)) return schema;
  if (!schema || typeof schema !== "object" || Array.isArray(schema)) return schema;
  const t = schema.type;
  const types = Array.isArray(t) ? t : [t];
  if (!types.includes("integer")) return schema;
  return { ...schema, type: [...types.filter((x): x is string => typeof x === "string"), "string"], pattern: "^[0-9]+$" };
}

/**
 * Spec transform #1. Returns the `allOf` entries replacing a union, or undefined when the
 * union is not a disjoint, required-`type`-discriminated set of object schemas.
 */
function discriminatedUnion(
  branches: Json[],
  rawDefs: Record<string, JsonObject>,
  transformBranch: (b: Json) => Json,
): Json[] | undefined {
  if (branches.length < 2) return undefined;
  const seen = new Set<string>();
  const all: Json[] = [];
  const chain: Json[] = [];
  for (const b of branches) {
    if (!b || typeof b !== "object" || Array.isArray(b)) return undefined;
    let target: JsonObject = b;
    if (typeof b.$ref === "string") {
      if (!b.$ref.startsWith("#/components/schemas/")) return undefined;
      const def = rawDefs[b.$ref.slice("#/components/schemas/".length)];
      if (!def) return undefined;
      target = def;
    }
    const props = target.properties;
    const required = target.required;
    if (!props || typeof props !== "object" || Array.isArray(props)) return undefined;
    if (!Array.isArray(required) || !required.includes("type")) return undefined;
    const typeSchema = props.type;
    if (!typeSchema || typeof typeSchema !== "object" || Array.isArray(typeSchema)) return undefined;
    let values: Json[];
    if (Array.isArray(typeSchema.enum)) values = typeSchema.enum;
    else if (typeSchema.const !== undefined) values = [typeSchema.const];
    else return undefined;
    for (const v of values) {
      const k = JSON.stringify(v);
      if (seen.has(k)) return undefined; // not disjoint → keep the union as is
      seen.add(k);
      all.push(v);
    }
    chain.push({
      if: { type: "object", required: ["type"], properties: { type: { enum: values } } },
      then: transformBranch(b),
    });
  }
  return [{ type: "object", required: ["type"], properties: { type: { enum: all } } }, ...chain];
}

// ------------------------------------------------------------------------- error format

function pointerToPath(pointer: string): string[] {
  if (!pointer) return [];
  return pointer
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function valueAt(body: unknown, p: readonly string[]): unknown {
  let cur: unknown = body;
  for (const s of p) {
    if (cur && typeof cur === "object") cur = (cur as Record<string, unknown>)[s];
    else return undefined;
  }
  return cur;
}

/** Converts Ajv errors into Discord's nested `errors` object, dropping union bookkeeping noise. */
export function toDiscordErrors(ajvErrors: readonly ErrorObject[], body: unknown): ErrorTree {
  const meaningful = ajvErrors.filter((e) => !["oneOf", "anyOf", "allOf", "if", "then", "else"].includes(e.keyword));
  // A `type: null` mismatch is the losing branch of a nullable `oneOf [{type:null}, X]`
  // when X produced errors of its own at or below the same location.
  const filtered = meaningful.filter((e) => {
    if (e.keyword !== "type" || (e.params as { type?: unknown }).type !== "null") return true;
    return !meaningful.some((o) => o !== e && o.instancePath.startsWith(e.instancePath));
  });
  const tree: ErrorTree = {};
  for (const e of filtered.length ? filtered : ajvErrors) {
    const p = pointerToPath(e.instancePath);
    const params = e.params as Record<string, any>;
    const val = valueAt(body, p);
    switch (e.keyword) {
      case "required":
        addFieldError(tree, [...p, String(params.missingProperty)], { code: "BASE_TYPE_REQUIRED", message: "This field is required" });
        break;
      case "maxLength":
      case "maxItems":
      case "maxProperties":
        addFieldError(tree, p, { code: "BASE_TYPE_MAX_LENGTH", message: `Must be ${params.limit} or fewer in length.` });
        break;
      case "minLength":
      case "minItems":
      case "minProperties":
        addFieldError(tree, p, { code: "BASE_TYPE_MIN_LENGTH", message: `Must be ${params.limit} or more in length.` });
        break;
      case "enum":
      case "const": {
        const allowed = (params.allowedValues as unknown[] | undefined) ?? [params.allowedValue];
        addFieldError(tree, p, { code: "BASE_TYPE_CHOICES", message: `Value must be one of {${allowed.map((v) => JSON.stringify(v)).join(", ")}}.` });
        break;
      }
      case "maximum":
      case "exclusiveMaximum":
        addFieldError(tree, p, { code: "NUMBER_TYPE_MAX", message: `int value should be less than or equal to ${params.limit}.` });
        break;
      case "minimum":
      case "exclusiveMinimum":
        addFieldError(tree, p, { code: "NUMBER_TYPE_MIN", message: `int value should be greater than or equal to ${params.limit}.` });
        break;
      case "pattern":
        addFieldError(tree, p, { code: "STRING_TYPE_REGEX", message: `String value did not match validation regex.` });
        break;
      case "format":
        if (params.format === "uri")
          addFieldError(tree, p, { code: "URL_TYPE_INVALID_URL", message: "Not a well formed URL." });
        else if (params.format === "date-time")
          addFieldError(tree, p, { code: "DATE_TIME_TYPE_PARSE", message: `Could not parse ${String(val)}. Should be ISO8601.` });
        else addFieldError(tree, p, { code: "BASE_TYPE_INVALID", message: `Invalid ${String(params.format)}.` });
        break;
      case "uniqueItems":
        addFieldError(tree, p, { code: "BASE_TYPE_INVALID", message: "Items must be unique." });
        break;
      case "type": {
        const want = String(Array.isArray(params.type) ? params.type.join(",") : params.type);
        if (want.includes("integer"))
          addFieldError(tree, p, { code: "NUMBER_TYPE_COERCE", message: `Value "${String(val)}" is not int.` });
        else if (want.includes("number"))
          addFieldError(tree, p, { code: "NUMBER_TYPE_COERCE", message: `Value "${String(val)}" is not a valid number.` });
        else if (want.includes("boolean"))
          addFieldError(tree, p, { code: "BOOLEAN_TYPE_CONVERT", message: "Must be either true or false." });
        else if (want.includes("array"))
          addFieldError(tree, p, { code: "LIST_TYPE_CONVERT", message: "Only iterables may be used in a ListType" });
        else if (want.includes("object"))
          addFieldError(tree, p, { code: "DICT_TYPE_CONVERT", message: "Only dictionaries may be used in a DictType" });
        else if (want.includes("string"))
          addFieldError(tree, p, { code: "BASE_TYPE_STRING", message: "Must be a string." });
        else addFieldError(tree, p, { code: "BASE_TYPE_INVALID", message: `Must be ${want}.` });
        break;
      }
      default:
        addFieldError(tree, p, { code: "BASE_TYPE_INVALID", message: e.message ?? "Invalid value." });
    }
  }
  return tree;
}
