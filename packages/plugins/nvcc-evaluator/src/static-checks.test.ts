import { createCandidate, createGemmTask, type TensorMapRequest } from "@kernelforge/core";
import { describe, expect, it } from "vitest";
import { checkDescriptorAndSource } from "./static-checks.js";

const SOURCE = `#include <cuda_fp16.h>
extern "C" __global__ void tma_entry(const __half* A, const __half* B, __half* C, int M, int N, int K, void* workspace) {}
`;

function candidateWith(tensorMaps: TensorMapRequest[]) {
  return createCandidate({
    task: createGemmTask({ m: 128, n: 128, k: 128 }),
    source: SOURCE,
    entry: "tma_entry",
    launch: { grid: [1, 1, 1], block: [128, 1, 1], tensorMaps },
    provenance: { generator: "test", parentIds: [], createdAt: "2026-01-01T00:00:00.000Z" },
  });
}

describe("checkDescriptorAndSource: tensor maps", () => {
  it("passes maps of A, B or C with two-dimensional boxes", () => {
    const checked = checkDescriptorAndSource(
      candidateWith([
        { operand: "a", box: [64, 128], swizzle: "128B", interleave: "none" },
        { operand: "b", box: [64, 64], swizzle: "128B", interleave: "none" },
      ]),
    );
    expect(checked.ok).toBe(true);
    if (checked.ok)
      expect(checked.launch.tensorMaps?.map((map) => map.box)).toEqual([
        [64, 128],
        [64, 64],
      ]);
  });

  it("rejects a map of the workspace and a box that is not two-dimensional, naming the map", () => {
    const unsupported: TensorMapRequest[] = [
      { operand: "workspace", box: [64, 64], swizzle: "none", interleave: "none" },
      { operand: "c", box: [64, 8, 2], swizzle: "none", interleave: "none" },
    ];
    for (const map of unsupported) {
      const checked = checkDescriptorAndSource(
        candidateWith([
          { operand: "a", box: [64, 64], swizzle: "128B", interleave: "none" },
          map as TensorMapRequest,
        ]),
      );
      expect(checked.ok).toBe(false);
      if (!checked.ok) {
        expect(checked.failure.reasonCode).toBe("launch:tensor_map_unsupported");
        expect(checked.failure.reason).toContain("tensorMaps[1]");
      }
    }
  });
});
