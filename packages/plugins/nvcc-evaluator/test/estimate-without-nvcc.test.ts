import {
  createCandidate,
  createContainer,
  createGemmTask,
  defaultConfig,
  loadPlugins,
  resolveNamed,
  TOKENS,
} from "@kernelforge/core";
import { describe, expect, it, vi } from "vitest";
import nvccEvaluatorPlugin from "../src/index.js";

// A machine with neither a GPU nor the CUDA toolkit: nvidia-smi and nvcc are both missing.
vi.mock("@kernelforge/gpu-runner", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@kernelforge/gpu-runner")>()),
  locateNvcc: async () => undefined,
  listGpus: async () => ({ driverTool: false, gpus: [], error: "nvidia-smi: not found" }),
}));

const PLUGIN = "@kernelforge/plugin-nvcc-evaluator";

async function evaluator(options: Record<string, unknown> = {}) {
  const config = defaultConfig();
  const container = createContainer(config);
  await loadPlugins(container, [{ from: PLUGIN, options }], {
    searchDirectories: [],
    builtins: new Map([[PLUGIN, { plugin: nvccEvaluatorPlugin }]]),
  });
  return resolveNamed(container, TOKENS.gpuEvaluator, "nvcc-evaluator", "GPU evaluator");
}

describe("estimate mode without nvcc", () => {
  it("is what `auto` picks without a GPU, and estimates from the launch descriptor with no compile report", async () => {
    const task = createGemmTask({ m: 1024, n: 1024, k: 1024 });
    const candidate = createCandidate({
      task,
      source: `#include <cuda_fp16.h>
extern "C" __global__ void tc(const __half* A, const __half* B, __half* C, int M, int N, int K, void* workspace) {
  // mma.sync.aligned.m16n8k16 in the real thing
  asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};" ::);
}
`,
      entry: "tc",
      launch: { grid: [8, 8, 1], block: [256, 1, 1], dynamicSharedBytes: 64 * 1024 },
      provenance: { generator: "test", parentIds: [], createdAt: new Date().toISOString() },
    });
    const auto = await evaluator();
    expect(await auto.describe()).toMatchObject({ measurement: "estimated", devices: ["estimate:H100-SXM"] });
    const result = await auto.evaluate(candidate, task);
    expect(result).toMatchObject({ status: "ok", measurement: "estimated" });
    expect(result.compile).toBeUndefined();
    expect(result.environment).toMatchObject({ device: "estimate:H100-SXM", computeCapability: "9.0" });
    expect(result.environment.nvccVersion).toBeUndefined();
    expect(result.speedups?.cold?.best.speedup).toBeGreaterThan(0);
    expect(result.speedups?.hot?.best.speedup).toBeGreaterThan(0);

    const tooMuchShared = createCandidate({
      task,
      source: candidate.source,
      entry: "tc",
      launch: { grid: [8, 8, 1], block: [256, 1, 1], dynamicSharedBytes: 240 * 1024 },
      provenance: candidate.provenance,
    });
    expect(await auto.evaluate(tooMuchShared, task)).toMatchObject({
      status: "rejected",
      reasonCode: "launch:exceeds_device_limits",
      measurement: "estimated",
    });
  });

  it("keeps today's clear error when measured mode is asked for", async () => {
    const measured = await evaluator({ mode: "measured" });
    await expect(measured.describe()).rejects.toMatchObject({ code: "nvcc_missing" });
  });
});
