import { describe, expect, it } from "vitest";
import { quantile, summarizeSamples } from "./timing-summary.js";

describe("summarizeSamples", () => {
  it("computes median, quartiles and range", () => {
    const summary = summarizeSamples([5, 1, 4, 2, 3]);
    expect(summary).toMatchObject({ median: 3, p25: 2, p75: 4, min: 1, max: 5 });
    expect(summary.samplesMicroseconds).toEqual([5, 1, 4, 2, 3]);
    expect(quantile([10, 20], 0.5)).toBe(15);
  });

  it("refuses empty and non-finite samples", () => {
    expect(() => summarizeSamples([])).toThrow(/no timing samples/);
    expect(() => summarizeSamples([1, Number.NaN])).toThrow(/invalid timing sample/);
  });
});
