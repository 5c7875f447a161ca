/**
 * Bad input everywhere (issue 4, item 5): a seeded generator builds malformed /imagine
 * payloads — wrong option types, huge strings, odd unicode, out-of-range numbers, unknown
 * choices, attachments whose metadata lies — and each must end in a clear private message,
 * with no fal call and no crash. Every case carries one to three defects on distinct
 * options (on top of legal but exotic values elsewhere); the reply must be the message
 * for one of its defects, so a case cannot pass by failing for the wrong reason.
 *
 * Forged option types use the fake's `{ __raw: { type, value } }` escape hatch
 * (fakes/discord/interactions.ts). To replay a failure, run this file alone: the seed
 * is fixed, and each failure names its case number and defects.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DiscordAttachment, InteractionHandle, OptionValue } from "../../fakes/discord/index.js";
import { makePng, mulberry32, sampleJpeg } from "../../fakes/fal/index.js";
import { resultMessages, waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

const SEED = 0x5eed_c457;
const CASES = 150;
const BATCH = 10;
const MB = 1024 * 1024;

let stack: Stack;
beforeAll(async () => {
  // Without the price confirmation: random counts and speeds cross its threshold, and this file is about
  // what malformed input gets (some of it is only found after the download, i.e. after a confirmation).
  stack = await startStack({ env: { CONFIRM_COST_ABOVE_USD: "off" } });
});
afterAll(async () => {
  await stack?.stop();
});

// ------------------------------------------------------------------------------ generator

/** A seeded PRNG in [0, 1), so every run builds the same cases (the fake fal's mulberry32). */
function seededRandom(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
  }
  float(): number {
    return this.next();
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.next() * list.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  shuffle<T>(list: readonly T[]): T[] {
    const out = [...list];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
}

// Discord option types (docs "Application Command Option Type").
const STRING = 3;
const INTEGER = 4;
const BOOLEAN = 5;
const NUMBER = 10;
const ATTACHMENT = 11;
/** A forged option: this type and value on the wire, whatever the command definition says. */
const raw = (type: number, value: unknown): OptionValue => ({ __raw: { type, value } });

const VISIBLE = ["the knight", "ein Ritter", "騎士", "فارس", "рыцарь", "🧙‍♂️", "👩🏽‍🚀", "🏳️‍🌈", "Z̷̢̛a̶l̵g̸o", "e\u0301", "@everyone", "<@123>", "`code`", "```", "**bold**", "#ff0000", "1a2b3c4d", ":0.5", ","];
const INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202e", "\u2066", "\u2069", "\u0000", "\u0007", "\u001b", "\u0301", "\u0336", "\ud800", "\udfff", "\ufeff", "\u00a0", "\u3000", " ", "\t", "\n"];

/** Visible text mixed with every kind of odd unicode, cut to about `length` UTF-16 units. */
function junk(rng: Rng, length: number): string {
  const parts: string[] = [];
  let size = 0;
  while (size < length) {
    const part = rng.chance(0.6) ? rng.pick(VISIBLE) : rng.pick(INVISIBLE);
    parts.push(part);
    size += part.length;
  }
  return "x" + parts.join("") + "y"; // visible at both ends, so trimming cannot shorten it
}

/** Only characters that show nothing: whitespace, zero-width, direction marks, controls, NUL, lone marks and surrogates. */
function invisible(rng: Rng, length: number): string {
  return Array.from({ length }, () => rng.pick(INVISIBLE)).join("");
}

/** A legal prompt with exotic but harmless unicode (no controls, no lone surrogates). */
function legalPrompt(rng: Rng, n: number): string {
  const extras = ["🧙‍♂️", "\u200f", "\u200d", "فارس", "e\u0301", "騎士", "👩🏽‍🚀"];
  return `case ${n}: the knight ${rng.pick(extras)} sips tea ${rng.pick(extras)} at dawn`;
}

/** One thing wrong with a payload, on the options it names, and what the user must be told. */
interface Defect {
  label: string;
  fields: string[];
  apply(options: Record<string, OptionValue>): void;
  expect: RegExp;
}

interface Images {
  png: () => Buffer;
  jpeg: Buffer;
  gif: Buffer;
  text: Buffer;
  /** A real PNG over 10 MB, shared by the cases that need one (hosted, never copied). */
  huge: Buffer;
  /** A real PNG of about 6 MB: two of them together are over fal's 10 MB. */
  sixMb: Buffer;
}

const wrongType = (field: string) => new RegExp(`The option \`${field}\` must be`);

function attachmentDefects(rng: Rng, role: "reference" | "mask" | "style_reference", img: Images): Defect[] {
  const { discord } = stack;
  const attach = (bytes: Buffer, filename: string, o: { contentType?: string; size?: number } = {}) => discord.attachment(bytes, filename, o);
  // Values are made in apply(), only for the defects a case uses (some are large).
  const set = (field: string, value: () => OptionValue) => (options: Record<string, OptionValue>) => {
    options[field] = value();
  };
  const d = (label: string, fields: string[], apply: (o: Record<string, OptionValue>) => void, expect: RegExp): Defect => ({ label: `${role}: ${label}`, fields, apply, expect });
  const notImage = new RegExp(`The ${role} \`[^]*\` is not a JPEG, PNG or WebP image`);
  const lyingNames = () => rng.pick(["x.png", "../../etc/passwd.png", "\u202egnp.exe", "名前.png", "a".repeat(rng.int(300, 10_000)) + ".png", "no-extension", ".png", "`oops`.png"]);
  // A copy of a hosted attachment with some metadata replaced (what a forged payload could claim).
  const lie = (a: DiscordAttachment, patch: Record<string, unknown>): DiscordAttachment => ({ ...a, ...patch }) as DiscordAttachment;
  const declaredMb = rng.pick([50, 11, 4096]);
  const defects: Defect[] = [
    d("integer instead of an attachment id", [role], set(role, () => raw(INTEGER, rng.int(1, 1e9))), wrongType(role)),
    d("string option instead of an attachment", [role], set(role, () => raw(STRING, "https://example.com/x.png")), wrongType(role)),
    d("boolean instead of an attachment id", [role], set(role, () => raw(BOOLEAN, true)), wrongType(role)),
    d("attachment id missing from resolved", [role], set(role, () => raw(ATTACHMENT, String(rng.int(1e9, 9e9)))), new RegExp(`The \`${role}\` file did not come through`)),
    d("text bytes named .png, declared image/png", [role], set(role, () => attach(img.text, lyingNames(), { contentType: "image/png" })), notImage),
    d("a GIF declared image/png", [role], set(role, () => attach(img.gif, rng.pick(["anim.png", "anim.gif"]), { contentType: "image/png" })), notImage),
    d("a 0-byte file", [role], set(role, () => attach(Buffer.alloc(0), "empty.png", { contentType: "image/png" })), new RegExp(`The ${role} \`empty\\.png\` is empty`)),
    // The mask's declared size is added to the reference's, so the message names both.
    d(`a real PNG declared ${declaredMb} MB`, role === "mask" ? [role, "reference"] : [role], set(role, () => attach(img.png(), "declared-big.png", { size: declaredMb * MB })), /\d MB; fal accepts at most 10\.0 MB/),
    d(
      "URL whose signature was tampered with (404)",
      [role],
      set(role, () => {
        const a = attach(img.png(), "gone.png");
        return lie(a, { url: a.url.replace(/hm=[0-9a-f]+/, `hm=${"0".repeat(64)}`) });
      }),
      new RegExp(`The ${role} could not be downloaded from Discord \\(HTTP 404\\)`),
    ),
    d("URL that is not a URL", [role], set(role, () => lie(attach(img.png(), "nowhere.png"), { url: rng.pick(["not a url", "", "ftp://127.0.0.1/x.png", "http://[::1"]) })), new RegExp(`The ${role} could not be downloaded from Discord`)),
    d(
      "text file with no filename, a mistyped size and content type",
      [role],
      set(role, () => lie(attach(img.text, "x.txt"), { filename: undefined, size: rng.pick(["big", -1, null, 1e308, {}]), content_type: 42 })),
      // 1e308 is a (silly) number: refusing it as too large is right too.
      new RegExp(`${notImage.source}|(MB|TB); fal accepts at most 10\\.0 MB`),
    ),
    d("text file with a negative declared size", [role], set(role, () => attach(img.text, "minus.png", { size: -rng.int(1, 1e9) })), notImage),
  ];
  defects.push(d("declared 2 kB but really over 10 MB", [role], set(role, () => attach(img.huge, "liar.png", { size: 2000 })), new RegExp(`The ${role} is larger than 10\\.0 MB`)));
  if (role === "mask") {
    defects.push(
      d(
        "reference and mask each ~6 MB, declared small, together over 10 MB",
        ["reference", "mask"],
        (o) => {
          o.reference = attach(img.sixMb, "six-a.png", { size: 100 });
          o.mask = attach(img.sixMb, "six-b.png", { size: 100 });
        },
        /The reference and mask together are 1\d\.\d MB; fal accepts at most 10\.0 MB/,
      ),
    );
  }
  return defects;
}

function allDefects(rng: Rng, img: Images): Defect[] {
  // Values are made in apply(), only for the defects a case uses (some are 100k characters).
  const set = (field: string, value: () => OptionValue | undefined) => (options: Record<string, OptionValue>) => {
    const v = value();
    if (v === undefined) delete options[field];
    else options[field] = v;
  };
  const d = (label: string, fields: string[], apply: (o: Record<string, OptionValue>) => void, expect: RegExp): Defect => ({ label, fields, apply, expect });
  const hugeLength = () => (rng.chance(0.2) ? rng.int(2001, 2100) : rng.int(10_000, 100_000));
  const choice = (field: string) => [
    d(`${field}: unknown choice`, [field], set(field, () => rng.pick(["LUDICROUS", "realistic", "square_hd ", " TURBO", "portrait_21_9", "\u200bAUTO", "🧙", "BALANCED\u0000", "null", "\ud800"])), new RegExp(`is not a choice for ${field}`)),
    d(`${field}: unknown huge unicode choice`, [field], set(field, () => junk(rng, rng.int(10_000, 50_000))), new RegExp(`is not a choice for ${field}`)),
    d(`${field}: empty choice`, [field], set(field, () => ""), new RegExp(`is not a choice for ${field}`)),
    d(`${field}: integer instead of a choice`, [field], set(field, () => raw(INTEGER, rng.int(0, 5))), wrongType(field)),
    d(`${field}: string option carrying a number`, [field], set(field, () => raw(STRING, rng.int(0, 5))), wrongType(field)),
    d(`${field}: boolean instead of a choice`, [field], set(field, () => raw(BOOLEAN, false)), wrongType(field)),
  ];
  const number = (field: "count" | "seed", valueMessage: RegExp) => {
    const outOfRange = () => (field === "count" ? rng.pick([0, -1, -rng.int(2, 1e9), 9, rng.int(10, 1e6), 2 ** 53, 2 ** 60]) : rng.pick([-1, -rng.int(2, 2 ** 31), 2 ** 31, 2 ** 53 + 2, 1e300]));
    return [
      d(`${field}: out of range`, [field], set(field, () => raw(INTEGER, outOfRange())), valueMessage),
      d(`${field}: fractional`, [field], set(field, () => raw(INTEGER, rng.pick([0.5, 2.5, 1.000001, -3.7]))), valueMessage),
      d(`${field}: string option`, [field], set(field, () => raw(STRING, rng.pick(["3", "three", "", "1e3", "٣"]))), wrongType(field)),
      d(`${field}: integer option carrying a string`, [field], set(field, () => raw(INTEGER, "3")), wrongType(field)),
      d(`${field}: number (type 10) option`, [field], set(field, () => raw(NUMBER, rng.pick([3, 2.5]))), wrongType(field)),
      d(`${field}: boolean`, [field], set(field, () => raw(BOOLEAN, true)), wrongType(field)),
      d(`${field}: array value`, [field], set(field, () => raw(INTEGER, [1, 2])), wrongType(field)),
    ];
  };
  const flag = (field: string) => [
    d(`${field}: string option`, [field], set(field, () => raw(STRING, rng.pick(["yes", "true", "", "🟢"]))), wrongType(field)),
    d(`${field}: integer 1`, [field], set(field, () => raw(INTEGER, 1)), wrongType(field)),
    d(`${field}: boolean option carrying a string`, [field], set(field, () => raw(BOOLEAN, "false")), wrongType(field)),
  ];
  const paletteError = /That palette doesn't work/;
  // style_codes defects also claim style_reference: a style_reference would be refused with
  // the combination message first (right too, but not this defect's message).
  const codesError = /style codes are not 8-character hex codes|style_codes takes at most 16 codes|style_codes is empty/;
  const validCode = () => rng.int(0, 0xffffffff).toString(16).padStart(8, "0");
  return [
    d("prompt: missing", ["prompt"], set("prompt", () => undefined), /The prompt is empty/),
    d("prompt: huge", ["prompt"], set("prompt", () => junk(rng, hugeLength())), /The prompt is \d+ characters long; the limit is 2000/),
    d("prompt: invisible characters only", ["prompt"], set("prompt", () => invisible(rng, rng.int(1, 300))), /The prompt is empty/),
    d("prompt: number in a string option", ["prompt"], set("prompt", () => raw(STRING, rng.int(-5, 5))), wrongType("prompt")),
    d("prompt: integer option", ["prompt"], set("prompt", () => raw(INTEGER, 42)), wrongType("prompt")),
    d("prompt: boolean option", ["prompt"], set("prompt", () => raw(BOOLEAN, true)), wrongType("prompt")),
    d("prompt: object value", ["prompt"], set("prompt", () => raw(STRING, { text: "a scene" })), wrongType("prompt")),
    d("prompt: null value", ["prompt"], set("prompt", () => raw(STRING, null)), /The prompt is empty/),
    d("reference: missing", ["reference"], set("reference", () => undefined), /Attach a `reference` image/),
    ...attachmentDefects(rng, "reference", img),
    ...attachmentDefects(rng, "mask", img),
    ...attachmentDefects(rng, "style_reference", img),
    ...choice("style"),
    ...choice("size"),
    ...choice("speed"),
    ...number("count", /count must be a whole number from 1 to 8/),
    ...number("seed", /seed must be a whole number from 0 to 2147483647/),
    d("negative_prompt: huge", ["negative_prompt"], set("negative_prompt", () => junk(rng, rng.int(1001, 100_000))), /The negative_prompt is \d+ characters long; the limit is 1000/),
    d("negative_prompt: integer option", ["negative_prompt"], set("negative_prompt", () => raw(INTEGER, 7)), wrongType("negative_prompt")),
    d("negative_prompt: boolean in a string option", ["negative_prompt"], set("negative_prompt", () => raw(STRING, false)), wrongType("negative_prompt")),
    ...flag("magic_prompt"),
    ...flag("private"),
    d("palette: huge", ["palette"], set("palette", () => junk(rng, rng.int(10_000, 100_000))), /The palette is \d+ characters long; the limit is 200/),
    d("palette: huge but parseable", ["palette"], set("palette", () => "#ff0000:0.5" + "0".repeat(rng.int(10_000, 50_000))), /The palette is \d+ characters long; the limit is 200/),
    d("palette: unicode junk", ["palette"], set("palette", () => junk(rng, rng.int(1, 150)).replace(/[\s,]/g, "")), paletteError),
    d("palette: invisible only", ["palette"], set("palette", () => invisible(rng, rng.int(1, 60))), paletteError),
    d("palette: weight out of range", ["palette"], set("palette", () => rng.pick(["#ff0000:7", "#ff0000:-1", "#ff0000:NaN", "#ff0000:0.01", "#ff0000:0.5:1", "#ff0000:", "#ff0000:Infinity", "#ff0000:1e309"])), paletteError),
    d("palette: eleven colours", ["palette"], set("palette", () => Array.from({ length: 11 }, (_, i) => `#${(i * 0x111111).toString(16).padStart(6, "0")}`).join(" ")), paletteError),
    d("palette: boolean option", ["palette"], set("palette", () => raw(BOOLEAN, true)), wrongType("palette")),
    d("palette: integer option", ["palette"], set("palette", () => raw(INTEGER, 0xff0000)), wrongType("palette")),
    d("style_codes: huge", ["style_codes", "style_reference"], set("style_codes", () => junk(rng, rng.int(10_000, 100_000))), /The style_codes are \d+ characters long; the limit is 300/),
    d("style_codes: unicode junk", ["style_codes", "style_reference"], set("style_codes", () => junk(rng, rng.int(1, 250))), codesError),
    d("style_codes: separators and blanks only", ["style_codes", "style_reference"], set("style_codes", () => rng.pick([" ", ",", " , ,", "\u00a0\u3000"])), codesError),
    d("style_codes: seventeen codes", ["style_codes", "style_reference"], set("style_codes", () => Array.from({ length: 17 }, validCode).join(",")), /style_codes takes at most 16 codes/),
    d("style_codes: with style", ["style_codes", "style"], (o) => ((o.style_codes = validCode()), (o.style = "REALISTIC")), /style_codes can't be combined with style:/),
    d("style_codes: with style_reference", ["style_codes", "style_reference"], (o) => ((o.style_codes = validCode()), (o.style_reference = stack.discord.attachment(img.jpeg, "style.jpg"))), /can't be combined with style_reference/),
    d("style_codes: integer option", ["style_codes", "style_reference"], set("style_codes", () => raw(INTEGER, 12345678)), wrongType("style_codes")),
  ];
}

interface Case {
  n: number;
  labels: string[];
  options: Record<string, OptionValue>;
  expects: RegExp[];
}

/**
 * Builds the cases: a legal base with exotic values, then one to three defects on distinct
 * options. The first cases each lead with a different kind of defect, so every kind is
 * tried at least once whatever the seed; the rest are drawn at random.
 */
function buildCases(seed: number, count: number, img: Images): Case[] {
  const rng = new Rng(seed);
  const { discord } = stack;
  const cases: Case[] = [];
  for (let n = 0; n < count; n++) {
    const defects = allDefects(rng, img);
    if (n === 0 && defects.length > count) throw new Error(`${defects.length} kinds of defect but only ${count} cases`);
    const wanted = rng.pick([1, 1, 1, 2, 2, 3]);
    const chosen: Defect[] = [];
    const used = new Set<string>();
    const leader = defects[n];
    for (const defect of [...(leader ? [leader] : []), ...rng.shuffle(defects)]) {
      if (chosen.length === wanted) break;
      if (defect.fields.some((f) => used.has(f))) continue;
      chosen.push(defect);
      defect.fields.forEach((f) => used.add(f));
    }
    const options: Record<string, OptionValue> = {
      prompt: legalPrompt(rng, n),
      reference: discord.attachment(img.png(), rng.pick(["hero.png", "héros 🧙.png", "hero"]), { contentType: rng.pick(["image/png", "application/octet-stream", "text/plain"]) }),
    };
    // Legal extras, only where no defect will touch them and they cannot hide one.
    const free = (f: string) => !used.has(f);
    const codes = used.has("style_codes");
    if (free("style") && !codes && rng.chance(0.3)) options.style = rng.pick(["AUTO", "REALISTIC", "FICTION"]);
    if (free("size") && rng.chance(0.3)) options.size = rng.pick(["square", "portrait_16_9", "landscape_4_3"]);
    if (free("speed") && rng.chance(0.3)) options.speed = rng.pick(["TURBO", "QUALITY"]);
    if (free("count") && rng.chance(0.3)) options.count = rng.int(1, 8);
    if (free("seed") && rng.chance(0.3)) options.seed = rng.pick([0, 2_147_483_647, rng.int(1, 1e6)]);
    if (free("negative_prompt") && rng.chance(0.3)) options.negative_prompt = rng.pick(["hats", "🎩 \u200f قبعات", "   "]);
    if (free("magic_prompt") && rng.chance(0.3)) options.magic_prompt = rng.chance(0.5);
    if (free("private") && rng.chance(0.3)) options.private = rng.chance(0.5);
    if (free("palette") && rng.chance(0.3)) options.palette = rng.pick(["ember", " PASTEL ", "#ff0000:0.8 #00ff00", "#abc,#def:1"]);
    if (free("mask") && rng.chance(0.15)) options.mask = discord.attachment(img.png(), "mask.png");
    if (free("style_reference") && !codes && rng.chance(0.15)) options.style_reference = discord.attachment(img.jpeg, "style.jpeg", { contentType: "image/webp" });
    for (const defect of chosen) defect.apply(options);
    cases.push({ n, labels: chosen.map((c) => c.label), options, expects: chosen.map((c) => c.expect) });
  }
  return cases;
}

// ------------------------------------------------------------------------------ oracle

/** Dispatches one case and returns what is wrong with the bot's answer (empty when all is well). */
async function run(c: Case): Promise<string[]> {
  const { discord } = stack;
  const problems: string[] = [];
  let handle: InteractionHandle;
  try {
    handle = discord.command("imagine", c.options, { user: discord.users.alice });
  } catch (error) {
    return [`the fake refused to dispatch it: ${(error as Error).message}`];
  }
  let text: string;
  try {
    const callback = await handle.callback(5000);
    if (callback.at - handle.dispatchedAt >= 3000) problems.push(`acknowledged after ${callback.at - handle.dispatchedAt} ms`);
    if ((callback.data?.flags & 64) !== 64) problems.push(`callback type ${callback.type} is not ephemeral (flags ${callback.data?.flags})`);
    text =
      callback.type === 4
        ? String(callback.data?.content ?? "")
        : (await discord.waitFor(() => { const o = handle.original(); return o && !o.loading && o.text ? o : undefined; }, 10_000, `final reply of case ${c.n}`)).text;
  } catch (error) {
    return [...problems, `no answer: ${(error as Error).message}`];
  }
  if (/Something went wrong on StoryCast's side/.test(text)) problems.push("got the generic apology (an unexpected error)");
  if (text.trim() === "") problems.push("empty reply");
  if (text.length > 2000) problems.push(`reply is ${text.length} characters`);
  if (/\bat .+:\d+:\d+|node:internal|\bError:|TypeError/.test(text)) problems.push("reply looks like a stack trace or raw error");
  // Words that mean a missing value leaked into the text (unless the user typed them).
  const typed = JSON.stringify(c.options);
  for (const leak of ["undefined", "[object Object]", "NaN", "null"]) {
    if (text.includes(leak) && !typed.includes(leak)) problems.push(`reply shows ${leak}`);
  }
  if (!c.expects.some((re) => re.test(text))) problems.push(`reply matches none of ${c.expects.map(String).join(" | ")}`);
  return problems.length ? [...problems, `reply: ${JSON.stringify(text.slice(0, 300))}`] : [];
}

// ------------------------------------------------------------------------------ the test

describe("/imagine fuzzed with malformed options", () => {
  it(`when ${CASES} seeded malformed payloads arrive (seed 0x${SEED.toString(16)}), then each gets a clear private message, fal is never called and the bot lives on`, async () => {
    const { discord, fal } = stack;
    let pngSeed = 100;
    const img: Images = {
      png: () => makePng({ width: 8, height: 8, seed: pngSeed++, targetBytes: 400 }),
      jpeg: sampleJpeg(),
      gif: Buffer.concat([Buffer.from("GIF89a"), Buffer.from([8, 0, 8, 0, 0x80, 0, 0]), Buffer.alloc(64, 7)]),
      text: Buffer.from("just some text, honestly — not an image\n"),
      huge: makePng({ width: 1200, height: 1200, seed: 5, targetBytes: 10 * MB + 4096 }),
      sixMb: makePng({ width: 1000, height: 1000, seed: 6, targetBytes: 6 * MB }),
    };
    const cases = buildCases(SEED, CASES, img);
    const logsBefore = stack.logs.length;
    const falBefore = fal.requests.length;
    const failures: string[] = [];

    for (let start = 0; start < cases.length; start += BATCH) {
      const batch = cases.slice(start, start + BATCH);
      const falAtStart = fal.requests.length;
      const results = await Promise.all(batch.map(run));
      // Give any stray job a moment to show itself before checking fal stayed untouched.
      await new Promise((resolve) => setTimeout(resolve, 150));
      batch.forEach((c, i) => {
        if (results[i]!.length) failures.push(`case ${c.n} [${c.labels.join("; ")}]: ${results[i]!.join("; ")}`);
      });
      const reached = fal.requests.slice(falAtStart);
      if (reached.length) failures.push(`batch of cases ${batch[0]!.n}–${batch.at(-1)!.n} reached fal: ${reached.map((r) => `${r.kind} ${r.method} ${r.target}`).join(", ")}`);
    }

    const crashes = stack.logs.slice(logsBefore).filter((line) => line.includes("interaction failed") || line.includes('"level":60'));
    expect(failures).toEqual([]);
    expect(crashes).toEqual([]);
    expect(fal.requests.length).toBe(falBefore);
    expect(discord.messages().filter((m) => !m.ephemeral && m.text.includes("Scene for"))).toEqual([]);
    expect(discord.validationFailures).toEqual([]);

    // Still alive: a valid request after all that is generated and delivered.
    const handle = discord.command(
      "imagine",
      { prompt: "after the storm 🧙‍♂️ \u200f the knight rests", reference: discord.attachment(img.png(), "knight.png", { contentType: "image/png" }) },
      { user: discord.users.alice },
    );
    expect((await handle.callback()).at - handle.dispatchedAt).toBeLessThan(3000);
    await waitForReply(discord, handle, /posted in the channel/);
    expect(fal.submits).toHaveLength(1);
    expect(resultMessages(handle)).toHaveLength(1);
  }, 40_000);
});
