import { createGemmTask } from "@kernelforge/core";
import { describe, expect, it } from "vitest";
import { FEATURE_COUNT, FEATURE_NAMES, taskFeatures } from "./features.js";

describe("taskFeatures", () => {
  it("describes a task's shape in a fixed order, on a common scale", () => {
    const named = (m: number, n: number, k: number, layout: "nn" | "linear" = "nn") => {
      const values = taskFeatures(createGemmTask({ m, n, k, layout }));
      return Object.fromEntries(FEATURE_NAMES.map((name, index) => [name, values[index]]));
    };
    const skinny = named(16, 4096, 4096, "linear");
    expect(skinny).toMatchObject({
      bias: 1,
      log2_m: -0.5,
      log2_n: 0.5,
      log2_k: 0.5,
      layout_nn: 0,
      layout_linear: 1,
      log2_m_over_n: -1,
      m_le_16: 1,
      m_le_64: 1,
      n_le_64: 0,
      min_mn_le_16: 1,
      min_mn_le_64: 1,
      k_ge_8_max_mn: 0,
      mn_multiple_of_128: 0,
      k_multiple_of_64: 1,
      arch_sm90_or_newer: 1,
    });
    const square = named(4096, 4096, 4096);
    expect(square).toMatchObject({ m_le_16: 0, min_mn_le_64: 0, mn_multiple_of_128: 1, layout_nn: 1 });
    expect(square.log2_flops).toBeCloseTo(1, 12);
    expect(named(64, 64, 8192).k_ge_8_max_mn).toBe(1);
    for (const [m, n, k] of [
      [1, 1, 1],
      [65536, 65536, 65536],
      [1, 65536, 65536],
    ]) {
      const values = taskFeatures(createGemmTask({ m: m as number, n: n as number, k: k as number }));
      expect(values).toHaveLength(FEATURE_COUNT);
      for (const value of values) expect(Math.abs(value)).toBeLessThanOrEqual(2);
    }
  });
});
