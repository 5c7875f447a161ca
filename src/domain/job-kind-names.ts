import type { JobKind } from "./fal-endpoints.js";

/** How /help and /usage name each kind of job: the command that makes it, where there is one. */
export const JOB_KIND_NAMES: Readonly<Record<JobKind, string>> = {
  imagine: "/imagine",
  edit: "/edit",
  remix: "/remix",
  upscale: "Upscale",
  duo: "Two characters",
};
