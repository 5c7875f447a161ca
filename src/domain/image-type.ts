/** The image formats fal accepts for references, masks and style references. */
export type ImageMime = "image/png" | "image/jpeg" | "image/webp";

/**
 * Tells the image format from the file's first bytes, never from its name or the
 * content type Discord reports (both are whatever the uploader's client said).
 */
export function sniffImageType(bytes: Uint8Array): ImageMime | undefined {
  const startsWith = (offset: number, signature: number[]) =>
    signature.every((byte, i) => bytes[offset + i] === byte);
  if (startsWith(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (startsWith(0, [0xff, 0xd8, 0xff])) return "image/jpeg";
  // RIFF....WEBP
  if (startsWith(0, [0x52, 0x49, 0x46, 0x46]) && startsWith(8, [0x57, 0x45, 0x42, 0x50])) {
    return "image/webp";
  }
  return undefined;
}
