import { createReadStream } from "node:fs";
import { once } from "node:events";
import type { Writable } from "node:stream";

/** One image of a scene: inlined from a downloaded file, or linked with the reason it is not inlined. */
export interface StorybookImage {
  contentType: string;
  url: string;
  /** Path of the downloaded bytes; when absent the image is linked and `note` says why. */
  file?: string;
  note?: string;
}

/** A scene as it goes into the storybook. */
export interface StorybookScene {
  number: number;
  authorName: string;
  characterName: string;
  prompt: string;
  images: StorybookImage[];
  /** Why a scene has no images, shown instead of them. */
  note?: string;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** Read size for inlined images: a multiple of 3, so each chunk encodes to base64 on its own. */
const READ_CHUNK_BYTES = 3 * 16 * 1024;

/**
 * Writes the storybook to `out`: one self-contained HTML file (images inlined as data: URIs,
 * styles inline, no scripts), so it opens in any browser with no network and keeps working
 * after fal's URLs expire. Images are streamed from their files in small base64 chunks, one
 * image at a time, so the book is never held in memory (it can be ~100 MB on boosted servers).
 * Does not end `out`.
 */
export async function writeStorybook(out: Writable, title: string, scenes: readonly StorybookScene[], endedAt: Date): Promise<void> {
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, "drain");
  };
  await write(head(title));
  for (const scene of scenes) {
    await write(`  <section class="scene" data-number="${scene.number}">
    <h2>Scene ${scene.number}</h2>
    <p class="byline">by ${escapeHtml(scene.authorName)} · starring ${escapeHtml(scene.characterName)}</p>
    <blockquote class="prompt">${escapeHtml(scene.prompt)}</blockquote>
    <div class="images">
`);
    if (scene.images.length === 0) await write(`      <p class="note">${escapeHtml(scene.note ?? "No images.")}</p>\n`);
    for (const [index, image] of scene.images.entries()) {
      const label = `Scene ${scene.number}, image ${index + 1}`;
      if (image.file) {
        await write(`      <img src="data:${escapeHtml(image.contentType)};base64,`);
        await writeBase64(image.file, write);
        await write(`" alt="${label}">\n`);
      } else {
        const why = image.note ?? "not included";
        await write(`      <p class="note"><a href="${escapeHtml(image.url)}">${label}</a> (${escapeHtml(why)}; the link works while fal keeps the file)</p>\n`);
      }
    }
    await write(`    </div>
  </section>
`);
  }
  await write(`  <footer>${scenes.length} scene${scenes.length === 1 ? "" : "s"} · made with StoryCast · ${endedAt.toISOString().slice(0, 10)}</footer>
</body>
</html>
`);
}

/** Base64 of a file, chunk by chunk; bytes left over from a short read are carried to the next chunk. */
async function writeBase64(file: string, write: (text: string) => Promise<void>): Promise<void> {
  let carry = Buffer.alloc(0);
  for await (const chunk of createReadStream(file, { highWaterMark: READ_CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    const bytes = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    const whole = bytes.length - (bytes.length % 3);
    await write(bytes.subarray(0, whole).toString("base64"));
    carry = Buffer.from(bytes.subarray(whole));
  }
  if (carry.length) await write(carry.toString("base64"));
}

function head(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<!-- Without it a phone lays the page out 980 px wide and shrinks it: tiny text (found in Chromium at 390 px). -->
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  /* overflow-wrap: a prompt or title may hold a long unbroken word (a pasted link), which would widen a phone's page. */
  body { font-family: Georgia, serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; background: #fbf8f1; color: #222; overflow-wrap: anywhere; }
  h1 { text-align: center; }
  .scene { margin: 3rem 0; }
  .byline { color: #666; font-style: italic; }
  .prompt { border-left: 3px solid #c9b68a; margin: 0; padding-left: 1rem; }
  .images img { max-width: 100%; margin: 1rem 0; border-radius: 6px; display: block; }
  .note { color: #8a5a00; }
  footer { text-align: center; color: #888; font-size: 0.9rem; }
</style>
</head>
<body>
  <h1>${escapeHtml(title)}</h1>
`;
}
