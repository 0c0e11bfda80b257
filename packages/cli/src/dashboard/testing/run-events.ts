import {
  createGemmTask,
  type KernelCandidate,
  type MeasurementKind,
  type RunEvents,
  taskKey,
} from "@kernelforge/core";
import type { RunEventMessage } from "../dashboard-state.js";
import { failedResult, makeCandidate, okResult } from "./run-fixtures.js";

/** A realistic event sequence of a run, as the run loop emits it, for the dashboard's tests. */

export const square = createGemmTask({ m: 4096, n: 4096, k: 4096 });
export const skinny = createGemmTask({ m: 16, n: 4096, k: 4096, layout: "linear" });
export const A = taskKey(square);
export const B = taskKey(skinny);
export const runId = "run-20251120-0900";

export const started = (
  options: { resumed?: boolean; rounds?: number; measurement?: MeasurementKind } = {},
): RunEventMessage => ({
  type: "run-started",
  payload: {
    runId,
    rounds: options.rounds ?? 2,
    groupSize: 4,
    taskKeys: [A, B],
    measurement: options.measurement ?? "measured",
    resumed: options.resumed ?? false,
    components: { generator: "template", evaluator: "nvcc", rewardModel: "speedup", policyTrainer: "grpo" },
    devices: ["NVIDIA H100 80GB HBM3 (GPU 0)"],
  },
});

export const evaluationStarted = (round: number, candidate: KernelCandidate): RunEventMessage => ({
  type: "evaluation-started",
  payload: { runId, round, taskKey: candidate.taskKey, candidateId: candidate.id },
});

export const evaluated = (
  round: number,
  groupIndex: number,
  result: ReturnType<typeof okResult>,
  restored = false,
): RunEventMessage => ({
  type: "candidate-evaluated",
  payload: { runId, round, groupIndex, result, restored },
});

export const reward = (candidate: KernelCandidate, value: number): RunEventMessage => ({
  type: "reward-computed",
  payload: {
    runId,
    reward: {
      candidateId: candidate.id,
      taskKey: candidate.taskKey,
      reward: value,
      basis: "speedup",
      components: {},
    },
  },
});

export const a = [0, 1, 2, 3].map((index) => makeCandidate(square, index));
export const b = [0, 1, 2].map((index) => makeCandidate(skinny, index));

/**
 * Round 0 of a two-task run (group size 4) up to 60 s: A fully evaluated (2 ok, 1 wrong, 1 compile error), B with
 * a generation failure, 1 ok, 1 runtime error and one evaluation still in flight.
 */
export function firstRound(options: { measurement?: MeasurementKind } = {}): [number, RunEventMessage][] {
  return [
    [0, started(options)],
    [0, { type: "round-started", payload: { runId, round: 0 } }],
    [100, { type: "task-started", payload: { runId, round: 0, taskKey: A } }],
    ...a.map((candidate): [number, RunEventMessage] => [
      1_000,
      { type: "candidate-generated", payload: { runId, round: 0, candidate } },
    ]),
    [2_000, evaluationStarted(0, a[0]!)],
    [2_000, evaluationStarted(0, a[1]!)],
    [
      10_000,
      evaluated(
        0,
        0,
        okResult(
          a[0]!,
          {
            cold: {
              candidate: 1000,
              baselines: { cublas: 1083, "cublaslt-heuristic": 1050, "cublaslt-autotuned": 1021 },
            },
            hot: { candidate: 900, baselines: { cublas: 950, "cublaslt-autotuned": 940 } },
          },
          { deviceMilliseconds: 4_000 },
        ),
      ),
    ],
    [10_000, reward(a[0]!, 0.08)],
    [
      20_000,
      evaluated(
        0,
        1,
        failedResult(a[1]!, "wrong", "unwritten_output", "1024 output elements were never written", {
          deviceMilliseconds: 2_000,
        }),
      ),
    ],
    [20_000, reward(a[1]!, -1)],
    [20_000, evaluationStarted(0, a[2]!)],
    [20_000, evaluationStarted(0, a[3]!)],
    [
      30_000,
      evaluated(
        0,
        2,
        okResult(
          a[2]!,
          {
            cold: { candidate: 950, baselines: { cublas: 1083, "cublaslt-autotuned": 1021 } },
            hot: { candidate: 980, baselines: { cublas: 950, "cublaslt-autotuned": 940 } },
          },
          { deviceMilliseconds: 4_000 },
        ),
      ),
    ],
    [30_000, reward(a[2]!, 0.14)],
    [
      31_000,
      evaluated(
        0,
        3,
        failedResult(a[3]!, "compile_error", "nvcc", "ptxas error: too many resources requested"),
      ),
    ],
    [31_000, reward(a[3]!, -1)],
    [32_000, { type: "task-started", payload: { runId, round: 0, taskKey: B } }],
    [
      33_000,
      {
        type: "generation-failed",
        payload: {
          runId,
          round: 0,
          taskKey: B,
          failure: { code: "no_code", reason: "the reply held no code block" },
        },
      },
    ],
    [34_000, evaluationStarted(0, b[0]!)],
    [34_000, evaluationStarted(0, b[1]!)],
    [34_000, evaluationStarted(0, b[2]!)],
    [
      40_000,
      evaluated(
        0,
        0,
        okResult(
          b[0]!,
          { cold: { candidate: 50, baselines: { cublas: 60, "cublaslt-autotuned": 55 } } },
          { deviceMilliseconds: 1_000 },
        ),
      ),
    ],
    [40_000, reward(b[0]!, 0.1)],
    [
      50_000,
      evaluated(
        0,
        1,
        failedResult(b[1]!, "runtime_error", "illegal_address", "an illegal memory access was encountered", {
          deviceMilliseconds: 1_000,
        }),
      ),
    ],
    [50_000, reward(b[1]!, -1)],
  ];
}

/** A queue worker as its heartbeat reports it. */
export const worker = (
  id: string,
  devices: string[],
  busy: number,
  slots: number,
): RunEvents["workers-updated"]["workers"][number] => ({
  id,
  hostname: id.replace(/-\d+$/, ""),
  devices,
  measurement: "measured",
  evaluator: "nvcc-evaluator",
  slots,
  busy,
  completed: 12,
  version: "0.1.0",
  startedAt: "2025-11-20T09:00:00.000Z",
  lastSeenAt: "2025-11-20T09:05:00.000Z",
});

export const workersUpdated = (workers: RunEvents["workers-updated"]["workers"]): RunEventMessage => ({
  type: "workers-updated",
  payload: { evaluator: "queue-evaluator", workers },
});
