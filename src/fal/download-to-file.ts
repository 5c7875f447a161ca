import { createWriteStream } from "node:fs";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";

/** Why a download did not produce a file; `message` is fit to show a member. */
export class FileDownloadError extends Error {
  constructor(
    message: string,
    readonly kind: "too_large" | "http" | "network" | "aborted",
    readonly status?: number,
  ) {
    super(message);
  }
}

/**
 * Streams a URL's body to `path`, never holding more than a chunk in memory, and gives up
 * (deleting nothing: the caller owns the folder) once `maxBytes` is passed or `signal` aborts.
 * Returns the number of bytes written.
 */
export async function downloadToFile(fetchFn: typeof fetch, url: string, path: string, options: { maxBytes: number; signal: AbortSignal }): Promise<number> {
  let response: Response;
  try {
    response = await fetchFn(url, { signal: options.signal });
  } catch (error) {
    throw options.signal.aborted ? new FileDownloadError("did not arrive in time", "aborted") : new FileDownloadError(`could not be downloaded (${errorText(error)})`, "network");
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel().catch(() => undefined);
    throw new FileDownloadError(`could not be downloaded (HTTP ${response.status})`, "http", response.status);
  }
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (declared > options.maxBytes) {
    await response.body.cancel().catch(() => undefined);
    throw new FileDownloadError("too large to include", "too_large");
  }
  let received = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      if (received > options.maxBytes) done(new FileDownloadError("too large to include", "too_large"));
      else done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), cap, createWriteStream(path), { signal: options.signal });
  } catch (error) {
    if (error instanceof FileDownloadError) throw error;
    throw options.signal.aborted ? new FileDownloadError("did not arrive in time", "aborted") : new FileDownloadError(`could not be downloaded (${errorText(error)})`, "network");
  }
  return received;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 120);
