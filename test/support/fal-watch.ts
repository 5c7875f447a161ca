import type { FakeFal } from "../../fakes/fal/index.js";

/** What reaches the fake fal from now on: its submits and uploaded files, and an upload's URL looked up by its bytes. */
export function watchFal(fal: FakeFal) {
  const submitsBefore = fal.submits.length;
  const uploadsBefore = fal.uploads.length;
  const requestsBefore = fal.requests.length;
  return {
    submits: () => fal.submits.slice(submitsBefore),
    uploads: () => fal.uploads.slice(uploadsBefore),
    requests: () => fal.requests.slice(requestsBefore),
    urlOf: (bytes: Buffer) => fal.uploads.slice(uploadsBefore).find((upload) => upload.bytes.equals(bytes))?.fileUrl,
  };
}
