import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makePng } from "../../fakes/fal/index.js";
import { resultMessages, waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const MB = 1024 * 1024;

describe("result downloads are size-capped", () => {
  it("when fal's result image is over 50 MB, then it is linked in the result instead of downloaded and attached", async () => {
    const { discord, fal } = stack;
    // A result whose second image is a 51 MB file on fal's CDN (zeros: the bot must not read it anyway).
    const small = fal.host(makePng({ width: 16, height: 16, seed: 81, targetBytes: 3000 }), "image/png", "small.png");
    const huge = fal.host(Buffer.alloc(51 * MB), "image/png", "huge.png");
    fal.script({ outcome: { status: 200, body: { seed: 5, images: [{ url: small, content_type: "image/png" }, { url: huge, content_type: "image/png" }] } } });
    const reference = discord.attachment(makePng({ width: 16, height: 16, seed: 82, targetBytes: 1500 }), "hero.png", { contentType: "image/png" });
    const handle = discord.command("imagine", { prompt: "a scene too big to attach", reference, count: 2 }, { user: discord.users.alice });
    await waitForReply(discord, handle, /posted in the channel/, 15_000);
    const [result] = resultMessages(handle);
    expect(result?.attachments).toHaveLength(1); // the small one
    expect(result?.text).toContain(huge); // the big one, linked
    // One try, not retried (an oversized file stays oversized), and not read past the cap.
    const downloads = fal.requests.filter((r) => r.kind === "cdn" && r.target.includes("huge.png"));
    expect(downloads).toHaveLength(1);
    await fal.waitFor(() => downloads[0]!.bytesSent !== undefined, 5000, "the CDN answer");
    expect(downloads[0]!.bytesSent).toBeLessThan(50 * MB);
  });
});
