import os from "node:os";
import type { EvaluationResult, EvaluationStatus, KernelCandidate, MeasurementKind } from "@kernelforge/core";

/**
 * The result of a candidate the queue could not get evaluated: a job that failed on every attempt (the dead
 * letter), a result that did not come in time, a worker's answer that could not be used. Like any failed
 * evaluation it has a status and a reason, and it is archived as the candidate's result.
 */
export function queueFailureResult(
  candidate: Pick<KernelCandidate, "id" | "taskKey">,
  measurement: MeasurementKind,
  failure: { status: EvaluationStatus; reasonCode: string; reason: string },
  startedAt: number,
): EvaluationResult {
  return {
    candidateId: candidate.id,
    taskKey: candidate.taskKey,
    status: failure.status,
    reasonCode: failure.reasonCode,
    reason: failure.reason,
    measurement,
    environment: { hostname: os.hostname() },
    evaluatedAt: new Date().toISOString(),
    durationMilliseconds: performance.now() - startedAt,
  };
}
