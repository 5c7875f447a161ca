// Fake fal.ai (queue + storage + CDN) for StoryCast's tests. It speaks HTTP to the real
// @fal-ai/client configured with proxyUrl { url: fake.url, when: "always" } and
// credentials: fake.key. Served endpoints (each validated against its own input model,
// ENDPOINT_SPECS in validate.ts): fal-ai/ideogram/character, fal-ai/ideogram/character/edit,
// fal-ai/ideogram/character/remix and fal-ai/ideogram/upscale. Submits go to the full endpoint
// id; status, status stream, result and cancel to owner/alias ("fal-ai/ideogram/requests/{id}"),
// as @fal-ai/client sends them (the full endpoint path is accepted too). Each submit is recorded
// with its endpointId (fake.submits[i].endpointId) and input.
//
// Files: server.ts (routing, proxy/auth, failNext, request log), queue.ts (job lifecycle,
// status/result bodies), storage.ts (upload initiate + signed PUT + CDN), validate.ts
// (input models, output sizes), image-size.ts (width/height from PNG/JPEG/WebP headers),
// script.ts (JobScript FIFO/defaults), png.ts (PNG/JPEG/WebP bytes), types.ts.
export { startFakeFal } from "./server.js";
export { makePng, sampleJpeg, sampleWebp, pngSize, checkPng, sniffImage, crc32, mulberry32 } from "./png.js";
export type { MakePngOptions, ImageKind } from "./png.js";
export {
  CHARACTER_ENDPOINT,
  CHARACTER_EDIT_ENDPOINT,
  CHARACTER_REMIX_ENDPOINT,
  UPSCALE_ENDPOINT,
  UPSCALE_FACTOR,
  ENDPOINT_SPECS,
  IMAGE_SIZE_PRESETS,
  MAX_REFERENCE_BYTES,
} from "./validate.js";
export type { EndpointSpec, FieldError } from "./validate.js";
export { imageSize } from "./image-size.js";
export type { Size } from "./image-size.js";
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
