import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.js";
import { DEFAULT_DISCORD_CDN_HOSTS, isAllowedCdnUrl, parseCdnHosts } from "../../src/domain/discord-cdn-hosts.js";
import { UserFacingError } from "../../src/domain/errors.js";
import { checkMenuImage, firstImageOf, type MessageImageView } from "../../src/domain/message-image.js";

const base = { DISCORD_TOKEN: "t", FAL_KEY: "k" };
const view = (v: Partial<MessageImageView>): MessageImageView => ({ attachments: [], embedImages: [], galleryUrls: [], ...v });
const refusal = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    if (error instanceof UserFacingError) return error.message;
    throw error;
  }
  throw new Error("no refusal");
};

describe("DISCORD_CDN_HOSTS", () => {
  it("when unset, then only Discord's own hosts are allowed", () => {
    const result = parseConfig(base);
    expect(result.ok && result.config.discordCdnHosts).toEqual(DEFAULT_DISCORD_CDN_HOSTS);
    expect(DEFAULT_DISCORD_CDN_HOSTS).toContain("cdn.discordapp.com");
  });
  it("when set to host names and an origin, then those are read; a path or junk is refused with a clear line", () => {
    const result = parseConfig({ ...base, DISCORD_CDN_HOSTS: "cdn.discordapp.com, http://127.0.0.1:5050" });
    expect(result.ok && result.config.discordCdnHosts).toEqual(["cdn.discordapp.com", "http://127.0.0.1:5050"]);
    const bad = parseConfig({ ...base, DISCORD_CDN_HOSTS: "http://127.0.0.1:5050/attachments" });
    expect(bad.ok ? [] : bad.problems).toEqual(['DISCORD_CDN_HOSTS: "http://127.0.0.1:5050/attachments" must be an origin only (scheme://host[:port]), without a path']);
    expect(parseCdnHosts("evil host")).toEqual({ problem: '"evil host" is not a host name like cdn.discordapp.com' });
    expect(parseCdnHosts(" , ")).toEqual({ problem: "must list at least one host, like cdn.discordapp.com,media.discordapp.net" });
  });
  it("when a URL is checked, then a bare name allows only https on its default port, and an origin only itself", () => {
    const allowed = ["cdn.discordapp.com", "http://127.0.0.1:5050"];
    expect(isAllowedCdnUrl("https://cdn.discordapp.com/attachments/1/2/a.png?ex=1", allowed)).toBe(true);
    expect(isAllowedCdnUrl("http://cdn.discordapp.com/attachments/1/2/a.png", allowed)).toBe(false);
    expect(isAllowedCdnUrl("https://cdn.discordapp.com:8443/a.png", allowed)).toBe(false);
    expect(isAllowedCdnUrl("https://cdn.discordapp.com.evil.example/a.png", allowed)).toBe(false);
    expect(isAllowedCdnUrl("https://user@cdn.discordapp.com/a.png", allowed)).toBe(false);
    expect(isAllowedCdnUrl("http://127.0.0.1:5050/attachments/a.png", allowed)).toBe(true);
    expect(isAllowedCdnUrl("http://127.0.0.1:5051/attachments/a.png", allowed)).toBe(false);
    expect(isAllowedCdnUrl("http://localhost:5050/attachments/a.png", allowed)).toBe(false);
    expect(isAllowedCdnUrl("not a url", allowed)).toBe(false);
  });
});

describe("a message's first image", () => {
  const png = { name: "knight.png", size: 1000, url: "https://cdn.discordapp.com/attachments/1/2/knight.png", contentType: "image/png" };
  it("when a message has files, embeds and a gallery, then the first image file wins, else an embed's, else the gallery's", () => {
    const pdf = { name: "notes.pdf", size: 10, url: "https://cdn.discordapp.com/attachments/1/3/notes.pdf", contentType: "application/pdf" };
    expect(firstImageOf(view({ attachments: [pdf, png], embedImages: ["https://media.discordapp.net/x.png"] }))).toEqual({ kind: "image", image: png });
    expect(firstImageOf(view({ attachments: [pdf], embedImages: ["https://images-ext-1.discordapp.net/external/abc/cat.webp"], galleryUrls: ["https://cdn.discordapp.com/g.png"] }))).toEqual({
      kind: "image",
      image: { name: "cat.webp", size: 0, url: "https://images-ext-1.discordapp.net/external/abc/cat.webp" },
    });
    expect(firstImageOf(view({ galleryUrls: ["attachment://a.png", "https://cdn.discordapp.com/g.png"] }))).toEqual({ kind: "image", image: { name: "g.png", size: 0, url: "https://cdn.discordapp.com/g.png" } });
    // No declared type: the name decides (the bytes are sniffed on download anyway).
    const untyped = { name: "photo.JPG", size: 5, url: "https://cdn.discordapp.com/p.JPG", contentType: null };
    expect(firstImageOf(view({ attachments: [untyped] }))).toEqual({ kind: "image", image: untyped });
    expect(firstImageOf(view({ attachments: [pdf] }))).toEqual({ kind: "not-image", name: "notes.pdf" });
    expect(firstImageOf(view({}))).toEqual({ kind: "none" });
  });
  it("when the image is missing, not an image, elsewhere or too big, then the refusal says so and what to do", () => {
    const hosts = ["cdn.discordapp.com"];
    expect(checkMenuImage({ kind: "image", image: png }, "Use as reference", hosts)).toEqual(png);
    expect(refusal(() => checkMenuImage({ kind: "none" }, "Use as reference", hosts))).toBe(
      "That message has no image. Use “Use as reference” on a message with a PNG, JPEG or WebP attached.",
    );
    expect(refusal(() => checkMenuImage({ kind: "not-image", name: "notes`.pdf" }, "Remix", hosts))).toBe(
      "`notes'.pdf` is not an image. Use “Remix” on a message with a PNG, JPEG or WebP attached. Nothing was charged.",
    );
    expect(refusal(() => checkMenuImage({ kind: "image", image: { ...png, url: "https://evil.example:8080/a.png" } }, "Remix", hosts))).toMatch(
      /^That image is not stored on Discord \(it links to `evil.example:8080`\), and StoryCast only fetches images from Discord's own servers\./,
    );
    expect(refusal(() => checkMenuImage({ kind: "image", image: { ...png, size: 12 * 1024 * 1024 } }, "Remix", hosts))).toBe(
      "`knight.png` is 12.0 MB; the limit is 10.0 MB. Try a smaller image. Nothing was charged.",
    );
  });
});
