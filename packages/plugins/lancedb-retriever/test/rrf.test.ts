import { describe, expect, it } from "vitest";
import { RRF_K, reciprocalRankFusion } from "../src/index.js";

describe("reciprocalRankFusion", () => {
  const id = (value: string) => value;

  it("scores Σ 1/(k + rank) with k = 60 and sorts best first", () => {
    const fused = reciprocalRankFusion(
      [
        ["a", "b", "c"],
        ["c", "a", "d"],
      ],
      id,
    );
    expect(RRF_K).toBe(60);
    expect(fused.map((entry) => entry.key)).toEqual(["a", "c", "b", "d"]);
    expect(fused[0]!.score).toBeCloseTo(1 / 61 + 1 / 62, 12);
    expect(fused[1]!.score).toBeCloseTo(1 / 63 + 1 / 61, 12);
    expect(fused[0]!.ranks).toEqual([1, 2]);
    expect(fused[3]!.ranks).toEqual([undefined, 3]);
  });

  it("breaks ties by best single rank, then by first appearance, and honours limit and k", () => {
    // b (rank 1 in list 2) and a (rank 1 in list 1) tie; a appeared first.
    const fused = reciprocalRankFusion([["a"], ["b"]], id, { limit: 1 });
    expect(fused.map((entry) => entry.key)).toEqual(["a"]);
    const k0 = reciprocalRankFusion([["x", "y"]], id, { k: 0 });
    expect(k0.map((entry) => entry.score)).toEqual([1, 0.5]);
  });

  it("counts an item once per list, at its best rank", () => {
    const fused = reciprocalRankFusion([["a", "a", "b"]], id);
    expect(fused.map((entry) => [entry.key, entry.ranks[0]])).toEqual([
      ["a", 1],
      ["b", 3],
    ]);
  });

  it("fuses empty lists to nothing and refuses a bad k", () => {
    expect(reciprocalRankFusion([[], []], id)).toEqual([]);
    expect(() => reciprocalRankFusion([["a"]], id, { k: -1 })).toThrow(RangeError);
  });
});
