// Fake fal.ai (queue + storage + CDN) for StoryCast's tests. It speaks HTTP to the real
// @fal-ai/client configured with proxyUrl { url: fake.url, when: "always" } and
// credentials: fake.key. Only fal-ai/ideogram/character is served.
//
// Files: server.ts (routing, proxy/auth, failNext, request log), queue.ts (job lifecycle,
// status/result bodies), storage.ts (upload initiate + signed PUT + CDN), validate.ts
// (input model), script.ts (JobScript FIFO/defaults), png.ts (PNG/JPEG/WebP bytes), types.ts.
export { startFakeFal } from "./server.js";
export { makePng, sampleJpeg, sampleWebp, pngSize, checkPng, sniffImage, crc32, mulberry32 } from "./png.js";
export type { MakePngOptions, ImageKind } from "./png.js";
export { CHARACTER_ENDPOINT, IMAGE_SIZE_PRESETS, MAX_REFERENCE_BYTES } from "./validate.js";
export type { FieldError } from "./validate.js";
export type {
  FakeFal,
  FakeFalJob,
  FailNextFailure,
  FailNextOptions,
  FalRequestKind,
  FalRequestRecord,
  JobScript,
  JobState,
  StartFakeFalOptions,
  SubmitRecord,
  UploadLifecycle,
  UploadRecord,
} from "./types.js";
