/**
 * The line-delimited JSON protocol of the native harness (packages/gpu-runner/native), protocol version 1.
 * Requests carry `id` and `op`; each gets exactly one reply echoing `id`, with `ok` and either the op's
 * fields or `error`. docs/kernel-abi.md describes the fields in full.
 */

export const HARNESS_PROTOCOL_VERSION = 1;

export interface HarnessErrorBody {
  code: string;
  message: string;
  /** A sticky CUDA error: the harness replied and then exited with status 3. */
  sticky: boolean;
  cuResult?: string;
}

export interface LibraryStatus {
  found: boolean;
  path?: string;
  version?: number;
  versionString?: string;
  searched?: string[];
  error?: string;
}

export interface HelloReply {
  harnessVersion: string;
  protocolVersion: number;
  device: {
    ordinal: number;
    name: string;
    computeCapability: string;
    smCount: number;
    l2Bytes: number;
    sharedPerBlockOptin: number;
    clockKHz: number;
    memoryBytes: number;
    driverVersion: number;
    runtimeVersion: number;
  };
  cublas: LibraryStatus;
  cublasLt: LibraryStatus;
  pid: number;
}

export interface KernelAttributes {
  numRegs: number;
  sharedSizeBytes: number;
  localSizeBytes: number;
  maxThreadsPerBlock: number;
  constSizeBytes: number;
}

export interface LoadReply {
  handle: string;
  entry: string;
  attributes: KernelAttributes;
}

export interface HarnessTask {
  m: number;
  n: number;
  k: number;
  layout: "nn" | "linear";
}

export interface HarnessLaunch {
  grid: [number, number, number];
  block: [number, number, number];
  dynamicSharedBytes: number;
  cluster: [number, number, number] | null;
  workspaceBytes: number;
  zeroWorkspace: boolean;
  /** TMA tensor maps, encoded by the harness per buffer set and passed after the ABI's seven parameters. */
  tensorMaps?: HarnessTensorMap[];
}

export interface HarnessTensorMap {
  operand: "a" | "b" | "c";
  /** [inner, outer] box extents in elements, the contiguous one first. */
  box: [number, number];
  swizzle: "none" | "32B" | "64B" | "128B";
  interleave: "none" | "16B" | "32B";
}

export interface SeedReport {
  seed: number;
  relError?: number;
  nanCount?: number;
  infCount?: number;
  cublasRelError: number | null;
  tolerance: number;
  toleranceSource: string;
  integer?: {
    mismatches: number;
    nanCount: number;
    firstIndex?: number;
    expected?: number;
    got?: number | string;
  };
  guards?: Record<string, { before: number; after: number }>;
  inputsModified?: { A: boolean; B: boolean };
  reason?: string;
}

export interface CheckReport {
  passed: boolean;
  reason: string;
  detail: unknown;
  toleranceSource: string | null;
  toleranceFactor: number;
  toleranceFloor: number;
  seeds: SeedReport[];
}

export interface ContenderStats {
  samplesUs: number[];
  medianUs: number;
  p25Us: number;
  p75Us: number;
  minUs: number;
  maxUs: number;
  meanUs: number;
  tflops: number;
  batch?: number;
  tried?: number;
  winnerIndex?: number;
}

export interface TimingReport {
  modes: Partial<Record<"hot" | "cold", Record<string, ContenderStats>>>;
  samples: number;
  warmup: number;
  bufferSets: number;
  flushBytes: number;
  /** How cold mode emptied L2 (KFORGE_COLD_FLUSH): stores (`write`, the default) or loads (`read`); cold mode only. */
  coldFlush?: "write" | "read";
  shuffleSeed: number;
  gateTimeouts: number;
  baselineChecks: Record<string, unknown>;
  guardViolations: unknown[];
  /** Verification of the candidate's timed launches (each output checked against its set's reference). */
  timedOutputs?: { verifiedLaunches: number; maxRelError: number; tolerance: number; failure?: unknown };
}

export interface Verdict {
  passed: boolean;
  /** ok, wrong_result, unwritten_output, out_of_bounds_write, integer_mismatch, launch_error. */
  reason: string;
  phase: "check" | "timing" | "recheck" | null;
  detail: unknown;
}

export interface EvaluateReply {
  task: HarnessTask;
  kernel: KernelAttributes;
  check: CheckReport;
  timing: TimingReport | null;
  recheck: CheckReport | null;
  verdict: Verdict;
}

export interface TimeReply {
  task: HarnessTask;
  timing: TimingReport;
}

export interface EvaluateRequest {
  handle: string;
  task: HarnessTask;
  launch: HarnessLaunch;
  seeds?: number[];
  recheckSeeds?: number[];
  toleranceFactor?: number;
  modes?: ("hot" | "cold")[];
  baselines?: string[];
  samples?: number;
  warmup?: number;
  bufferSets?: number;
  shuffleSeed?: number;
}
