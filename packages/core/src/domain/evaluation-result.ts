import type { TimingSummary } from "./timing-summary.js";

/**
 * Outcome of evaluating one candidate.
 * - `compiled`: compiled, not yet run (an intermediate state of pipelined evaluators).
 * - `compile_error`: nvcc refused the source.
 * - `rejected`: refused before running (static screening, an unsupported launch, a suspicious machine code).
 * - `wrong`: ran, but failed a correctness check.
 * - `runtime_error`: faulted or trapped on the device; the harness process was restarted.
 * - `timeout`: compile or run exceeded its time limit.
 * - `ok`: passed every check, before and after timing, and was timed.
 */
export type EvaluationStatus =
  | "compiled"
  | "compile_error"
  | "rejected"
  | "wrong"
  | "runtime_error"
  | "timeout"
  | "ok";

/** Every evaluation status, for checking values read from storage or from another process. */
export const EVALUATION_STATUSES: readonly EvaluationStatus[] = [
  "compiled",
  "compile_error",
  "rejected",
  "wrong",
  "runtime_error",
  "timeout",
  "ok",
];

/** Whether a value is an evaluation status. */
export function isEvaluationStatus(value: unknown): value is EvaluationStatus {
  return typeof value === "string" && (EVALUATION_STATUSES as readonly string[]).includes(value);
}

/** `hot`: back-to-back launches, steady state. `cold`: L2 flushed before each timed launch. */
export type TimingMode = "hot" | "cold";

/** Vendor baselines timed in the same process as the candidate. */
export type BaselineName = "cublas" | "cublaslt-heuristic" | "cublaslt-autotuned";

/**
 * `measured`: times from a GPU. `estimated`: times from a cost model, when no GPU is visible. The two are never
 * mixed or compared; every report carries the label.
 */
export type MeasurementKind = "measured" | "estimated";

/** What `ptxas -v` reported for the kernel. */
export interface CompileReport {
  registers: number;
  sharedBytes: number;
  stackFrameBytes: number;
  spillStoreBytes: number;
  spillLoadBytes: number;
  constantBytes?: number;
  durationMilliseconds: number;
  cached: boolean;
  /** Compiler output, kept for failed compiles and for inspection. */
  log: string;
}

/** Correctness figures of one seeded check. */
export interface SeedCheck {
  seed: number;
  /** ‖C − ref‖_F / ‖ref‖_F against an fp32-accumulated reference. */
  relativeError: number;
  /** The same error measure for cuBLAS on the same inputs, when cuBLAS was available. */
  baselineRelativeError?: number;
  tolerance: number;
  /** Output elements still holding the poison value after the launch. */
  unwrittenElements: number;
  /** Words changed in the guard bands around each buffer. */
  guardViolations: Record<string, number>;
  passed: boolean;
}

export interface CorrectnessReport {
  before: SeedCheck[];
  after: SeedCheck[];
  /** Exact small-integer check: number of elements that differ from the exact result. */
  integerMismatches: number;
  /** Accumulator type found in the machine code's matrix instructions (`none` when it has none). */
  machineCodeAccumulator?: "f32" | "f16" | "none";
}

export interface ModeTiming {
  candidate: TimingSummary;
  baselines: Partial<Record<BaselineName, TimingSummary>>;
}

export interface ModeSpeedups {
  /** Baseline median ÷ candidate median, per baseline (ratios of medians from one process). */
  perBaseline: Partial<Record<BaselineName, number>>;
  /** The fastest baseline in this mode and the speedup over it. */
  best: { baseline: BaselineName; speedup: number };
}

/** Identity of the machine and toolchain that produced a result. */
export interface EvaluationEnvironment {
  device?: string;
  computeCapability?: string;
  driverVersion?: string;
  cudaRuntimeVersion?: string;
  nvccVersion?: string;
  cublasVersion?: string;
  harnessVersion?: string;
  hostname?: string;
}

/** Everything known about one candidate's evaluation. Failed stages leave the later fields absent. */
export interface EvaluationResult {
  candidateId: string;
  taskKey: string;
  status: EvaluationStatus;
  /** Human-readable reason for any status other than `ok` (what was wrong, what to do). */
  reason?: string;
  /** Machine-readable reason code, e.g. `unwritten_output`, `out_of_bounds_write`, `screening:host_api`. */
  reasonCode?: string;
  measurement: MeasurementKind;
  compile?: CompileReport;
  correctness?: CorrectnessReport;
  timing?: Partial<Record<TimingMode, ModeTiming>>;
  speedups?: Partial<Record<TimingMode, ModeSpeedups>>;
  /** Set when a speedup exceeds the review threshold (3× the best baseline): never rewarded until reviewed. */
  suspect?: { reason: string };
  environment: EvaluationEnvironment;
  evaluatedAt: string;
  durationMilliseconds: number;
  /** Time the device (the harness process) spent on this candidate: checks, warm-up and timing. */
  deviceMilliseconds?: number;
}
