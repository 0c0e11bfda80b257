import type { ApiVersion } from "../api-version.js";
import type { RetrievedPassage } from "../domain/doc-chunk.js";
import type { GemmTask } from "../domain/gemm-task.js";
import type { KernelCandidate } from "../domain/kernel-candidate.js";
import type { CallOptions } from "./call-options.js";
import type { SamplingPolicy } from "./sampling-policy.js";

/** An earlier candidate shown to a generator with what was measured for it (the contrastive context). */
export interface ContrastiveExample {
  candidate: KernelCandidate;
  /** Median time in microseconds, when it ran correctly. */
  medianMicroseconds?: number;
  /** Speedup over the chosen baseline, when it ran correctly. */
  speedup?: number;
  /** Status and reason when it failed. */
  failure?: { status: string; reason: string };
}

export interface GenerationRequest {
  task: GemmTask;
  /** Number of candidates wanted: the group size G. */
  count: number;
  round: number;
  /** Seed for any randomness, so a run can be repeated. */
  seed: number;
  passages?: RetrievedPassage[];
  context?: ContrastiveExample[];
  policy?: SamplingPolicy;
}

/** A sample that produced no usable candidate (a reply with no code, an invalid launch...), kept and counted. */
export interface GenerationFailure {
  reason: string;
  code: string;
  /** Raw output, for inspection. */
  output?: string;
}

/** Requests and tokens a generator spent (generators that call a model). */
export interface GenerationUsage {
  requests: number;
  inputTokens: number;
  outputTokens: number;
}

export interface GenerationResult {
  candidates: KernelCandidate[];
  failures: GenerationFailure[];
  /** Token and request accounting, for generators that call a model. */
  usage?: GenerationUsage;
}

export interface GenerationCallOptions extends CallOptions {
  /** Text as it is generated (LLM generators), for live display. */
  onText?: (candidateIndex: number, text: string) => void;
}

/**
 * Writes candidate kernels for a task.
 *
 * Invariants: every returned candidate's `taskKey` is the task's key and its `id` is its content hash
 * (`candidateId`); a sample that fails to produce a kernel is reported in `failures`, never thrown; the call
 * throws only for configuration or transport errors it cannot recover from, and when aborted.
 */
export interface KernelGenerator {
  readonly apiVersion: ApiVersion;
  /** Unique name, used in configs and provenance. */
  readonly name: string;
  generate(request: GenerationRequest, options?: GenerationCallOptions): Promise<GenerationResult>;
}
