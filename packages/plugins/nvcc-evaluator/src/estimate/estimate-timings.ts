import type {
  BaselineName,
  GemmTask,
  ModeSpeedups,
  ModeTiming,
  TimingMode,
  TimingSummary,
} from "@kernelforge/core";
import { singleValueSummary, speedupsFromTiming } from "../to-evaluation-result.js";
import {
  DEFAULT_EFFICIENCIES,
  type KernelWorkload,
  type ModelEfficiencies,
  type ModelledTime,
  modelTime,
} from "./cost-model.js";
import type { DeviceFigures } from "./device-figures.js";
import { modelBaseline } from "./vendor-model.js";

export interface EstimateRequest {
  device: DeviceFigures;
  task: Pick<GemmTask, "m" | "n" | "k">;
  workload: KernelWorkload;
  modes: readonly TimingMode[];
  baselines: readonly BaselineName[];
  /** Buffer sets the harness would rotate (the evaluator's `bufferSets`): they decide what fits in L2 when hot. */
  bufferSets: number;
  efficiencies?: ModelEfficiencies;
}

export interface EstimateOutcome {
  /** Per mode: the candidate's and each baseline's modelled time, as single-sample summaries with no spread. */
  timing: Partial<Record<TimingMode, ModeTiming>>;
  /** Ratios of the modelled medians, computed exactly as for measured results. */
  speedups: Partial<Record<TimingMode, ModeSpeedups>>;
  /** The candidate's model breakdown per mode. */
  details: Partial<Record<TimingMode, ModelledTime>>;
}

/**
 * Models the candidate and every requested baseline in every requested mode. Throws UnplaceableKernelError
 * when one block of the candidate does not fit on an SM.
 */
export function estimateTimings(request: EstimateRequest): EstimateOutcome {
  const efficiencies = request.efficiencies ?? DEFAULT_EFFICIENCIES;
  const timing: Partial<Record<TimingMode, ModeTiming>> = {};
  const details: Partial<Record<TimingMode, ModelledTime>> = {};
  for (const mode of request.modes) {
    const candidate = modelTime(
      request.device,
      request.workload,
      { mode, bufferSets: request.bufferSets },
      efficiencies,
    );
    details[mode] = candidate;
    const baselines: Partial<Record<BaselineName, TimingSummary>> = {};
    for (const baseline of request.baselines) {
      const modelled = modelBaseline(
        request.device,
        request.task,
        baseline,
        mode,
        request.bufferSets,
        efficiencies,
      );
      baselines[baseline] = singleValueSummary(round(modelled.time.microseconds));
    }
    timing[mode] = { candidate: singleValueSummary(round(candidate.microseconds)), baselines };
  }
  return { timing, speedups: speedupsFromTiming(timing), details };
}

/** Modelled times are kept to 0.01 µs: more digits would suggest a precision the model does not have. */
function round(microseconds: number): number {
  return Math.max(0.01, Math.round(microseconds * 100) / 100);
}
