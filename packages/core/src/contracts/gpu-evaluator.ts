import type { ApiVersion } from "../api-version.js";
import type { EvaluationResult, MeasurementKind } from "../domain/evaluation-result.js";
import type { GemmTask } from "../domain/gemm-task.js";
import type { KernelCandidate } from "../domain/kernel-candidate.js";
import type { CallOptions } from "./call-options.js";

export interface EvaluatorDescription {
  name: string;
  measurement: MeasurementKind;
  /** Devices work is spread over (GPU names, or queue workers). */
  devices: string[];
  /** Candidates that can be in evaluation at once. */
  concurrency: number;
}

/**
 * A machine that evaluates for an evaluator spread over several hosts (a queue worker), as last reported by it.
 * Plain data, for `kforge doctor` and the run dashboard.
 */
export interface EvaluationWorkerStatus {
  /** Unique among the live workers (host name and process id unless named). */
  id: string;
  hostname: string;
  /** What the worker's own evaluator calls its devices (GPU models), one entry per device. */
  devices: string[];
  measurement: MeasurementKind;
  /** The evaluator the worker wraps. */
  evaluator: string;
  /** Candidates it evaluates at once. */
  slots: number;
  /** Slots in use when it last reported. */
  busy: number;
  /** Jobs it has finished since it started. */
  completed: number;
  /** KernelForge version of the worker. */
  version: string;
  startedAt: string;
  lastSeenAt: string;
}

/**
 * Compiles, checks and times candidates.
 *
 * Invariants: a candidate never runs in the caller's process; every failure of a candidate (compile error,
 * crash, timeout, wrong result) is a result with a status and a reason, never a thrown error; the methods throw
 * (a KernelForgeError saying what to do) only when the evaluator itself cannot work — no GPU, no compiler, no
 * baseline library — or when aborted; a speedup is a ratio of medians measured in one process;
 * `measurement` says whether times were measured or estimated.
 */
export interface GpuEvaluator {
  readonly apiVersion: ApiVersion;
  readonly name: string;
  describe(options?: CallOptions): Promise<EvaluatorDescription>;
  evaluate(candidate: KernelCandidate, task: GemmTask, options?: CallOptions): Promise<EvaluationResult>;
  /** Stops helper processes and releases devices. Idempotent. */
  close(): Promise<void>;
}
