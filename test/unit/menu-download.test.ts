import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppContext } from "../../src/app-context.js";
import { downloadMenuImage } from "../../src/discord/menu-download.js";
import { makePng } from "../../fakes/fal/index.js";

const png = makePng({ width: 6, height: 6, seed: 3, targetBytes: 300 });
let allowed: Server;
let other: Server;
let otherHits = 0;
let allowedOrigin = "";
let otherUrl = "";

beforeAll(async () => {
  other = createServer((_req, res) => {
    otherHits++;
    res.writeHead(200, { "content-type": "image/png" }).end(png);
  });
  await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
  otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}/cat.png`;
  allowed = createServer((req, res) => {
    if (req.url === "/moved.png") res.writeHead(302, { location: otherUrl }).end();
    else res.writeHead(200, { "content-type": "image/png" }).end(png);
  });
  await new Promise<void>((resolve) => allowed.listen(0, "127.0.0.1", resolve));
  allowedOrigin = `http://127.0.0.1:${(allowed.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await Promise.all([allowed, other].map((server) => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))));
});

/** Only what downloadMenuImage reads from the context: the allowed hosts. */
const ctx = () => ({ config: { discordCdnHosts: [allowedOrigin] } }) as unknown as AppContext;

describe("a message menu's image download", () => {
  it("when the image is on an allowed host, then its bytes arrive, sniffed as PNG", async () => {
    const file = await downloadMenuImage(ctx(), { name: "cat.png", size: png.length, url: `${allowedOrigin}/cat.png` }, "image");
    expect([file.contentType, Buffer.from(file.bytes).equals(png)]).toEqual(["image/png", true]);
  });

  it("when an allowed host redirects elsewhere, then the redirect is not followed and the member is told", async () => {
    const before = otherHits;
    await expect(downloadMenuImage(ctx(), { name: "moved.png", size: 10, url: `${allowedOrigin}/moved.png` }, "image")).rejects.toThrow(
      "The image could not be downloaded from Discord (HTTP 302). Please attach it again.",
    );
    expect(otherHits).toBe(before);
  });

  it("when the URL is on another host (another port of the same address), then nothing is requested", async () => {
    const before = otherHits;
    await expect(downloadMenuImage(ctx(), { name: "cat.png", size: 10, url: otherUrl }, "image")).rejects.toThrow(/only fetches images from Discord's own servers/);
    expect(otherHits).toBe(before);
  });
});
