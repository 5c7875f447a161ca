import { createFalClient } from "@fal-ai/client";
import type { FakeFal } from "../../fakes/fal/index.js";

/** The image URLs of a finished job, read from the fake fal with fal's own client (as the bot would). */
export async function falResultImages(fal: FakeFal, requestId: string): Promise<string[]> {
  const client = createFalClient({ credentials: fal.key, proxyUrl: { url: fal.url, when: "always" } });
  const { data } = await client.queue.result("fal-ai/ideogram/character", { requestId });
  return data.images.map((image) => image.url);
}
