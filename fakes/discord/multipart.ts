/**
 * A small, careful multipart/form-data parser (RFC 7578 / RFC 2046 §5.1) over a Buffer.
 *
 * Discord accepts message bodies as multipart with a `payload_json` part and one
 * `files[n]` part per upload (docs "Uploading Files"). discord.js (@discordjs/rest via
 * undici's FormData) encodes names/filenames in quoted-strings, escaping `"`, CR and LF
 * as %22, %0D and %0A; those escapes are reversed here. Part bodies are binary-safe: a
 * part ends only at CRLF + "--" + boundary.
 */

export interface MultipartPart {
  name: string;
  filename?: string;
  contentType?: string;
  headers: Record<string, string>;
  data: Buffer;
}

export class MultipartError extends Error {}

/** Extracts the boundary parameter from a Content-Type header, or undefined if not multipart/form-data. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const [type, ...params] = splitHeaderParams(contentType);
  if (type?.toLowerCase() !== "multipart/form-data") return undefined;
  for (const p of params) {
    const eq = p.indexOf("=");
    if (eq < 0) continue;
    if (p.slice(0, eq).trim().toLowerCase() === "boundary") return unquote(p.slice(eq + 1).trim());
  }
  return undefined;
}

export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
  if (!boundary || boundary.length > 70) throw new MultipartError("invalid boundary");
  const delimiter = Buffer.from(`--${boundary}`, "latin1");
  const bodyDelimiter = Buffer.from(`\r\n--${boundary}`, "latin1");
  const parts: MultipartPart[] = [];

  // The first delimiter may be preceded by a preamble (which must then end with CRLF).
  let pos: number;
  if (body.subarray(0, delimiter.length).equals(delimiter)) pos = 0;
  else {
    const idx = body.indexOf(bodyDelimiter);
    if (idx < 0) throw new MultipartError("no opening boundary");
    pos = idx + 2;
  }

  for (;;) {
    pos += delimiter.length;
    // close-delimiter "--"
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return parts;
    // transport padding (linear whitespace) then CRLF
    while (body[pos] === 0x20 || body[pos] === 0x09) pos++;
    if (body[pos] !== 0x0d || body[pos + 1] !== 0x0a) throw new MultipartError("malformed boundary line");
    pos += 2;

    const headerEnd = body.indexOf("\r\n\r\n", pos, "latin1");
    let headers: Record<string, string>;
    let dataStart: number;
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) {
      headers = {}; // part without headers
      dataStart = pos + 2;
    } else {
      if (headerEnd < 0) throw new MultipartError("unterminated part headers");
      headers = parseHeaders(body.subarray(pos, headerEnd).toString("utf8"));
      dataStart = headerEnd + 4;
    }
    const next = body.indexOf(bodyDelimiter, dataStart);
    if (next < 0) throw new MultipartError("missing closing boundary");
    const data = body.subarray(dataStart, next);

    const disposition = headers["content-disposition"];
    if (!disposition) throw new MultipartError("part without Content-Disposition");
    const [dispType, ...dispParams] = splitHeaderParams(disposition);
    if (dispType?.trim().toLowerCase() !== "form-data") throw new MultipartError("Content-Disposition is not form-data");
    const params: Record<string, string> = {};
    for (const p of dispParams) {
      const eq = p.indexOf("=");
      if (eq < 0) continue;
      const key = p.slice(0, eq).trim().toLowerCase();
      const raw = p.slice(eq + 1).trim();
      if (key.endsWith("*")) {
        // RFC 5987 ext-value: charset'lang'pct-encoded
        const m = /^([^']*)'[^']*'(.*)$/.exec(raw);
        if (m) {
          try {
            params[key.slice(0, -1)] = decodeURIComponent(m[2] ?? "");
          } catch {
            throw new MultipartError(`bad ${key} parameter`);
          }
        }
      } else if (!(key in params)) {
        params[key] = undoFormDataEscapes(unquote(raw));
      }
    }
    if (params.name === undefined) throw new MultipartError("part without name");
    const part: MultipartPart = { name: params.name, headers, data: Buffer.from(data) };
    if (params.filename !== undefined) part.filename = params.filename;
    if (headers["content-type"] !== undefined) part.contentType = headers["content-type"];
    parts.push(part);
    pos = next + 2; // now at "--boundary"
  }
}

function parseHeaders(block: string): Record<string, string> {
  const out: Record<string, string> = {};
  // Unfold obsolete line folding, then split.
  for (const line of block.replace(/\r\n[ \t]+/g, " ").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw new MultipartError(`malformed part header: ${line.slice(0, 80)}`);
    out[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return out;
}

/** Splits `a; b="x;y"; c=d` on semicolons outside quoted strings. */
function splitHeaderParams(value: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (quoted && c === "\\" && i + 1 < value.length) {
      cur += c + value[++i]!;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ";" && !quoted) {
      out.push(cur.trim());
      cur = "";
      continue;
    }
    cur += c;
  }
  out.push(cur.trim());
  return out;
}

function unquote(v: string): string {
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1).replace(/\\(.)/g, "$1");
  return v;
}

/** WHATWG FormData serialisation escapes `"`, CR, LF in names as %22, %0D, %0A. */
function undoFormDataEscapes(v: string): string {
  return v.replace(/%22/g, '"').replace(/%0D/gi, "\r").replace(/%0A/gi, "\n");
}
