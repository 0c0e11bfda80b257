import type { EvaluationRecord, MeasurementKind, TimingMode } from "@kernelforge/core";
import { formatMicroseconds } from "../format.js";
import { speedupOverBest } from "../select-best.js";
import type { TaskInfo } from "../task-info.js";

/** One kernel of an exported library: the task, the chosen record and the names it gets in the library. */
export interface ExportedKernel {
  task: TaskInfo;
  record: EvaluationRecord;
  /** The renamed `__global__` entry. */
  kernelName: string;
  /** `<kernelName>_launch`, the host launcher. */
  launcherName: string;
  /** Path of its source relative to the library directory (`kernels/<slug>.cu`). */
  file: string;
  measurement: MeasurementKind;
}

/** `cold 1.23x vs cublaslt-autotuned (42.10 us)`, or `cold: not timed`, for one mode. */
export function describeMode(kernel: ExportedKernel, mode: TimingMode, times = "x"): string {
  const figures = kernel.record.result.speedups?.[mode];
  const speedup = speedupOverBest(kernel.record.result, mode);
  if (!figures || speedup === undefined) return `${mode}: not timed`;
  const median = kernel.record.result.timing?.[mode]?.candidate.median;
  const time = median === undefined ? "" : ` (${formatMicroseconds(median)} us)`;
  return `${mode} ${speedup.toFixed(2)}${times} vs ${figures.best.baseline}${time}`;
}

/** Both modes with the measurement label, for provenance comments. */
export function describeFigures(kernel: ExportedKernel, times = "x"): string {
  return `${describeMode(kernel, "cold", times)}, ${describeMode(kernel, "hot", times)} [${kernel.measurement}]`;
}
