import { describe, expect, it } from "vitest";
import { splitIntoMessages } from "../../src/domain/split-files.js";

const files = (...sizes: number[]) => sizes.map((size, index) => ({ index, size }));

describe("splitting results across messages", () => {
  it("when everything fits, then one message holds all files", () => {
    const { batches, tooLarge } = splitIntoMessages(files(1, 2, 3), 100);
    expect(batches.map((b) => b.map((f) => f.index))).toEqual([[0, 1, 2]]);
    expect(tooLarge).toEqual([]);
  });
  it("when the size limit is reached, then a new message starts and the order is kept", () => {
    const { batches } = splitIntoMessages(files(40, 40, 40, 10), 100);
    expect(batches.map((b) => b.map((f) => f.index))).toEqual([[0, 1], [2, 3]]);
  });
  it("when there are more than ten files, then no message holds more than ten", () => {
    const { batches } = splitIntoMessages(files(...Array(23).fill(1)), 1000);
    expect(batches.map((b) => b.length)).toEqual([10, 10, 3]);
  });
  it("when a file is larger than any message allows, then it is returned to be linked, never dropped", () => {
    const { batches, tooLarge } = splitIntoMessages(files(10, 500, 10), 100);
    expect(batches.flat().map((f) => f.index)).toEqual([0, 2]);
    expect(tooLarge.map((f) => f.index)).toEqual([1]);
  });
});
