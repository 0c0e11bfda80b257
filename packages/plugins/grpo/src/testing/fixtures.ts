/** Builders of evaluation results and candidates for this package's tests (not exported by the package). */
import {
  type BaselineName,
  createCandidate,
  type EvaluationResult,
  type GemmTask,
  type KernelCandidate,
  type ModeSpeedups,
  type TimingMode,
} from "@kernelforge/core";

/** Speedups per baseline in one mode; the best is the smallest (the fastest baseline). */
export function modeSpeedups(perBaseline: Partial<Record<BaselineName, number>>): ModeSpeedups {
  const entries = Object.entries(perBaseline) as [BaselineName, number][];
  const [baseline, speedup] = entries.reduce((best, entry) => (entry[1] < best[1] ? entry : best));
  return { perBaseline, best: { baseline, speedup } };
}

function timing(median: number) {
  return { samplesMicroseconds: [median], median, p25: median, p75: median, min: median, max: median };
}

export interface ResultInit {
  status?: EvaluationResult["status"];
  measurement?: EvaluationResult["measurement"];
  /** Speedups per mode and baseline; candidate medians are derived as 100 µs ÷ best speedup. */
  speedups?: Partial<Record<TimingMode, Partial<Record<BaselineName, number>>>>;
  suspect?: boolean;
  reason?: string;
  candidateId?: string;
  taskKey?: string;
}

export function evaluation(init: ResultInit = {}): EvaluationResult {
  const speedups: EvaluationResult["speedups"] = {};
  const timings: EvaluationResult["timing"] = {};
  for (const [mode, perBaseline] of Object.entries(init.speedups ?? {}) as [
    TimingMode,
    Partial<Record<BaselineName, number>>,
  ][]) {
    const figures = modeSpeedups(perBaseline);
    speedups[mode] = figures;
    timings[mode] = { candidate: timing(100 / figures.best.speedup), baselines: {} };
  }
  return {
    candidateId: init.candidateId ?? "c0",
    taskKey: init.taskKey ?? "hgemm.f16f32.nn.256x256x256.sm90",
    status: init.status ?? "ok",
    ...(init.reason ? { reason: init.reason } : {}),
    measurement: init.measurement ?? "measured",
    ...(init.speedups ? { speedups, timing: timings } : {}),
    ...(init.suspect ? { suspect: { reason: "above 3× the best baseline" } } : {}),
    environment: {},
    evaluatedAt: "2025-01-01T00:00:00.000Z",
    durationMilliseconds: 1,
  };
}

/** A candidate for a task with a policy sample (choices and the log-probability they were drawn with). */
export function candidate(
  task: GemmTask,
  source: string,
  policySample?: { policy: string; choices: Record<string, string | number>; logProbability: number },
  extra: Partial<KernelCandidate["provenance"]> = {},
): KernelCandidate {
  return createCandidate({
    task,
    source,
    entry: "kernel",
    launch: { grid: [1, 1, 1], block: [128, 1, 1] },
    provenance: {
      generator: "test",
      parentIds: [],
      ...(policySample ? { policySample } : {}),
      ...extra,
      createdAt: "2025-01-01T00:00:00.000Z",
    },
  });
}
