/**
 * Reads a response body into memory, stopping (and closing the connection) as soon as it
 * passes `maxBytes`, whatever size the sender claimed: returns undefined then. A body the
 * sender declares larger than the cap is not read at all.
 */
export async function readCapped(response: Response, maxBytes: number): Promise<Buffer | undefined> {
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    return undefined;
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  // A response without a body (HTTP 204, or an empty file) reads as no bytes.
  for await (const chunk of response.body ?? []) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}
