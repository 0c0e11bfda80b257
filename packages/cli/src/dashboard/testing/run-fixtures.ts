import {
  type BaselineName,
  createCandidate,
  defaultConfig,
  type EvaluationRecord,
  type EvaluationResult,
  type EvaluationStatus,
  type GemmTask,
  type KernelCandidate,
  type MeasurementKind,
  type ModeSpeedups,
  type ModeTiming,
  type RunRecord,
  summarizeSamples,
  type TimingMode,
  taskKey,
} from "@kernelforge/core";

/**
 * Realistic runs, candidates and results for the dashboard and session tests: candidates built with
 * createCandidate, timings summarized from samples, speedups computed from the medians as the evaluator does.
 */

export function kernelSource(blockM: number, blockN: number, stages: number): string {
  return [
    "#include <cuda_fp16.h>",
    "#include <mma.h>",
    "",
    `// ${blockM}x${blockN} tile, ${stages}-stage cp.async pipeline`,
    'extern "C" __global__ void __launch_bounds__(256) hgemm_kernel(',
    "    const half* __restrict__ A, const half* __restrict__ B, half* __restrict__ C,",
    "    int M, int N, int K) {",
    `  __shared__ half tileA[${stages}][${blockM} * 32];`,
    `  __shared__ half tileB[${stages}][32 * ${blockN}];`,
    "  float accumulator[8][4] = {};",
    "  for (int k0 = 0; k0 < K; k0 += 32) {",
    "    // cp.async.cg.shared.global copies of the next stage, then mma.sync.m16n8k16 on this one",
    "  }",
    "  // epilogue: convert the fp32 accumulators to half and store C",
    "}",
  ].join("\n");
}

export function makeCandidate(task: GemmTask, index: number, generator = "template"): KernelCandidate {
  const blockM = [128, 64, 256, 128][index % 4] as number;
  const blockN = [128, 128, 128, 256][index % 4] as number;
  const stages = 2 + (index % 3);
  return createCandidate({
    task,
    source: kernelSource(blockM, blockN, stages),
    entry: "hgemm_kernel",
    launch: {
      grid: [Math.ceil(task.n / blockN), Math.ceil(task.m / blockM), 1],
      block: [256, 1, 1],
      dynamicSharedBytes: 0,
    },
    provenance: {
      generator,
      parentIds: [],
      configuration: { family: "ampere-mma", blockM, blockN, blockK: 32, stages, warps: 8, sample: index },
      createdAt: "2025-11-20T09:00:00.000Z",
    },
  });
}

function samples(median: number): number[] {
  return [0.97, 0.99, 1, 1.01, 1.04].map((factor) => Number((median * factor).toFixed(3)));
}

export interface ModeFigures {
  /** Candidate median, µs. */
  candidate: number;
  /** Baseline medians, µs. */
  baselines: Partial<Record<BaselineName, number>>;
}

function timingOf(figures: ModeFigures): { timing: ModeTiming; speedups: ModeSpeedups } {
  const candidate = summarizeSamples(samples(figures.candidate));
  const baselines: ModeTiming["baselines"] = {};
  const perBaseline: ModeSpeedups["perBaseline"] = {};
  let best: ModeSpeedups["best"] | undefined;
  for (const [name, median] of Object.entries(figures.baselines) as [BaselineName, number][]) {
    const summary = summarizeSamples(samples(median));
    baselines[name] = summary;
    const speedup = summary.median / candidate.median;
    perBaseline[name] = speedup;
    if (!best || speedup < best.speedup) best = { baseline: name, speedup };
  }
  return {
    timing: { candidate, baselines },
    speedups: { perBaseline, best: best ?? { baseline: "cublas", speedup: 1 } },
  };
}

const environment = {
  device: "NVIDIA H100 80GB HBM3",
  computeCapability: "9.0",
  driverVersion: "550.54.15",
  cudaRuntimeVersion: "12.4",
  nvccVersion: "12.4.131",
};

export function okResult(
  candidate: KernelCandidate,
  modes: Partial<Record<TimingMode, ModeFigures>>,
  options: { deviceMilliseconds?: number; measurement?: MeasurementKind; suspect?: string } = {},
): EvaluationResult {
  const timing: EvaluationResult["timing"] = {};
  const speedups: EvaluationResult["speedups"] = {};
  for (const mode of ["cold", "hot"] as const) {
    const figures = modes[mode];
    if (!figures) continue;
    const computed = timingOf(figures);
    timing[mode] = computed.timing;
    speedups[mode] = computed.speedups;
  }
  const check = (seed: number, relativeError: number) => ({
    seed,
    relativeError,
    baselineRelativeError: 2.1e-4,
    tolerance: 2e-3,
    unwrittenElements: 0,
    guardViolations: {},
    passed: true,
  });
  return {
    candidateId: candidate.id,
    taskKey: candidate.taskKey,
    status: "ok",
    measurement: options.measurement ?? "measured",
    compile: {
      registers: 168,
      sharedBytes: 49152,
      stackFrameBytes: 0,
      spillStoreBytes: 0,
      spillLoadBytes: 0,
      durationMilliseconds: 2140,
      cached: false,
      log: "",
    },
    correctness: {
      before: [check(1, 3.2e-4), check(2, 3.4e-4)],
      after: [check(3, 3.3e-4)],
      integerMismatches: 0,
      machineCodeAccumulator: "f32",
    },
    timing,
    speedups,
    ...(options.suspect ? { suspect: { reason: options.suspect } } : {}),
    environment,
    evaluatedAt: "2025-11-20T09:01:00.000Z",
    durationMilliseconds: 5200,
    ...(options.deviceMilliseconds === undefined ? {} : { deviceMilliseconds: options.deviceMilliseconds }),
  };
}

export function failedResult(
  candidate: KernelCandidate,
  status: Exclude<EvaluationStatus, "ok" | "compiled">,
  reasonCode: string,
  reason: string,
  options: { deviceMilliseconds?: number; measurement?: MeasurementKind } = {},
): EvaluationResult {
  const wrong = status === "wrong";
  return {
    candidateId: candidate.id,
    taskKey: candidate.taskKey,
    status,
    reason,
    reasonCode,
    measurement: options.measurement ?? "measured",
    ...(status === "compile_error"
      ? {}
      : {
          compile: {
            registers: 232,
            sharedBytes: 98304,
            stackFrameBytes: 16,
            spillStoreBytes: 24,
            spillLoadBytes: 24,
            durationMilliseconds: 2511,
            cached: true,
            log: "",
          },
        }),
    ...(wrong
      ? {
          correctness: {
            before: [
              {
                seed: 1,
                relativeError: 0.41,
                tolerance: 2e-3,
                unwrittenElements: 1024,
                guardViolations: { c: 8 },
                passed: false,
              },
            ],
            after: [],
            integerMismatches: 4096,
            machineCodeAccumulator: "f32" as const,
          },
        }
      : {}),
    environment,
    evaluatedAt: "2025-11-20T09:01:00.000Z",
    durationMilliseconds: 3100,
    ...(options.deviceMilliseconds === undefined ? {} : { deviceMilliseconds: options.deviceMilliseconds }),
  };
}

export function runRecord(runId: string, tasks: GemmTask[], overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    runId,
    status: "finished",
    measurement: "measured",
    config: defaultConfig(),
    taskKeys: tasks.map(taskKey),
    rounds: 2,
    groupSize: 4,
    seed: 1,
    components: { generator: "template", evaluator: "nvcc", rewardModel: "speedup", policyTrainer: "grpo" },
    devices: ["NVIDIA H100 80GB HBM3 (GPU 0)"],
    createdAt: "2025-11-20T09:00:00.000Z",
    updatedAt: "2025-11-20T09:30:00.000Z",
    ...overrides,
  };
}

export function evaluationRecord(
  runId: string,
  round: number,
  groupIndex: number,
  candidate: KernelCandidate,
  result: EvaluationResult,
  reward: number,
): EvaluationRecord {
  return {
    runId,
    round,
    taskKey: candidate.taskKey,
    groupId: `${runId}:${round}:${candidate.taskKey}`,
    groupIndex,
    candidate,
    result,
    reward: {
      candidateId: candidate.id,
      taskKey: candidate.taskKey,
      reward,
      basis: result.status === "ok" ? "speedup" : result.status,
      components: {},
    },
    archivedAt: "2025-11-20T09:02:00.000Z",
  };
}
