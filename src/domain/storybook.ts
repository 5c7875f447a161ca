/** A scene as it goes into the storybook: its images already embedded as bytes. */
export interface StorybookScene {
  number: number;
  authorName: string;
  characterName: string;
  prompt: string;
  /** Inlined when bytes are given; linked otherwise (e.g. over the file size budget). */
  images: { contentType: string; bytes?: Uint8Array; url: string }[];
  /** Why a scene has no images (not finished, failed…), shown instead of them. */
  note?: string;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/**
 * The storybook: one self-contained HTML file (images inlined as data: URIs, styles
 * inline, no scripts), so it opens in any browser with no network and keeps working
 * after fal's URLs expire.
 */
export function renderStorybook(title: string, scenes: readonly StorybookScene[], endedAt: Date): string {
  const sections = scenes
    .map((scene) => {
      const images = scene.images
        .map((image, i) =>
          image.bytes
            ? `<img src="data:${escapeHtml(image.contentType)};base64,${Buffer.from(image.bytes).toString("base64")}" alt="Scene ${scene.number}, image ${i + 1}">`
            : `<p class="note"><a href="${escapeHtml(image.url)}">Scene ${scene.number}, image ${i + 1}</a> (too large to include; the link works while fal keeps the file)</p>`,
        )
        .join("\n      ");
      return `  <section class="scene" data-number="${scene.number}">
    <h2>Scene ${scene.number}</h2>
    <p class="byline">by ${escapeHtml(scene.authorName)} · starring ${escapeHtml(scene.characterName)}</p>
    <blockquote class="prompt">${escapeHtml(scene.prompt)}</blockquote>
    <div class="images">
      ${images || `<p class="note">${escapeHtml(scene.note ?? "No images.")}</p>`}
    </div>
  </section>`;
    })
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: Georgia, serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; background: #fbf8f1; color: #222; }
  h1 { text-align: center; }
  .scene { margin: 3rem 0; }
  .byline { color: #666; font-style: italic; }
  .prompt { border-left: 3px solid #c9b68a; margin: 0; padding-left: 1rem; }
  .images img { max-width: 100%; margin: 1rem 0; border-radius: 6px; display: block; }
  footer { text-align: center; color: #888; font-size: 0.9rem; }
</style>
</head>
<body>
  <h1>${escapeHtml(title)}</h1>
${sections}
  <footer>${scenes.length} scene${scenes.length === 1 ? "" : "s"} · made with StoryCast · ${endedAt.toISOString().slice(0, 10)}</footer>
</body>
</html>
`;
}
