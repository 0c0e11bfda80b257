import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  createCandidate,
  createContainer,
  createGemmTask,
  defaultConfig,
  type EvaluationResult,
  type GpuEvaluator,
  type KernelCandidate,
  type KernelGenerator,
  loadPlugins,
  resolveNamed,
  TOKENS,
} from "@kernelforge/core";
import { locateNvcc } from "@kernelforge/gpu-runner";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import nvccEvaluatorPlugin from "../src/index.js";

const packageDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const templateGeneratorDirectory = path.resolve(packageDirectory, "../template-generator");
const nvccAvailable = (await locateNvcc()) !== undefined;

const PLUGIN = "@kernelforge/plugin-nvcc-evaluator";

const naiveKernel = `#include <cuda_fp16.h>
extern "C" __global__ void naive(const __half* A, const __half* B, __half* C, int M, int N, int K, void* workspace) {
  int row = blockIdx.y * 16 + threadIdx.y, col = blockIdx.x * 16 + threadIdx.x;
  if (row >= M || col >= N) return;
  float sum = 0.f;
  for (int k = 0; k < K; ++k) sum += __half2float(A[row * K + k]) * __half2float(B[k * N + col]);
  C[row * N + col] = __float2half(sum);
}
`;

function naiveCandidate(source: string, task = createGemmTask({ m: 256, n: 256, k: 256 })): KernelCandidate {
  return createCandidate({
    task,
    source,
    entry: "naive",
    launch: { grid: [Math.ceil(task.n / 16), Math.ceil(task.m / 16), 1], block: [16, 16, 1] },
    provenance: { generator: "test", parentIds: [], createdAt: new Date().toISOString() },
  });
}

async function load(options: Record<string, unknown>): Promise<{
  evaluator: GpuEvaluator;
  generator: KernelGenerator;
}> {
  const container = createContainer(defaultConfig());
  await loadPlugins(container, [{ from: templateGeneratorDirectory }, { from: PLUGIN, options }], {
    searchDirectories: [packageDirectory],
    builtins: new Map([[PLUGIN, { plugin: nvccEvaluatorPlugin }]]),
  });
  return {
    evaluator: resolveNamed(container, TOKENS.gpuEvaluator, "nvcc-evaluator", "GPU evaluator"),
    generator: resolveNamed(container, TOKENS.kernelGenerator, "template", "kernel generator"),
  };
}

function expectEstimatedTimes(result: EvaluationResult): void {
  expect(result.measurement).toBe("estimated");
  expect(result.correctness).toBeUndefined();
  expect(result.deviceMilliseconds).toBeUndefined();
  expect(result.environment.device).toBe("estimate:H100-SXM");
  for (const mode of ["cold", "hot"] as const) {
    const timing = result.timing?.[mode];
    expect(timing, mode).toBeDefined();
    const candidate = timing?.candidate;
    expect(candidate?.samplesMicroseconds).toHaveLength(1);
    expect(candidate?.median).toBeGreaterThan(0);
    expect(candidate?.min).toBe(candidate?.max);
    expect(Object.keys(timing?.baselines ?? {}).sort()).toEqual([
      "cublas",
      "cublaslt-autotuned",
      "cublaslt-heuristic",
    ]);
    const speedups = result.speedups?.[mode];
    expect(speedups, mode).toBeDefined();
    for (const [baseline, speedup] of Object.entries(speedups?.perBaseline ?? {})) {
      expect(Number.isFinite(speedup) && speedup > 0, `${mode} ${baseline}`).toBe(true);
      const median = timing?.baselines[baseline as keyof typeof speedups.perBaseline]?.median ?? Number.NaN;
      expect(speedup).toBeCloseTo(median / (candidate?.median ?? Number.NaN), 12);
    }
    expect(speedups?.best.speedup).toBe(Math.min(...Object.values(speedups?.perBaseline ?? {})));
  }
}

describe("estimate mode", () => {
  let cacheDirectory: string;
  beforeAll(() => {
    cacheDirectory = mkdtempSync(path.join(tmpdir(), "kforge-estimate-test-"));
  });
  afterAll(() => rmSync(cacheDirectory, { recursive: true, force: true }));

  it("validates the mode option and labels the evaluator estimated", async () => {
    const { evaluator } = await load({ mode: "estimated", cacheDirectory });
    expect(await evaluator.describe()).toMatchObject({
      name: "nvcc-evaluator",
      measurement: "estimated",
      devices: ["estimate:H100-SXM"],
    });
    await expect(load({ mode: "guessed" })).rejects.toThrow(/plugins\[1\]\.options\.mode/);
  });

  it("screens before anything else, with the same statuses as measured mode", async () => {
    const { evaluator } = await load({ mode: "estimated", cacheDirectory });
    const hostCall = naiveCandidate(
      naiveKernel.replace("float sum = 0.f;", "float sum = 0.f; cudaDeviceSynchronize();"),
    );
    const result = await evaluator.evaluate(hostCall, createGemmTask({ m: 256, n: 256, k: 256 }));
    expect(result).toMatchObject({ status: "rejected", measurement: "estimated" });
    expect(result.reasonCode).toMatch(/^screening:/);
    const sm75 = createGemmTask({ m: 256, n: 256, k: 256, arch: "sm75" });
    const unknownTarget = await evaluator.evaluate(naiveCandidate(naiveKernel, sm75), sm75);
    expect(unknownTarget).toMatchObject({ status: "rejected", reasonCode: "task:arch_unsupported" });
    expect(unknownTarget.reason).toContain("sm90 (H100-SXM)");
  });

  it.skipIf(!nvccAvailable)(
    "compiles template-generator candidates and estimates them against the modelled baselines",
    async () => {
      const { evaluator, generator } = await load({
        mode: "estimated",
        cacheDirectory,
        compileConcurrency: 2,
      });
      const tasks = [
        createGemmTask({ m: 256, n: 256, k: 256 }),
        createGemmTask({ m: 8, n: 2048, k: 1024, layout: "linear" }),
      ];
      const work: Promise<EvaluationResult>[] = [];
      for (const task of tasks) {
        const generated = await generator.generate({ task, count: 3, round: 0, seed: 7 });
        expect(generated.candidates).toHaveLength(3);
        for (const candidate of generated.candidates) work.push(evaluator.evaluate(candidate, task));
      }
      const broken = naiveCandidate(naiveKernel.replace("float sum = 0.f;", "float sum = 0.f undeclared;"));
      work.push(evaluator.evaluate(broken, createGemmTask({ m: 256, n: 256, k: 256 })));
      const results = await Promise.all(work);
      const failed = results.pop() as EvaluationResult;
      for (const result of results) {
        expect(result.status, `${result.reasonCode}: ${result.reason}`).toBe("ok");
        expect(result.compile?.registers).toBeGreaterThan(0);
        expect(result.environment.nvccVersion).toMatch(/^\d+\.\d+/);
        expectEstimatedTimes(result);
      }
      // The skinny shape is memory-bound: no estimate may beat streaming its bytes once at peak bandwidth.
      for (const result of results.slice(3)) {
        const minimumMicroseconds = ((2 * (8 * 1024 + 1024 * 2048 + 8 * 2048)) / 3.35e12) * 1e6;
        expect(result.timing?.cold?.candidate.median).toBeGreaterThanOrEqual(minimumMicroseconds);
      }
      expect(failed).toMatchObject({
        status: "compile_error",
        reasonCode: "compile:error",
        measurement: "estimated",
      });
      expect(failed.timing).toBeUndefined();
      expect(failed.compile?.log).toContain("error");
      await evaluator.close();
    },
    120_000,
  );
});
