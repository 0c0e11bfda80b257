import { describe, expect, it } from "vitest";
import { H100_SXM } from "./device-figures.js";
import { heuristicConfiguration, modelBaseline } from "./vendor-model.js";

const shapes = [
  [4096, 4096, 4096],
  [2048, 2048, 2048],
  [128, 11008, 4096],
  [16, 14336, 4096],
  [1, 4096, 4096],
  [1000, 1000, 1000],
  [64, 64, 64],
] as const;

describe("the modelled vendor baselines", () => {
  it("uses 128×256 tiles for large shapes and a 64-wide split-K kernel for skinny ones", () => {
    expect(heuristicConfiguration(H100_SXM, { m: 4096, n: 4096, k: 4096 })).toEqual({
      tileM: 128,
      tileN: 256,
      splitK: 1,
    });
    const gemv = heuristicConfiguration(H100_SXM, { m: 1, n: 4096, k: 4096 });
    expect(gemv.tileM).toBe(64);
    expect(gemv.splitK).toBeGreaterThan(1);
  });

  it("never models the autotuned baseline slower than the heuristic one", () => {
    for (const [m, n, k] of shapes) {
      for (const mode of ["cold", "hot"] as const) {
        const heuristic = modelBaseline(H100_SXM, { m, n, k }, "cublaslt-heuristic", mode, 4);
        const autotuned = modelBaseline(H100_SXM, { m, n, k }, "cublaslt-autotuned", mode, 4);
        expect(autotuned.time.microseconds).toBeLessThanOrEqual(heuristic.time.microseconds);
        expect(modelBaseline(H100_SXM, { m, n, k }, "cublas", mode, 4).time.microseconds).toBe(
          heuristic.time.microseconds,
        );
      }
    }
  });

  it("lands near cuBLAS's measured time at 4096³ on the H100 (179 µs cold, docs/benchmark-method.md)", () => {
    const modelled = modelBaseline(H100_SXM, { m: 4096, n: 4096, k: 4096 }, "cublaslt-autotuned", "cold", 4);
    expect(modelled.time.microseconds).toBeGreaterThan(179 * 0.75);
    expect(modelled.time.microseconds).toBeLessThan(179 * 1.25);
  });
});
