import { describe, expect, it } from "vitest";
import { multipartBoundary, parseMultipart, MultipartError } from "../../../fakes/discord/multipart.js";

/** Serialises a FormData exactly as undici (and therefore @discordjs/rest) does. */
async function encode(fd: FormData): Promise<{ body: Buffer; contentType: string }> {
  const req = new Request("http://127.0.0.1/", { method: "POST", body: fd });
  return { body: Buffer.from(await req.arrayBuffer()), contentType: req.headers.get("content-type") ?? "" };
}

describe("multipart parser", () => {
  it("parses payload_json and binary files[n] parts byte-exactly", async () => {
    const { body: probe, contentType: probeType } = await encode(new FormData());
    const boundary = multipartBoundary(probeType)!;
    expect(probe.length).toBeGreaterThan(0);
    // Binary data containing CRLF, dashes and even a boundary-like line of a different boundary.
    const nasty = Buffer.concat([
      Buffer.from([0, 255, 13, 10, 45, 45, 13, 10]),
      Buffer.from(`\r\n--${boundary}x\r\n`),
      Buffer.from("\r\n--\r\n\r\n"),
      Buffer.alloc(70_000, 0xab),
    ]);
    const fd = new FormData();
    fd.append("files[0]", new Blob([nasty], { type: "image/png" }), "a.png");
    fd.append("files[1]", new Blob([Buffer.from("second")], { type: "text/plain" }), 'we"ird\nname.txt');
    fd.append("payload_json", JSON.stringify({ content: "hi", attachments: [{ id: "0" }, { id: "1" }] }));
    const { body, contentType } = await encode(fd);
    const parts = parseMultipart(body, multipartBoundary(contentType)!);
    expect(parts.map((p) => p.name)).toEqual(["files[0]", "files[1]", "payload_json"]);
    expect(parts[0]!.filename).toBe("a.png");
    expect(parts[0]!.contentType).toBe("image/png");
    expect(parts[0]!.data.equals(nasty)).toBe(true);
    expect(parts[1]!.filename).toBe('we"ird\nname.txt');
    expect(parts[1]!.data.toString()).toBe("second");
    expect(JSON.parse(parts[2]!.data.toString())).toEqual({ content: "hi", attachments: [{ id: "0" }, { id: "1" }] });
  });

  it("handles quoted boundaries, a preamble, empty parts and RFC 5987 filenames", () => {
    const b = "simple boundary";
    const raw = Buffer.from(
      [
        "preamble to ignore",
        `--${b}`,
        'Content-Disposition: form-data; name="payload_json"',
        "",
        "{}",
        `--${b}`,
        "Content-Disposition: form-data; name=\"files[0]\"; filename=\"fallback.bin\"; filename*=UTF-8''%E2%9C%93.bin",
        "Content-Type: application/octet-stream",
        "",
        "",
        `--${b}--`,
        "epilogue",
      ].join("\r\n"),
    );
    expect(multipartBoundary(`multipart/form-data; boundary="${b}"`)).toBe(b);
    const parts = parseMultipart(raw, b);
    expect(parts).toHaveLength(2);
    expect(parts[0]!.data.toString()).toBe("{}");
    expect(parts[1]!.filename).toBe("✓.bin");
    expect(parts[1]!.data.length).toBe(0);
  });

  it("rejects malformed bodies", () => {
    const b = "XyZ";
    expect(() => parseMultipart(Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="a"\r\n\r\nno end`), b)).toThrow(MultipartError);
    expect(() => parseMultipart(Buffer.from(`--${b}\r\nX-Nope: 1\r\n\r\nv\r\n--${b}--`), b)).toThrow(/Content-Disposition/);
    expect(() => parseMultipart(Buffer.from("no boundary here"), b)).toThrow(MultipartError);
    expect(multipartBoundary("application/json")).toBeUndefined();
  });
});
