import {
  API_VERSION,
  type BaselineName,
  createCandidate,
  createGemmTask,
  defaultConfig,
  type EvaluationRecord,
  type EvaluationResult,
  type EvaluationStatus,
  type GemmTask,
  type KernelCandidate,
  type PolicyCheckpointRecord,
  type RunRecord,
  summarizeSamples,
  taskKey,
} from "@kernelforge/core";

export const TASK_SQUARE = createGemmTask({ m: 4096, n: 4096, k: 4096 });
export const TASK_LINEAR = createGemmTask({ m: 8192, n: 1024, k: 4096, layout: "linear" });
export const SQUARE_KEY = taskKey(TASK_SQUARE);
export const LINEAR_KEY = taskKey(TASK_LINEAR);

/** A shared-memory tiled HGEMM with a TILE×TILE block, fp32 accumulation. */
export function tiledSource(tile: number, comment = "shared-memory tiled HGEMM"): string {
  return `// ${comment}
#include <cuda_fp16.h>
#define TILE ${tile}
extern "C" __global__ void hgemm_tiled(const half* __restrict__ A, const half* __restrict__ B, half* __restrict__ C,
                                       int M, int N, int K) {
  __shared__ half As[TILE][TILE];
  __shared__ half Bs[TILE][TILE];
  int row = blockIdx.y * TILE + threadIdx.y;
  int col = blockIdx.x * TILE + threadIdx.x;
  float acc = 0.0f;
  for (int t = 0; t < K; t += TILE) {
    As[threadIdx.y][threadIdx.x] = A[row * K + t + threadIdx.x];
    Bs[threadIdx.y][threadIdx.x] = B[(t + threadIdx.y) * N + col];
    __syncthreads();
    /* inner product over the tile */
    #pragma unroll
    for (int k = 0; k < TILE; ++k) acc += __half2float(As[threadIdx.y][k]) * __half2float(Bs[k][threadIdx.x]);
    __syncthreads();
  }
  if (row < M && col < N) C[row * N + col] = __float2half(acc);
}
`;
}

/** A tensor-core kernel through the WMMA API: a different structure and vocabulary from the tiled one. */
export const WMMA_SOURCE = `#include <mma.h>
#include <cuda_fp16.h>
using namespace nvcuda;
extern "C" __global__ void hgemm_wmma(const half* A, const half* B, half* C, int M, int N, int K) {
  const int warpM = (blockIdx.x * blockDim.x + threadIdx.x) / warpSize;
  const int warpN = blockIdx.y * blockDim.y + threadIdx.y;
  wmma::fragment<wmma::matrix_a, 16, 16, 16, half, wmma::row_major> a_frag;
  wmma::fragment<wmma::matrix_b, 16, 16, 16, half, wmma::row_major> b_frag;
  wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc_frag;
  wmma::fragment<wmma::accumulator, 16, 16, 16, half> c_frag;
  wmma::fill_fragment(acc_frag, 0.0f);
  for (int i = 0; i < K; i += 16) {
    wmma::load_matrix_sync(a_frag, A + warpM * 16 * K + i, K);
    wmma::load_matrix_sync(b_frag, B + i * N + warpN * 16, N);
    wmma::mma_sync(acc_frag, a_frag, b_frag, acc_frag);
  }
  for (int e = 0; e < c_frag.num_elements; e++) c_frag.x[e] = __float2half(acc_frag.x[e]);
  wmma::store_matrix_sync(C + warpM * 16 * N + warpN * 16, c_frag, N, wmma::mem_row_major);
}
`;

export function candidateFor(task: GemmTask, source: string, generator = "design-space"): KernelCandidate {
  const tile = Number(/#define TILE (\d+)/.exec(source)?.[1] ?? 16);
  return createCandidate({
    task,
    source,
    entry: source.includes("hgemm_wmma") ? "hgemm_wmma" : "hgemm_tiled",
    launch: {
      grid: [Math.ceil(task.n / tile), Math.ceil(task.m / tile), 1],
      block: [tile, Math.min(tile, Math.floor(1024 / tile)), 1],
    },
    provenance: {
      generator,
      parentIds: [],
      configuration: { tile, stages: 2, swizzle: false },
      createdAt: "2025-06-01T10:00:00.000Z",
    },
  });
}

const BASELINE: BaselineName = "cublaslt-autotuned";

/** An evaluation result as the nvcc evaluator reports it, with timings when the status is `ok`. */
export function resultFor(
  candidate: KernelCandidate,
  status: EvaluationStatus,
  speedup = 0.8,
): EvaluationResult {
  const result: EvaluationResult = {
    candidateId: candidate.id,
    taskKey: candidate.taskKey,
    status,
    measurement: "measured",
    environment: {
      device: "NVIDIA H100 80GB HBM3",
      computeCapability: "9.0",
      driverVersion: "570.86.15",
      cudaRuntimeVersion: "12.8",
      nvccVersion: "12.8.93",
      hostname: "gpu-07",
    },
    evaluatedAt: "2025-06-01T10:00:05.000Z",
    durationMilliseconds: 1843.5,
  };
  if (status === "compile_error") {
    result.reason = "nvcc refused the source";
    result.reasonCode = "compile_error";
    result.compile = {
      registers: 0,
      sharedBytes: 0,
      stackFrameBytes: 0,
      spillStoreBytes: 0,
      spillLoadBytes: 0,
      durationMilliseconds: 310,
      cached: false,
      log: 'kernel.cu(12): error: identifier "Bs" is undefined',
    };
    return result;
  }
  result.compile = {
    registers: 96,
    sharedBytes: 16384,
    stackFrameBytes: 0,
    spillStoreBytes: 0,
    spillLoadBytes: 0,
    constantBytes: 392,
    durationMilliseconds: 1220.25,
    cached: false,
    log: "",
  };
  if (status === "wrong") {
    result.reason = "relative error 3.1e-1 exceeds the tolerance 1e-2";
    result.reasonCode = "wrong_result";
    return result;
  }
  const check = {
    seed: 7,
    relativeError: 2.4e-4,
    baselineRelativeError: 2.1e-4,
    tolerance: 1e-2,
    unwrittenElements: 0,
    guardViolations: { a: 0, b: 0, c: 0 },
    passed: true,
  };
  result.correctness = { before: [check], after: [{ ...check, seed: 8 }], integerMismatches: 0 };
  result.correctness.machineCodeAccumulator = "f32";
  const baselineMedian = 920.5;
  const candidateSamples = [1, 2, 3, 4, 5].map((i) => baselineMedian / speedup + i * 0.25);
  const candidateTiming = summarizeSamples(candidateSamples);
  result.timing = {
    hot: {
      candidate: candidateTiming,
      baselines: { [BASELINE]: summarizeSamples([919.5, 920.5, 921.75, 920.0, 922.0]) },
    },
  };
  const measured = baselineMedian / candidateTiming.median;
  result.speedups = {
    hot: { perBaseline: { [BASELINE]: measured }, best: { baseline: BASELINE, speedup: measured } },
  };
  result.deviceMilliseconds = 612.75;
  return result;
}

export function evaluationFor(
  candidate: KernelCandidate,
  options: {
    runId?: string;
    round?: number;
    groupIndex?: number;
    status?: EvaluationStatus;
    speedup?: number;
  } = {},
): EvaluationRecord {
  const runId = options.runId ?? "run-2025-06-01-a";
  const round = options.round ?? 0;
  const status = options.status ?? "ok";
  const result = resultFor(candidate, status, options.speedup);
  const rewardValue = status === "ok" ? Math.log(result.speedups?.hot?.best.speedup ?? 1) : -1;
  const groupId = `${runId}:${round}:${candidate.taskKey}`;
  return {
    runId,
    round,
    taskKey: candidate.taskKey,
    groupId,
    groupIndex: options.groupIndex ?? 0,
    candidate,
    result,
    reward: {
      candidateId: candidate.id,
      taskKey: candidate.taskKey,
      reward: rewardValue,
      basis: status === "ok" ? "speedup" : status,
      components: { speedup: result.speedups?.hot?.best.speedup ?? 0, penalty: status === "ok" ? 0 : 1 },
    },
    advantage: { candidateId: candidate.id, groupId, reward: rewardValue, advantage: rewardValue * 0.5 },
    archivedAt: "2025-06-01T10:00:06.000Z",
  };
}

export function runFor(runId: string, createdAt: string): RunRecord {
  return {
    runId,
    status: "running",
    measurement: "measured",
    config: defaultConfig(),
    taskKeys: [SQUARE_KEY, LINEAR_KEY],
    rounds: 4,
    groupSize: 8,
    seed: 1234,
    components: { generator: "design-space", evaluator: "nvcc", rewardModel: "log-speedup" },
    devices: ["NVIDIA H100 80GB HBM3 (sm90)"],
    createdAt,
    updatedAt: createdAt,
  };
}

export function checkpointFor(runId: string, round: number): PolicyCheckpointRecord {
  return {
    runId,
    round,
    checkpoint: {
      trainer: "grpo-tabular",
      apiVersion: API_VERSION,
      version: `v${round + 1}`,
      state: { logits: { tile: { "32": 0.25 * round, "64": -0.5 }, stages: [0.1, 0.2, 0.7] } },
    },
    report: { steps: 4, metrics: { loss: 0.125 * round, kl: 0.003 }, version: `v${round + 1}` },
    createdAt: `2025-06-01T1${round}:00:00.000Z`,
  };
}
