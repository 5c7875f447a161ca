import { ComponentType } from "discord.js";
import { describe, expect, it } from "vitest";
import { ACK_BUDGET_MS, readBeforeModal } from "../../src/discord/ack-within-budget.js";
import { resultRow } from "../../src/discord/job-messages.js";
import { sceneCaption, sourceMessageLink } from "../../src/discord/scene-caption.js";
import {
  parseSceneButtonId,
  parseSceneFormId,
  parseScenePickId,
  parseScenePickValue,
  sceneButtonId,
  sceneFormId,
  scenePickId,
  scenePickValue,
} from "../../src/discord/scene-control-ids.js";
import { MAX_BUTTONS_PER_ROW, MAX_ROWS, MAX_SELECT_OPTIONS, sceneControlRows } from "../../src/discord/scene-control-rows.js";
import { UserFacingError } from "../../src/domain/errors.js";
import type { GenerationSettings } from "../../src/domain/imagine-request.js";
import type { Job } from "../../src/domain/job.js";
import { MAX_IMAGES } from "../../src/domain/fal-enums.js";
import { characterOf, checkEditChoice, checkScenePrompt, parseStrength, sceneActionsFor, sceneSettings, SCENE_ACTIONS } from "../../src/domain/scene-controls.js";
import { createTestClock } from "../support/test-clock.js";

const JOB_ID = "AbC-12_x"; // ctx.newJobId(): 6 random bytes in base64url

function job(overrides: Partial<Job> = {}, settings: Partial<GenerationSettings> = {}): Job {
  return {
    id: JOB_ID,
    createdAt: 0,
    updatedAt: 0,
    origin: { userId: "111", guildId: "222", channelId: "333", applicationId: "444", interactionToken: "t", interactionAt: 0, attachmentSizeLimit: 10_000_000, private: false },
    settings: { prompt: "a scene", imageSize: "square_hd", speed: "BALANCED", numImages: 1, ...settings },
    falInput: null,
    pipeline: null,
    state: { kind: "pending" },
    costUsd: null,
    rerollOf: null,
    messageIds: [],
    delivery: null,
    ...overrides,
  };
}

describe("control custom_ids", () => {
  it("round-trip the control, job and image, within Discord's 100 characters", () => {
    for (const action of SCENE_ACTIONS) {
      for (const image of [0, 7]) {
        const button = sceneButtonId({ action, jobId: JOB_ID, image });
        expect(button.length).toBeLessThanOrEqual(100);
        expect(parseSceneButtonId(button)).toEqual({ action, jobId: JOB_ID, image });
        expect(parseScenePickValue(JOB_ID, scenePickValue(action, image))).toEqual({ action, jobId: JOB_ID, image });
        expect(scenePickValue(action, image).length).toBeLessThanOrEqual(100);
      }
    }
    expect(parseScenePickId(scenePickId(JOB_ID))).toEqual({ jobId: JOB_ID });
    for (const action of ["remix", "edit"] as const) {
      const form = sceneFormId({ action, jobId: JOB_ID, image: 3 });
      expect(form.length).toBeLessThanOrEqual(100);
      expect(parseSceneFormId(form)).toEqual({ action, jobId: JOB_ID, image: 3 });
    }
  });

  it("refuse ids that are not ours or are malformed (a forged custom_id reaches the bot as sent)", () => {
    for (const id of ["imagine:reroll:x", "scene:zoom:abc:0", "scene:upscale:abc", "scene:upscale:abc:x", "scene:upscale:abc:-1", "scene:upscale:abc:123", "scene:upscale:a b:0", "scene:upscale:abc:0:extra"]) {
      expect(parseSceneButtonId(id)).toBeUndefined();
    }
    expect(parseScenePickId("scene:pick")).toBeUndefined();
    expect(parseScenePickId("scene:upscale:abc:0")).toBeUndefined();
    expect(parseScenePickValue(JOB_ID, "zoom:1")).toBeUndefined();
    expect(parseScenePickValue(JOB_ID, "upscale:1:2")).toBeUndefined();
    expect(parseSceneFormId("scene:upscale-form:abc:0")).toBeUndefined();
    expect(parseSceneFormId(sceneButtonId({ action: "remix", jobId: JOB_ID, image: 0 }))).toBeUndefined();
    // A form id is never taken for a button, nor a button for a form.
    expect(parseSceneButtonId(sceneFormId({ action: "edit", jobId: JOB_ID, image: 0 }))).toBeUndefined();
  });
});

describe("control layout", () => {
  type Row = ReturnType<typeof sceneControlRows>[number];
  const within = (rows: Row[]) => {
    const all = [resultRow(job()), ...rows];
    expect(all.length).toBeLessThanOrEqual(MAX_ROWS);
    for (const row of all) {
      const buttons = row.components.filter((c) => c.type === ComponentType.Button);
      const selects = row.components.filter((c) => c.type === ComponentType.StringSelect);
      expect(buttons.length).toBeLessThanOrEqual(MAX_BUTTONS_PER_ROW);
      expect(selects.length === 0 || row.components.length === 1).toBe(true); // a select fills its row
      for (const select of selects) {
        expect(select.options.length).toBeLessThanOrEqual(MAX_SELECT_OPTIONS);
        expect(select.custom_id.length).toBeLessThanOrEqual(100);
        expect(new Set(select.options.map((o) => o.value)).size).toBe(select.options.length);
        for (const option of select.options) expect(option.label.length).toBeLessThanOrEqual(100);
      }
      for (const button of buttons) if ("custom_id" in button) expect(button.custom_id.length).toBeLessThanOrEqual(100);
    }
    return all;
  };

  it("gives a one-image result a button per control, beside the result's row", () => {
    const rows = within(sceneControlRows(job(), [0], 1));
    expect(rows[1]!.components.map((c) => ("label" in c ? c.label : undefined))).toEqual(["Upscale", "Remix", "Edit"]);
    expect(rows[1]!.components.map((c) => ("custom_id" in c ? parseSceneButtonId(c.custom_id) : undefined))).toEqual(
      SCENE_ACTIONS.map((action) => ({ action, jobId: JOB_ID, image: 0 })),
    );
  });

  it("gives a result of up to fal's 8 images one select with every control of every image it holds, within 25 options", () => {
    const all = Array.from({ length: MAX_IMAGES }, (_, i) => i);
    const rows = within(sceneControlRows(job({}, { numImages: MAX_IMAGES }), all, MAX_IMAGES));
    const select = rows[1]!.components[0]!;
    if (select.type !== ComponentType.StringSelect) throw new Error("expected a select");
    expect(select.options).toHaveLength(MAX_IMAGES * 3);
    expect(select.options.map((o) => parseScenePickValue(JOB_ID, o.value))).toEqual(all.flatMap((image) => SCENE_ACTIONS.map((action) => ({ action, jobId: JOB_ID, image }))));
    // A part of a split result offers its own images only.
    const part = sceneControlRows(job(), [5, 3], MAX_IMAGES)[0]!.components[0]!;
    if (part.type !== ComponentType.StringSelect) throw new Error("expected a select");
    expect(part.options.map((o) => o.label)).toEqual(["Upscale image 4", "Remix image 4", "Edit image 4", "Upscale image 6", "Remix image 6", "Edit image 6"]);
  });

  it("offers no Upscale on an upscale, and nothing on an upscale of an image that had no character", () => {
    const upscaled = within(sceneControlRows(job({}, { kind: "upscale", source: { jobId: "src", image: 0 } }), [0], 1));
    expect(upscaled[1]!.components.map((c) => ("label" in c ? c.label : undefined))).toEqual(["Remix", "Edit"]);
    expect(sceneControlRows(job({}, { kind: "upscale" }), [0], 1)).toEqual([]);
    expect(sceneControlRows(job(), [], 2)).toEqual([]);
    expect(sceneActionsFor({ prompt: "x", imageSize: "square", speed: "TURBO", numImages: 1, kind: "duo" })).toEqual(["upscale", "remix", "edit"]);
  });
});

describe("control forms and settings", () => {
  it("reads the strength as a number from 0.01 to 1 (empty: fal's default 0.8), refusing anything else", () => {
    expect([parseStrength("0.35"), parseStrength(" 1 "), parseStrength("0,5"), parseStrength(".2"), parseStrength("0.01"), parseStrength("")]).toEqual([0.35, 1, 0.5, 0.2, 0.01, 0.8]);
    for (const bad of ["2", "abc", "0", "0.009", "-0.5", "1.01", "1e-1", "Infinity", "NaN", "0.5.1", "0x1"]) {
      expect(() => parseStrength(bad), bad).toThrow(UserFacingError);
      expect(() => parseStrength(bad)).toThrow(/Strength must be a number from 0\.01/);
    }
  });

  it("wants exactly one of an area or a mask file for an edit, and a prompt with something in it", () => {
    expect(checkEditChoice(["left_half"], 0)).toEqual({ region: "left_half" });
    expect(checkEditChoice([], 1)).toEqual({ mask: true });
    expect(() => checkEditChoice([], 0)).toThrow(/Pick the area to repaint, or upload a mask/);
    expect(() => checkEditChoice(["top"], 1)).toThrow(/not both/);
    expect(() => checkEditChoice(["toString"], 0)).toThrow(/Pick one of the listed areas/);
    expect(() => checkEditChoice([], 2)).toThrow(/one mask file/);
    expect(checkScenePrompt("  a dragon \n")).toBe("a dragon");
    expect(() => checkScenePrompt(" \u200b ")).toThrow(/The prompt is empty/);
    expect(() => checkScenePrompt("x".repeat(2001))).toThrow(/2001 characters long; the limit is 2000/);
  });

  it("makes each control's settings from the source scene: one image, its size and speed, the form's values, and where it came from", () => {
    const source: GenerationSettings = {
      prompt: "the scene",
      imageSize: "landscape_4_3",
      speed: "TURBO",
      numImages: 4,
      seed: 9,
      style: "FICTION",
      negativePrompt: "blur",
      expandPrompt: false,
      palette: { name: "EMBER" },
    };
    const from = { jobId: "src", image: 2 };
    const base = { imageSize: "landscape_4_3", speed: "TURBO", numImages: 1, source: from };
    expect(sceneSettings(source, from, { action: "upscale" })).toEqual({ ...base, kind: "upscale", prompt: "the scene" });
    expect(sceneSettings(source, from, { action: "remix", prompt: "night", strength: 0.4 })).toEqual({
      ...base,
      kind: "remix",
      prompt: "night",
      strength: 0.4,
      style: "FICTION",
      negativePrompt: "blur",
      expandPrompt: false,
      palette: { name: "EMBER" },
    });
    expect(sceneSettings(source, from, { action: "edit", prompt: "a cat", region: "centre" })).toEqual({ ...base, kind: "edit", prompt: "a cat", region: "centre", expandPrompt: false, palette: { name: "EMBER" } });
  });

  it("finds the character of a scene in its first fal step's input (a duo's too), and none in an upscale's", () => {
    const character = { prompt: "p", reference_image_urls: ["https://fal/ref"], reference_mask_urls: ["https://fal/mask"], image_size: "square_hd", rendering_speed: "TURBO", num_images: 1 } as Job["falInput"];
    expect(characterOf(job({ falInput: character }))).toEqual({ reference: "https://fal/ref", mask: "https://fal/mask" });
    const edit = { prompt: "p", image_url: "https://fal/img", mask_url: "https://fal/m", reference_image_urls: ["https://fal/first"], rendering_speed: "TURBO", num_images: 1 } as Job["falInput"];
    expect(characterOf(job({ falInput: edit, pipeline: { step: 2, steps: 2, done: [{ requestId: "r", input: character!, result: { seed: 1, images: [] } }] } }))).toEqual({
      reference: "https://fal/ref",
      mask: "https://fal/mask",
    });
    expect(characterOf(job({ falInput: { image_url: "https://fal/img" } }))).toBeUndefined();
  });
});

describe("the link back to the source image", () => {
  const delivered = job({ delivery: { parts: [{ images: [0, 1], messageId: "m1", channelId: "333" }, { images: [2], messageId: "m2", channelId: "333" }], links: [{ index: 3, reason: "too_large" }] } });

  it("points at the message holding the image (a linked image: the last part), and names the presser", () => {
    expect(sourceMessageLink(delivered, 1)).toBe("https://discord.com/channels/222/333/m1");
    expect(sourceMessageLink(delivered, 2)).toBe("https://discord.com/channels/222/333/m2");
    expect(sourceMessageLink(delivered, 3)).toBe("https://discord.com/channels/222/333/m2");
    expect(sceneCaption("edit", delivered, 2, "999")).toBe("✏️ Edit for <@999> of image 3 from <https://discord.com/channels/222/333/m2>");
  });

  it("has no link for a private result (ephemeral messages cannot be linked) and points a DM'd part at @me", () => {
    expect(sceneCaption("upscale", { ...delivered, origin: { ...delivered.origin, private: true } }, 0, "111")).toBe("🔍 Upscale for <@111> of image 1 from your private result");
    const dmed = job({ delivery: { parts: [{ images: [0], messageId: "m9", channelId: "dm-channel" }], links: [] } });
    expect(sourceMessageLink(dmed, 0)).toBe("https://discord.com/channels/@me/dm-channel/m9");
    expect(sceneCaption("remix", job(), 0, "111")).toBe("🔀 Remix for <@111> of image 1 from an earlier result");
  });
});

describe("a read before a form", () => {
  it("gives its value within the acknowledgement budget, throws its failure, and gives up (undefined) when the store is slow", async () => {
    const clock = createTestClock();
    expect(await readBeforeModal(clock, async () => "source")).toBe("source");
    await expect(readBeforeModal(clock, async () => Promise.reject(new UserFacingError("private")))).rejects.toThrow("private");
    let fail: (error: Error) => void = () => undefined;
    const slow = readBeforeModal(clock, () => new Promise<string>((_resolve, reject) => (fail = reject)));
    clock.advance(ACK_BUDGET_MS);
    expect(await slow).toBeUndefined();
    fail(new Error("late failure")); // too late to matter, and not an unhandled rejection
  });
});
