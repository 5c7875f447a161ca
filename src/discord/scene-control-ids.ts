import { SCENE_ACTIONS, type SceneAction } from "../domain/scene-controls.js";

/**
 * custom_ids of the Upscale / Remix / Edit controls on a result. Like the result buttons', they
 * carry everything the bot needs (the job and the image), so they keep working after a restart:
 * - a button per control, for a result of one image: `scene:<action>:<jobId>:<image>`;
 * - one select on a result of several images: `scene:pick:<jobId>`, option values `<action>:<image>`;
 * - the Remix and Edit forms (modals): `scene:<action>-form:<jobId>:<image>`.
 * `image` is the 0-based index in the job's result. Job ids are short (8 characters), far from
 * Discord's 100-character limit on custom_ids.
 */
export interface SceneTarget {
  action: SceneAction;
  jobId: string;
  image: number;
}

const PREFIX = "scene";
const JOB_ID = /^[A-Za-z0-9_-]{1,64}$/;
const IMAGE = /^\d{1,2}$/;

export function sceneButtonId(target: SceneTarget): string {
  return `${PREFIX}:${target.action}:${target.jobId}:${target.image}`;
}

export function parseSceneButtonId(customId: string): SceneTarget | undefined {
  const [prefix, action, jobId, image, ...rest] = customId.split(":");
  if (prefix !== PREFIX || rest.length > 0) return undefined;
  return target(action, jobId, image);
}

export function scenePickId(jobId: string): string {
  return `${PREFIX}:pick:${jobId}`;
}

export function parseScenePickId(customId: string): { jobId: string } | undefined {
  const [prefix, pick, jobId, ...rest] = customId.split(":");
  return prefix === PREFIX && pick === "pick" && jobId !== undefined && JOB_ID.test(jobId) && rest.length === 0 ? { jobId } : undefined;
}

export function scenePickValue(action: SceneAction, image: number): string {
  return `${action}:${image}`;
}

/** A select's chosen value, with the select's job: the control it names, or undefined for a value that is not one. */
export function parseScenePickValue(jobId: string, value: string): SceneTarget | undefined {
  const [action, image, ...rest] = value.split(":");
  return rest.length === 0 ? target(action, jobId, image) : undefined;
}

export function sceneFormId(target: SceneTarget & { action: "remix" | "edit" }): string {
  return `${PREFIX}:${target.action}-form:${target.jobId}:${target.image}`;
}

export function parseSceneFormId(customId: string): (SceneTarget & { action: "remix" | "edit" }) | undefined {
  const [prefix, form, jobId, image, ...rest] = customId.split(":");
  if (prefix !== PREFIX || rest.length > 0 || (form !== "remix-form" && form !== "edit-form")) return undefined;
  const parsed = target(form === "remix-form" ? "remix" : "edit", jobId, image);
  return parsed && (parsed.action === "remix" || parsed.action === "edit") ? { ...parsed, action: parsed.action } : undefined;
}

function target(action: string | undefined, jobId: string | undefined, image: string | undefined): SceneTarget | undefined {
  const known = SCENE_ACTIONS.find((candidate) => candidate === action);
  if (!known || jobId === undefined || !JOB_ID.test(jobId) || image === undefined || !IMAGE.test(image)) return undefined;
  return { action: known, jobId, image: Number(image) };
}
