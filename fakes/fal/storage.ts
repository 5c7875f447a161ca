// fal storage + CDN, as the client uses it (node_modules/@fal-ai/client/src/storage.js):
//   1. POST https://rest.fal.ai/storage/upload/initiate?storage_type=fal-cdn-v3 (through the proxy)
//      body { content_type, file_name } → { upload_url, file_url }
//   2. PUT <upload_url> with the raw bytes and Content-Type — directly, no proxy header, no key
//      (a signed URL in reality)
//   3. GET <file_url> serves the bytes (public CDN URL, no key).
// The initiate call may carry "X-Fal-Object-Lifecycle: {"expiration_duration_seconds": N}"
// (storage.js buildUploadLifecycleConfig, from upload(file, { lifecycle: { expiresIn } })); the
// fake records it per upload. Files expire only when a test says so (expire()): from then on
// the CDN answers 404, as fal's does for a deleted file.
import { randomBytes } from "node:crypto";
import type { UploadLifecycle, UploadRecord } from "./types.js";

export interface StoredFile {
  bytes: Buffer;
  contentType: string;
  fileName: string;
}

interface PendingUpload {
  filePath: string;
  fileUrl: string;
  contentType: string;
  lifecycle: UploadLifecycle | undefined;
}

function randomId(bytes = 9): string {
  return randomBytes(bytes).toString("base64url");
}

export class FakeStorage {
  private readonly files = new Map<string, StoredFile>();
  private readonly pending = new Map<string, PendingUpload>();
  readonly uploads: UploadRecord[] = [];

  constructor(private readonly origin: string) {}

  private newFilePath(fileName: string): string {
    const safe = encodeURIComponent(fileName.split(/[\\/]/).pop() || "file");
    return `/files/${randomId()}/${safe}`;
  }

  /** Store bytes on the CDN right away (FakeFal.host, generated images). */
  host(bytes: Buffer, contentType: string, fileName = "file.bin"): string {
    const filePath = this.newFilePath(fileName);
    this.files.set(filePath, { bytes: Buffer.from(bytes), contentType, fileName });
    return this.origin + filePath;
  }

  /** Step 1: reserve a file URL and hand out a one-off upload URL. */
  initiate(contentType: string, fileName: string, lifecycle?: UploadLifecycle): { upload_url: string; file_url: string } {
    const filePath = this.newFilePath(fileName);
    const token = randomId(12);
    const fileUrl = this.origin + filePath;
    this.pending.set(token, { filePath, fileUrl, contentType, lifecycle });
    return { upload_url: `${this.origin}/upload/${token}`, file_url: fileUrl };
  }

  /** Step 2: the PUT to upload_url. Re-PUTs to the same URL overwrite (as a signed URL allows). */
  completeUpload(token: string, bytes: Buffer, contentTypeHeader: string | undefined): UploadRecord | undefined {
    const p = this.pending.get(token);
    if (!p) return undefined;
    const contentType = contentTypeHeader || p.contentType;
    const fileName = decodeURIComponent(p.filePath.split("/").pop() ?? "file");
    this.files.set(p.filePath, { bytes, contentType, fileName });
    const record: UploadRecord = { fileUrl: p.fileUrl, contentType, bytes, ...(p.lifecycle ? { lifecycle: p.lifecycle } : {}) };
    this.uploads.push(record);
    return record;
  }

  /** Deletes a file as fal does when its lifetime ends; false when this CDN does not serve that URL. */
  expire(url: string): boolean {
    const path = this.pathOf(url);
    return path !== undefined && this.files.delete(path);
  }

  /** Step 3: CDN lookup by request path. */
  get(pathname: string): StoredFile | undefined {
    return this.files.get(pathname);
  }

  /** The stored file behind a full URL, if this fake's CDN serves it. */
  resolve(url: string): StoredFile | undefined {
    const path = this.pathOf(url);
    return path === undefined ? undefined : this.files.get(path);
  }

  private pathOf(url: string): string | undefined {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return undefined;
    }
    return u.origin === this.origin ? u.pathname : undefined;
  }
}
