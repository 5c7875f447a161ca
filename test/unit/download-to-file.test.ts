import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downloadToFile, FileDownloadError } from "../../src/fal/download-to-file.js";

const dir = mkdtempSync(join(tmpdir(), "download-to-file-"));
const body = Buffer.alloc(300_000, 7);
let server: Server;
let base: string;
let chunksSent = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/declared") {
      res.writeHead(200, { "content-length": String(body.length) });
      res.end(body);
    } else if (req.url === "/chunked") {
      // No content-length: the cap must be enforced on the bytes as they arrive.
      res.writeHead(200, { "transfer-encoding": "chunked" });
      const send = () => {
        if (res.destroyed || chunksSent >= 1000) return res.end();
        chunksSent += 1;
        res.write(body.subarray(0, 16_384), () => setImmediate(send));
      };
      send();
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

const signal = () => AbortSignal.timeout(5000);

describe("downloadToFile", () => {
  it("when the body fits, then it is written to the file byte for byte", async () => {
    const path = join(dir, "ok");
    expect(await downloadToFile(fetch, `${base}/declared`, path, { maxBytes: body.length, signal: signal() })).toBe(body.length);
    expect(readFileSync(path).equals(body)).toBe(true);
  });

  it("when the declared size is over the cap, then it is refused before reading the body", async () => {
    const error = await downloadToFile(fetch, `${base}/declared`, join(dir, "declared"), { maxBytes: 1000, signal: signal() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileDownloadError);
    expect((error as FileDownloadError).kind).toBe("too_large");
    expect(existsSync(join(dir, "declared"))).toBe(false);
  });

  it("when an undeclared body grows past the cap, then the download stops there instead of reading it all", async () => {
    const error = await downloadToFile(fetch, `${base}/chunked`, join(dir, "chunked"), { maxBytes: 100_000, signal: signal() }).catch((e: unknown) => e);
    expect((error as FileDownloadError).kind).toBe("too_large");
    expect(chunksSent).toBeLessThan(500); // 1000 chunks (16 MB) were on offer; socket buffers let some more through
  });

  it("when the server answers 404, then the reason names the status", async () => {
    const error = await downloadToFile(fetch, `${base}/missing`, join(dir, "missing"), { maxBytes: 1000, signal: signal() }).catch((e: unknown) => e);
    expect((error as FileDownloadError).message).toBe("could not be downloaded (HTTP 404)");
  });
});
