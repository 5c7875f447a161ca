import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createFalService, DownloadTooLargeError, MAX_RESULT_IMAGE_BYTES } from "../../src/fal/fal-service.js";

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A CDN that streams `total` bytes without announcing a length, counting what the client took. */
async function endlessCdn(total: number): Promise<{ url: string; sent: () => number; requests: () => number }> {
  let sent = 0;
  let requests = 0;
  server = createServer((_req, res) => {
    requests += 1;
    res.writeHead(200, { "content-type": "image/png" }); // chunked: no content-length to check first
    const chunk = Buffer.alloc(256 * 1024);
    let offset = 0;
    const next = () => {
      while (offset < total && !res.destroyed) {
        offset += chunk.length;
        if (!res.write(chunk, (error) => void (error ? undefined : (sent += chunk.length)))) {
          res.once("drain", next);
          return;
        }
      }
      if (offset >= total) res.end();
    };
    next();
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/files/huge.png`, sent: () => sent, requests: () => requests };
}

describe("fal result downloads", () => {
  it("when a result image streams past the cap without a declared length, then the download stops at the cap and is not retried", async () => {
    const cdn = await endlessCdn(MAX_RESULT_IMAGE_BYTES + 40 * 1024 * 1024);
    const fal = createFalService({ credentials: "key", requestTimeoutMs: 30_000 });
    await expect(fal.download(cdn.url)).rejects.toBeInstanceOf(DownloadTooLargeError);
    // What the kernel buffers between the two sockets may pass the cap a little; the rest is never sent.
    expect(cdn.sent()).toBeLessThan(MAX_RESULT_IMAGE_BYTES + 16 * 1024 * 1024);
    expect(cdn.requests()).toBe(1);
  });
});
