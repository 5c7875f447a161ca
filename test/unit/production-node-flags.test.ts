import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { productionNodeFlags } from "../../bench/subjects.js";

describe("the node flags production runs the bot with", () => {
  it("when the Dockerfile starts the bot, then it uses the same memory flags as `npm start` (which the bench measures)", () => {
    const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(readFileSync(new URL("../../Dockerfile", import.meta.url), "utf8"));
    const args = JSON.parse(cmd![1]!) as string[];
    expect(args[0]).toBe("node");
    expect(args.at(-1)).toBe("dist/src/index.js");
    const flags = productionNodeFlags();
    expect(args.slice(1, -1)).toEqual(flags);
    // What keeps the peak RSS of 1,000 jobs in flight under 200 MB (bench scenario 5).
    expect(flags).toEqual(expect.arrayContaining([expect.stringMatching(/^--max-semi-space-size=\d+$/), expect.stringMatching(/^--max-old-space-size=\d+$/)]));
  });
});
