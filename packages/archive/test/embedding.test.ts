import { describe, expect, it } from "vitest";
import { DEFAULT_EMBEDDING_DIMENSIONS, embedKernelSource, tokenizeKernelSource } from "../src/index.js";
import { tiledSource, WMMA_SOURCE } from "./fixtures.js";

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let index = 0; index < a.length; index++) dot += (a[index] ?? 0) * (b[index] ?? 0);
  return dot;
}

describe("tokenizeKernelSource", () => {
  it("splits CUDA into identifiers, numbers, literals and operators, without comments", () => {
    const tokens = tokenizeKernelSource(
      "acc += A[i << 2] * 1.5f; /* block\n comment */ x->y = 0x1Fu; // tail\nputs(\"a // b\"); c = 'q';",
    );
    expect(tokens).toEqual([
      "acc",
      "+=",
      "A",
      "[",
      "i",
      "<<",
      "2",
      "]",
      "*",
      "1.5f",
      ";",
      "x",
      "->",
      "y",
      "=",
      "0x1Fu",
      ";",
      "puts",
      "(",
      '"a // b"',
      ")",
      ";",
      "c",
      "=",
      "'q'",
      ";",
    ]);
  });
});

describe("embedKernelSource", () => {
  it("is a deterministic unit vector of the requested size", () => {
    const first = embedKernelSource(tiledSource(32));
    const second = embedKernelSource(tiledSource(32));
    expect(first).toHaveLength(DEFAULT_EMBEDDING_DIMENSIONS);
    expect(Array.from(first)).toEqual(Array.from(second));
    expect(cosine(first, first)).toBeCloseTo(1, 5);
    expect(embedKernelSource(tiledSource(32), 64)).toHaveLength(64);
  });

  it("ignores comments and whitespace", () => {
    const plain = embedKernelSource(tiledSource(32, "first wording"));
    const reworded = embedKernelSource(
      `${tiledSource(32, "an entirely different comment")}\n\n   // trailing note\n`,
    );
    expect(Array.from(reworded)).toEqual(Array.from(plain));
  });

  it("keeps a near-duplicate close and an unrelated kernel far", () => {
    const original = embedKernelSource(tiledSource(32));
    const nearDuplicate = embedKernelSource(tiledSource(64));
    const unrelated = embedKernelSource(WMMA_SOURCE);
    const near = cosine(original, nearDuplicate);
    const far = cosine(original, unrelated);
    expect(near).toBeGreaterThan(0.9);
    expect(far).toBeLessThan(0.5);
  });

  it("gives the zero vector for a source without tokens and rejects bad sizes", () => {
    expect(Array.from(embedKernelSource("// only a comment\n", 8))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(() => embedKernelSource("int x;", 0)).toThrow(RangeError);
    expect(() => embedKernelSource("int x;", 2.5)).toThrow(RangeError);
  });
});
