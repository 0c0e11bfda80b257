import { describe, expect, it } from "vitest";
import { createGemmTask, gemmFlops, parseShape, parseTaskKey, taskKey } from "./gemm-task.js";

describe("GemmTask", () => {
  it("has a stable key that round-trips", () => {
    const task = createGemmTask({ m: 128, n: 11008, k: 4096, layout: "linear" });
    expect(taskKey(task)).toBe("hgemm.f16f32.linear.128x11008x4096.sm90");
    expect(parseTaskKey(taskKey(task))).toEqual(task);
  });

  it("rejects bad dimensions and malformed keys with a hint", () => {
    expect(() => createGemmTask({ m: 0, n: 1, k: 1 })).toThrow(/Invalid GEMM task: m/);
    expect(() => createGemmTask({ m: 1.5, n: 1, k: 1 })).toThrow(/m/);
    expect(() => parseTaskKey("hgemm.f16.nn.1x1x1.sm90")).toThrow(/Not a task key/);
  });

  it("parses shapes and counts flops", () => {
    expect(parseShape("16x14336x4096")).toEqual({ m: 16, n: 14336, k: 4096 });
    expect(() => parseShape("16x14336")).toThrow(/Not a shape/);
    try {
      parseShape("16x14336");
    } catch (error) {
      expect((error as { hint?: string }).hint).toMatch(/MxNxK/);
    }
    expect(gemmFlops({ m: 4096, n: 4096, k: 4096 })).toBe(2 * 4096 ** 3);
  });
});
