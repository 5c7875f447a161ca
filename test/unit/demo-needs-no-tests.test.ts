import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/** Every .ts file under `dir`, recursively. */
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
  );

describe("what `npm run demo` compiles", () => {
  // tsconfig.demo.json compiles src, commands, fakes and demo; an import of test/ would drag
  // test helpers (and vitest) into the demo build, so the fakes must stand on their own.
  it("when the fakes and the demo are read, then none of them imports from test/", () => {
    const offenders = ["fakes", "demo"].flatMap(sources).filter((file) => /from\s+["'][^"']*\/test\//.test(readFileSync(file, "utf8")));
    expect(offenders).toEqual([]);
  });
});
