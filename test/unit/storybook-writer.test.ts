import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { afterAll, describe, expect, it } from "vitest";
import { writeStorybook } from "../../src/domain/storybook.js";

const dir = mkdtempSync(join(tmpdir(), "storybook-writer-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A sink that keeps what it is given and remembers the largest single write. */
function recordingSink() {
  const chunks: Buffer[] = [];
  let largest = 0;
  const sink = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _encoding, done) {
      largest = Math.max(largest, chunk.length);
      chunks.push(chunk);
      setImmediate(done); // a slow disk: the writer must wait for "drain"
    },
  });
  const text = async () => {
    sink.end();
    await finished(sink);
    return Buffer.concat(chunks).toString("utf8");
  };
  return { sink, text, largest: () => largest };
}

describe("storybook writer", () => {
  it("when images are large, then they are streamed from their files in small base64 chunks, never as one string", async () => {
    const big = randomBytes(2 * 1024 * 1024 + 1); // not a multiple of 3: the tail must be encoded right too
    const small = randomBytes(1000);
    writeFileSync(join(dir, "big.bin"), big);
    writeFileSync(join(dir, "small.bin"), small);
    const { sink, text, largest } = recordingSink();
    await writeStorybook(
      sink,
      "Big",
      [
        { number: 1, authorName: "Alice", characterName: "Mira", prompt: "wide", images: [{ contentType: "image/png", url: "http://x/1.png", file: join(dir, "big.bin") }] },
        { number: 2, authorName: "Bob", characterName: "Mira", prompt: "small", images: [{ contentType: "image/png", url: "http://x/2.png", file: join(dir, "small.bin") }] },
      ],
      new Date(Date.UTC(2026, 10, 25)),
    );
    const html = await text();
    const inlined = [...html.matchAll(/src="data:image\/png;base64,([^"]+)"/g)].map((m) => Buffer.from(m[1]!, "base64"));
    expect(inlined).toHaveLength(2);
    expect(inlined[0]!.equals(big)).toBe(true);
    expect(inlined[1]!.equals(small)).toBe(true);
    expect(largest()).toBeLessThan(128 * 1024); // the 2 MB image (2.7 MB of base64) arrived in pieces
  });

  it("holds every scene in order with text escaped, links what is not inlined with the reason, and needs no network", async () => {
    writeFileSync(join(dir, "tiny.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    const { sink, text } = recordingSink();
    await writeStorybook(
      sink,
      "The <Storm>",
      [
        { number: 1, authorName: "Alice", characterName: "Mira", prompt: "she sails & sings", images: [{ contentType: "image/png", url: "http://x/1.png", file: join(dir, "tiny.png") }] },
        { number: 2, authorName: "Bob", characterName: "Mira", prompt: "a <script>", images: [{ contentType: "image/png", url: "http://x/2.png", note: "did not arrive in time" }] },
        { number: 3, authorName: "Bob", characterName: "Mira", prompt: "lost", images: [], note: "No images." },
      ],
      new Date(Date.UTC(2026, 10, 25)),
    );
    const html = await text();
    expect([...html.matchAll(/data-number="(\d+)"/g)].map((m) => m[1])).toEqual(["1", "2", "3"]);
    expect(html).toContain(`src="data:image/png;base64,${Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString("base64")}"`);
    expect(html).toContain("The &lt;Storm&gt;");
    expect(html).toContain("a &lt;script&gt;");
    expect(html).not.toMatch(/<script|<link|src="http/);
    expect(html).toMatch(/<a href="http:\/\/x\/2\.png">Scene 2, image 1<\/a> \(did not arrive in time;/);
    expect(html).toContain("No images.");
    expect(readFileSync(join(dir, "tiny.png")).length).toBe(4);
  });
});
