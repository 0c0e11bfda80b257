import type { ApiVersion } from "../api-version.js";
import type { EvaluationResult, MeasurementKind } from "../domain/evaluation-result.js";
import type { GemmTask } from "../domain/gemm-task.js";
import type { KernelCandidate } from "../domain/kernel-candidate.js";
import type { ContrastiveExample } from "./kernel-generator.js";

/** An earlier candidate of the run with what its evaluation found. */
export interface EvaluatedCandidate {
  candidate: KernelCandidate;
  result: EvaluationResult;
}

/**
 * Chooses the contrastive context of a generation: earlier kernels (of this task or similar ones) with their
 * measured speeds and failure reasons. Optional: without one the run loop shows the task's own fastest kernels
 * and latest failures. The grpo plugin binds one that also draws on similar shapes.
 *
 * Invariants: deterministic for a given task and history; results of the other measurement kind are never
 * shown as correct examples; suspect results are never shown as fast.
 */
export interface ContextSelector {
  readonly apiVersion: ApiVersion;
  readonly name: string;
  select(
    task: GemmTask,
    history: readonly EvaluatedCandidate[],
    options: { measurement: MeasurementKind },
  ): ContrastiveExample[];
}
