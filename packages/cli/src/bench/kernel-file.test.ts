import { evaluateLaunchExpression, resolveLaunch } from "@kernelforge/core";
import { describe, expect, it } from "vitest";
import { launchFromSource, soleEntry } from "./kernel-file.js";

const shape = { M: 1000, N: 4096, K: 512 };

describe("evaluateLaunchExpression", () => {
  it("evaluates integer arithmetic over M, N and K", () => {
    expect(evaluateLaunchExpression("cdiv(M, 128)", shape)).toBe(8);
    expect(evaluateLaunchExpression("N / 128 * 2 + 1", shape)).toBe(65);
    expect(evaluateLaunchExpression("min(8, K / 256) * (2 + 1)", shape)).toBe(6);
    expect(evaluateLaunchExpression("max(1, M % 7)", shape)).toBe(6);
    expect(evaluateLaunchExpression("-3 + 5", shape)).toBe(2);
  });

  it("refuses anything else with a message naming the expression", () => {
    expect(() => evaluateLaunchExpression("process.exit(1)", shape)).toThrow(/unknown name "process"/);
    expect(() => evaluateLaunchExpression("cdiv(M, 0)", shape)).toThrow(
      /cdiv by a number that is not positive/,
    );
    expect(() => evaluateLaunchExpression("M / (N - N)", shape)).toThrow(/division by zero/);
    expect(() => evaluateLaunchExpression("M +", shape)).toThrow(/ends too early/);
    expect(() => evaluateLaunchExpression("M N", shape)).toThrow(/unexpected "N"/);
  });
});

describe("kernel files", () => {
  const source = `// kforge:launch {"grid": ["cdiv(N,16)", "cdiv(M,16)"], "block": [16, 16], "dynamicSharedBytes": "2 * 16 * 16 * 2"}
extern "C" __global__ void naive(const __half* A, const __half* B, __half* C, int M, int N, int K, void* w) {}
`;

  it("reads the launch line, finds the sole entry and resolves the launch for a shape", () => {
    const specification = launchFromSource(source, "naive.cu");
    expect(soleEntry(source)).toBe("naive");
    expect(soleEntry('extern "C" __global__ void __launch_bounds__(256) wmma(int M) {}')).toBe("wmma");
    expect(soleEntry('extern "C" __global__ __launch_bounds__(256, 1) void tiled(int M) {}')).toBe("tiled");
    expect(soleEntry(`${source}\nextern "C" __global__ void other(int M) {}`)).toBeUndefined();
    expect(resolveLaunch(specification!, shape)).toEqual({
      grid: [256, 63, 1],
      block: [16, 16, 1],
      dynamicSharedBytes: 1024,
      workspaceBytes: 0,
      zeroWorkspace: false,
    });
  });

  it("explains an invalid launch", () => {
    expect(() => resolveLaunch({ grid: [1], block: [64, 32] }, shape)).toThrow(/at most 1024 threads/);
    expect(() => launchFromSource("// kforge:launch {grid: 1}\n", "x.cu")).toThrow(/not valid JSON/);
  });
});
