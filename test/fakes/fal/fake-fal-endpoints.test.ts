// The fake fal's sibling endpoints — fal-ai/ideogram/character/edit, …/character/remix and
// fal-ai/ideogram/upscale — driven by the REAL @fal-ai/client through the fake's proxy, as the bot
// will drive them. Each must round-trip through the same queue protocol as character (the client
// polls, streams, fetches and cancels by owner/alias: fal-ai/ideogram/requests/{id}), and reject
// what its own input model rejects with a 422 the client turns into a ValidationError.
import { ValidationError, createFalClient, type FalClient } from "@fal-ai/client";
import type {
  IdeogramCharacterEditInput,
  IdeogramCharacterRemixInput,
  IdeogramUpscaleInput,
} from "@fal-ai/client/endpoints";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CHARACTER_EDIT_ENDPOINT,
  CHARACTER_REMIX_ENDPOINT,
  UPSCALE_ENDPOINT,
  checkPng,
  imageSize,
  makePng,
  pngSize,
  sampleJpeg,
  sampleWebp,
  startFakeFal,
  type FakeFal,
} from "../../../fakes/fal/index.js";

const EDIT = "fal-ai/ideogram/character/edit" as const;
const REMIX = "fal-ai/ideogram/character/remix" as const;
const UPSCALE = "fal-ai/ideogram/upscale" as const;

function clientFor(fake: FakeFal): FalClient {
  return createFalClient({
    credentials: fake.key,
    proxyUrl: { url: fake.url, when: "always" },
    retry: { baseDelay: 10, maxDelay: 50 },
  });
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

/** Submits and expects a ValidationError; returns it. */
async function rejected(p: Promise<unknown>): Promise<ValidationError> {
  const error = await caught(p);
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).status).toBe(422);
  return error as ValidationError;
}

/** [field, type] of every field error, in order. */
const fieldTypes = (e: ValidationError): [unknown, string][] => e.fieldErrors.map((f) => [f.loc[1], f.type]);

async function downloadPng(url: string): Promise<Buffer> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("image/png");
  return Buffer.from(await res.arrayBuffer());
}

/** sampleJpeg() with its SOF0 frame size rewritten: a JPEG header that says width×height. */
function jpegOfSize(width: number, height: number): Buffer {
  const jpeg = sampleJpeg();
  const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
  jpeg.writeUInt16BE(height, sof + 5);
  jpeg.writeUInt16BE(width, sof + 7);
  return jpeg;
}

let fake: FakeFal;
let fal: FalClient;
let ref: string;
let scene: string; // a 96×64 "previous result" to edit, remix or upscale
let mask: string; // a 96×64 mask for it

beforeEach(async () => {
  fake = await startFakeFal();
  fal = clientFor(fake);
  ref = fake.host(makePng({ width: 64, height: 64, seed: 42 }), "image/png", "hero.png");
  scene = fake.host(makePng({ width: 96, height: 64, seed: 7 }), "image/png", "scene.png");
  mask = fake.host(makePng({ width: 96, height: 64, seed: 8, color: [0, 0, 0] }), "image/png", "mask.png");
});

afterEach(async () => {
  await fake.close();
});

const editInput = (extra: Partial<IdeogramCharacterEditInput> = {}): IdeogramCharacterEditInput => ({
  prompt: "the hero now holds a lantern",
  image_url: scene,
  mask_url: mask,
  reference_image_urls: [ref],
  ...extra,
});
const remixInput = (extra: Partial<IdeogramCharacterRemixInput> = {}): IdeogramCharacterRemixInput => ({
  prompt: "the same scene at night",
  image_url: scene,
  reference_image_urls: [ref],
  ...extra,
});
const upscaleInput = (extra: Partial<IdeogramUpscaleInput> = {}): IdeogramUpscaleInput => ({ image_url: scene, ...extra });

describe("round trips through the queue with the real client", () => {
  it("edit: submit → status → result by owner/alias; images the size of the input image; endpoint and input recorded", async () => {
    const submitted = await fal.queue.submit(EDIT, { input: editInput({ num_images: 2, seed: 99, rendering_speed: "TURBO" }) });
    const id = submitted.request_id;
    // The client and fal's queue address every request after the submit by owner/alias only.
    expect(submitted.status_url).toBe(`https://queue.fal.run/fal-ai/ideogram/requests/${id}/status`);
    expect(fake.submits).toEqual([
      expect.objectContaining({ requestId: id, endpointId: CHARACTER_EDIT_ENDPOINT, status: 200, input: editInput({ num_images: 2, seed: 99, rendering_speed: "TURBO" }) }),
    ]);
    await fake.waitFor(() => fake.job(id)?.state === "COMPLETED", 2000, "the edit job to complete");
    const status = await fal.queue.status(EDIT, { requestId: id });
    expect(status.status).toBe("COMPLETED");
    const result = await fal.queue.result(EDIT, { requestId: id });
    expect(result.data.seed).toBe(99);
    expect(result.data.images).toHaveLength(2);
    for (const img of result.data.images) {
      const bytes = await downloadPng(img.url);
      expect(pngSize(bytes)).toEqual({ width: 96, height: 64 });
      expect(checkPng(bytes)).toEqual([]);
      expect(img).toMatchObject({ content_type: "image/png", file_name: expect.stringMatching(/\.png$/), file_size: bytes.length });
    }
    const after = fake.requests.filter((r) => r.kind !== "submit" && r.kind !== "cdn").map((r) => r.target);
    expect(after).toEqual([
      `https://queue.fal.run/fal-ai/ideogram/requests/${id}/status?logs=0`,
      `https://queue.fal.run/fal-ai/ideogram/requests/${id}`,
    ]);
    expect(fake.requests.find((r) => r.kind === "submit")!.target).toBe(`https://queue.fal.run/${EDIT}`);
  });

  it("remix: fal.subscribe (polling) returns images the input image's size, or image_size when given", async () => {
    const out = await fal.subscribe(REMIX, { input: remixInput({ strength: 0.5 }), pollInterval: 10 });
    expect(out.data.images).toHaveLength(1);
    expect(out.data.seed).toEqual(expect.any(Number));
    expect(pngSize(await downloadPng(out.data.images[0]!.url))).toEqual({ width: 96, height: 64 });

    const sized = await fal.subscribe(REMIX, { input: remixInput({ image_size: "landscape_16_9" }), pollInterval: 10 });
    expect(pngSize(await downloadPng(sized.data.images[0]!.url))).toEqual({ width: 1024, height: 576 });
    expect(fake.submits.map((s) => [s.endpointId, s.status])).toEqual([
      [CHARACTER_REMIX_ENDPOINT, 200],
      [CHARACTER_REMIX_ENDPOINT, 200],
    ]);
  });

  it("upscale: fal.subscribe (streaming) returns one image twice the input's size, with the seed", async () => {
    fake.script({ queuePositions: [1], runMs: 20 });
    const out = await fal.subscribe(UPSCALE, {
      input: upscaleInput({ resemblance: 80, detail: 20, prompt: "", seed: 5 }),
      mode: "streaming",
    });
    expect(out.data.seed).toBe(5);
    expect(out.data.images).toHaveLength(1);
    const bytes = await downloadPng(out.data.images[0]!.url);
    expect(pngSize(bytes)).toEqual({ width: 192, height: 128 });
    expect(out.data.images[0]).toMatchObject({ content_type: "image/png", file_size: bytes.length });
    expect(fake.submits.map((s) => s.endpointId)).toEqual([UPSCALE_ENDPOINT]);
    const stream = fake.requests.find((r) => r.kind === "status-stream")!;
    expect(stream.target).toMatch(/^https:\/\/queue\.fal\.run\/fal-ai\/ideogram\/requests\/[^/]+\/status\/stream/);
  });

  it("JPEG and WebP inputs are sized from their headers", async () => {
    const jpeg = fake.host(jpegOfSize(40, 30), "image/jpeg", "scene.jpg");
    const out = await fal.subscribe(UPSCALE, { input: upscaleInput({ image_url: jpeg }), pollInterval: 10 });
    expect(pngSize(await downloadPng(out.data.images[0]!.url))).toEqual({ width: 80, height: 60 });

    const webp = fake.host(sampleWebp(), "image/webp", "dot.webp"); // 1×1
    const edited = await fal.subscribe(EDIT, {
      input: editInput({ image_url: webp, mask_url: fake.host(makePng({ width: 1, height: 1 }), "image/png") }),
      pollInterval: 10,
    });
    expect(pngSize(await downloadPng(edited.data.images[0]!.url))).toEqual({ width: 1, height: 1 });
  });

  it("cancel and the full endpoint path reach the job too; scripts and hold/release apply as for character", async () => {
    fake.script({ hold: true, runMs: 0 }, { hold: true, runMs: 0 });
    const a = await fal.queue.submit(EDIT, { input: editInput() });
    const b = await fal.queue.submit(UPSCALE, { input: upscaleInput() });
    expect(fake.peakInFlight()).toBe(2);
    await fal.queue.cancel(EDIT, { requestId: a.request_id });
    expect(fake.cancels).toEqual([a.request_id]);
    expect(fake.requests.find((r) => r.kind === "cancel")!.target).toBe(`https://queue.fal.run/fal-ai/ideogram/requests/${a.request_id}/cancel`);

    // Another client may keep the endpoint path: fal-ai/ideogram/upscale/requests/{id}/status.
    const full = await fetch(fake.url, {
      headers: { authorization: `Key ${fake.key}`, "x-fal-target-url": `https://queue.fal.run/${UPSCALE}/requests/${b.request_id}/status` },
    });
    expect(full.status).toBe(202);
    expect(await full.json()).toMatchObject({ request_id: b.request_id, status: "IN_PROGRESS" });
    fake.release(b.request_id);
    await fake.waitFor(() => fake.job(b.request_id)?.state === "COMPLETED", 2000, "the upscale to complete");
    expect((await fal.queue.result(UPSCALE, { requestId: b.request_id })).data.images).toHaveLength(1);
  });

  it("validateAt 'result': an invalid edit is accepted, then its result is the 422", async () => {
    const late = await startFakeFal({ validateAt: "result" });
    try {
      const client = clientFor(late);
      const bad = { prompt: "x", image_url: "https://example.com/a.png", mask_url: "https://example.com/b.png", reference_image_urls: [] };
      const { request_id } = await client.queue.submit(EDIT, { input: bad });
      await late.waitFor(() => late.job(request_id)?.state === "COMPLETED", 2000, "the job to complete");
      const error = await rejected(client.queue.result(EDIT, { requestId: request_id }));
      expect(error.getFieldErrors("mask_url").map((e) => e.type)).toEqual(["file_download_error"]);
    } finally {
      await late.close();
    }
  });
});

describe("edit input model", () => {
  it("requires prompt, image_url, mask_url and reference_image_urls", async () => {
    const error = await rejected(fal.queue.submit(EDIT, { input: {} as IdeogramCharacterEditInput }));
    expect(fieldTypes(error)).toEqual([
      ["prompt", "missing"],
      ["reference_image_urls", "missing"],
      ["image_url", "missing"],
      ["mask_url", "missing"],
    ]);
    expect(fake.submits.map((s) => [s.endpointId, s.status, s.requestId])).toEqual([[CHARACTER_EDIT_ENDPOINT, 422, undefined]]);
  });

  it("forbids style, image_size and negative_prompt (character takes them, edit does not) and unknown fields", async () => {
    const bad = { ...editInput(), style: "AUTO", image_size: "square", negative_prompt: "blur", strength: 0.5 } as unknown as IdeogramCharacterEditInput;
    const error = await rejected(fal.queue.submit(EDIT, { input: bad }));
    expect(fieldTypes(error)).toEqual([
      ["style", "extra_forbidden"],
      ["image_size", "extra_forbidden"],
      ["negative_prompt", "extra_forbidden"],
      ["strength", "extra_forbidden"],
    ]);
  });

  it("checks num_images, seed, rendering_speed and types as for character", async () => {
    const bad = { ...editInput(), num_images: 9, seed: "1", rendering_speed: "FAST", prompt: "" } as unknown as IdeogramCharacterEditInput;
    const error = await rejected(fal.queue.submit(EDIT, { input: bad }));
    expect(error.getFieldErrors("num_images").map((e) => e.type)).toEqual(["less_than_equal"]);
    expect(error.getFieldErrors("seed").map((e) => e.type)).toEqual(["int_type"]);
    expect(error.getFieldErrors("rendering_speed").map((e) => e.type)).toEqual(["enum"]);
    expect(error.getFieldErrors("prompt").map((e) => e.type)).toEqual(["string_too_short"]);
    const zero = await rejected(fal.queue.submit(EDIT, { input: editInput({ num_images: 0 }) }));
    expect(zero.getFieldErrors("num_images").map((e) => e.type)).toEqual(["greater_than_equal"]);
  });

  it("image_url and mask_url must be images on fal's reach that sniff as JPEG, PNG or WebP", async () => {
    const text = fake.host(Buffer.from("not an image"), "text/plain", "a.txt");
    const error = await rejected(
      fal.queue.submit(EDIT, { input: editInput({ image_url: "https://example.com/elsewhere.png", mask_url: text }) }),
    );
    expect(fieldTypes(error)).toEqual([
      ["image_url", "file_download_error"],
      ["mask_url", "image_format_error"],
    ]);
    const typed = await rejected(fal.queue.submit(EDIT, { input: { ...editInput(), image_url: 5 } as unknown as IdeogramCharacterEditInput }));
    expect(fieldTypes(typed)).toEqual([["image_url", "string_type"]]);
  });

  it("a mask whose size differs from the image's is a 422 on mask_url naming both sizes", async () => {
    const small = fake.host(makePng({ width: 48, height: 64 }), "image/png", "mask-small.png");
    const error = await rejected(fal.queue.submit(EDIT, { input: editInput({ mask_url: small }) }));
    expect(fieldTypes(error)).toEqual([["mask_url", "value_error"]]);
    const msg = error.getFieldErrors("mask_url")[0]!.msg;
    expect(msg).toContain("48x64");
    expect(msg).toContain("96x64");

    // Sizes come from each format's header: a JPEG mask of the same size passes, of another fails.
    const jpegMask = fake.host(jpegOfSize(96, 64), "image/jpeg", "mask.jpg");
    expect((await fal.queue.submit(EDIT, { input: editInput({ mask_url: jpegMask }) })).request_id).toEqual(expect.any(String));
    const tallJpeg = fake.host(jpegOfSize(96, 65), "image/jpeg", "mask-tall.jpg");
    const tall = await rejected(fal.queue.submit(EDIT, { input: editInput({ mask_url: tallJpeg }) }));
    expect(tall.getFieldErrors("mask_url")[0]!.msg).toMatch(/96x65.*96x64/);
  });

  it("accepts every optional field it takes", async () => {
    const ok = await fal.queue.submit(EDIT, {
      input: editInput({
        reference_mask_urls: [fake.host(sampleWebp(), "image/webp")],
        image_urls: [fake.host(sampleJpeg(), "image/jpeg")],
        rendering_speed: "QUALITY",
        color_palette: { name: "EMBER" },
        expand_prompt: false,
        num_images: 8,
        seed: 1,
        sync_mode: false,
      }),
    });
    expect(ok.request_id).toEqual(expect.any(String));
    const styled = await fal.queue.submit(EDIT, { input: editInput({ style_codes: ["0a1B2c3D"] }) });
    expect(styled.request_id).toEqual(expect.any(String));
  });
});

describe("remix input model", () => {
  it("requires prompt, image_url and reference_image_urls; forbids mask_url and unknown fields", async () => {
    const missing = await rejected(fal.queue.submit(REMIX, { input: {} as IdeogramCharacterRemixInput }));
    expect(fieldTypes(missing)).toEqual([
      ["prompt", "missing"],
      ["reference_image_urls", "missing"],
      ["image_url", "missing"],
    ]);
    const extra = await rejected(
      fal.queue.submit(REMIX, { input: { ...remixInput(), mask_url: mask, resemblance: 50 } as unknown as IdeogramCharacterRemixInput }),
    );
    expect(fieldTypes(extra)).toEqual([
      ["mask_url", "extra_forbidden"],
      ["resemblance", "extra_forbidden"],
    ]);
  });

  it("strength is a number from 0.01 to 1", async () => {
    for (const [strength, type] of [
      [0, "greater_than_equal"],
      [0.009, "greater_than_equal"],
      [1.01, "less_than_equal"],
      ["0.5", "float_type"],
      [true, "float_type"],
    ] as const) {
      const error = await rejected(fal.queue.submit(REMIX, { input: { ...remixInput(), strength } as unknown as IdeogramCharacterRemixInput }));
      expect(fieldTypes(error)).toEqual([["strength", type]]);
    }
    for (const strength of [0.01, 1]) {
      expect((await fal.queue.submit(REMIX, { input: remixInput({ strength }) })).request_id).toEqual(expect.any(String));
    }
  });

  it("takes style, image_size and negative_prompt like character, and checks them", async () => {
    const ok = await fal.queue.submit(REMIX, { input: remixInput({ style: "FICTION", image_size: { width: 300, height: 200 }, negative_prompt: "blur" }) });
    expect(ok.request_id).toEqual(expect.any(String));
    const bad = await rejected(
      fal.queue.submit(REMIX, { input: { ...remixInput(), style: "ANIME", num_images: 9, image_url: "https://example.com/x.png" } as unknown as IdeogramCharacterRemixInput }),
    );
    expect(fieldTypes(bad)).toEqual([
      ["style", "enum"],
      ["num_images", "less_than_equal"],
      ["image_url", "file_download_error"],
    ]);
  });
});

describe("upscale input model", () => {
  it("requires only image_url; prompt is optional and may be empty", async () => {
    const missing = await rejected(fal.queue.submit(UPSCALE, { input: {} as IdeogramUpscaleInput }));
    expect(fieldTypes(missing)).toEqual([["image_url", "missing"]]);
    expect((await fal.queue.submit(UPSCALE, { input: upscaleInput({ prompt: "" }) })).request_id).toEqual(expect.any(String));
    const typed = await rejected(fal.queue.submit(UPSCALE, { input: { ...upscaleInput(), prompt: 3 } as unknown as IdeogramUpscaleInput }));
    expect(fieldTypes(typed)).toEqual([["prompt", "string_type"]]);
  });

  it("forbids the character fields (references, num_images, style, image_size, …)", async () => {
    const bad = {
      ...upscaleInput(),
      reference_image_urls: [ref],
      num_images: 2,
      style: "AUTO",
      image_size: "square",
      rendering_speed: "TURBO",
    } as unknown as IdeogramUpscaleInput;
    const error = await rejected(fal.queue.submit(UPSCALE, { input: bad }));
    expect(fieldTypes(error)).toEqual([
      ["reference_image_urls", "extra_forbidden"],
      ["num_images", "extra_forbidden"],
      ["style", "extra_forbidden"],
      ["image_size", "extra_forbidden"],
      ["rendering_speed", "extra_forbidden"],
    ]);
  });

  it("resemblance and detail are integers from 1 to 100; seed an integer; image_url an image", async () => {
    for (const field of ["resemblance", "detail"] as const) {
      for (const [value, type] of [
        [0, "greater_than_equal"],
        [101, "less_than_equal"],
        [50.5, "int_type"],
        ["50", "int_type"],
      ] as const) {
        const error = await rejected(fal.queue.submit(UPSCALE, { input: { ...upscaleInput(), [field]: value } as unknown as IdeogramUpscaleInput }));
        expect(fieldTypes(error)).toEqual([[field, type]]);
      }
      for (const value of [1, 100]) {
        expect((await fal.queue.submit(UPSCALE, { input: upscaleInput({ [field]: value }) })).request_id).toEqual(expect.any(String));
      }
    }
    const seed = await rejected(fal.queue.submit(UPSCALE, { input: upscaleInput({ seed: 1.5 }) }));
    expect(fieldTypes(seed)).toEqual([["seed", "int_type"]]);
    const text = fake.host(Buffer.from("plain text"), "text/plain");
    const notImage = await rejected(fal.queue.submit(UPSCALE, { input: upscaleInput({ image_url: text }) }));
    expect(fieldTypes(notImage)).toEqual([["image_url", "image_format_error"]]);
  });
});

describe("imageSize reads each format's header", () => {
  it("PNG, baseline JPEG, lossless, lossy and extended WebP; undefined for other bytes", () => {
    expect(imageSize(makePng({ width: 33, height: 17 }))).toEqual({ width: 33, height: 17 });
    expect(imageSize(sampleJpeg())).toEqual({ width: 8, height: 8 });
    expect(imageSize(jpegOfSize(640, 480))).toEqual({ width: 640, height: 480 });
    expect(imageSize(sampleWebp())).toEqual({ width: 1, height: 1 });

    const riff = (fourcc: string, payload: number[]): Buffer => {
      const body = Buffer.concat([Buffer.from(`WEBP${fourcc}`, "latin1"), Buffer.alloc(4), Buffer.from(payload)]);
      body.writeUInt32LE(payload.length, 8);
      const head = Buffer.alloc(8);
      head.write("RIFF", 0, "latin1");
      head.writeUInt32LE(body.length, 4);
      return Buffer.concat([head, body]);
    };
    // VP8 key frame: 3-byte frame tag, start code 9d 01 2a, 14-bit width and height (LE).
    expect(imageSize(riff("VP8 ", [0, 0, 0, 0x9d, 0x01, 0x2a, 300 & 0xff, 300 >> 8, 200 & 0xff, 200 >> 8]))).toEqual({ width: 300, height: 200 });
    // VP8X: flags(4), canvas width-1 (24 bits), canvas height-1 (24 bits).
    expect(imageSize(riff("VP8X", [0, 0, 0, 0, 0x3f, 0x1f, 0x00, 0xff, 0x0f, 0x00]))).toEqual({ width: 0x1f40, height: 0x1000 });
    expect(imageSize(Buffer.from("hello world, not an image at all"))).toBeUndefined();
  });
});
