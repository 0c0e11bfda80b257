import {
  candidateId,
  type EvaluationResult,
  type GemmTask,
  gemmTaskSchema,
  isEvaluationStatus,
  type KernelCandidate,
  type MeasurementKind,
  taskKey,
} from "@kernelforge/core";
import { z } from "zod";

/** What a job carries from the orchestrator to a worker: one candidate of one task. */
export interface EvaluationJobData {
  candidate: KernelCandidate;
  task: GemmTask;
  /** The measurement kind of the run that asked; the worker's own must be the same. */
  measurement: MeasurementKind;
  enqueuedAt: string;
}

/** The name of every job (BullMQ jobs have one; the queue holds one kind). */
export const EVALUATION_JOB_NAME = "evaluate";

const jobSchema = z.object({
  candidate: z
    .object({
      id: z.string().regex(/^[0-9a-f]{24}$/, "expected a 24-digit hexadecimal candidate id"),
      taskKey: z.string(),
      source: z.string(),
      entry: z.string(),
      launch: z.record(z.string(), z.unknown()),
      provenance: z
        .object({ generator: z.string(), parentIds: z.array(z.string()), createdAt: z.string() })
        .loose(),
    })
    .loose(),
  task: gemmTaskSchema,
  measurement: z.enum(["measured", "estimated"]),
  enqueuedAt: z.string(),
});

/**
 * Reads a job's data as a worker receives it (anything may be in Redis). Returns the job, or the reason it is
 * unusable: malformed, a candidate whose id is not the hash of its content, or a task that is not its task.
 * The launch descriptor and the source are the evaluator's to check, like those of any candidate.
 */
export function readEvaluationJob(
  data: unknown,
): { ok: true; job: EvaluationJobData } | { ok: false; reason: string } {
  const parsed = jobSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason: `malformed job: ${issue?.path.join(".") || "data"}: ${issue?.message ?? "invalid"}`,
    };
  }
  const job = parsed.data as unknown as EvaluationJobData;
  const expected = candidateId(job.candidate);
  if (expected !== job.candidate.id) {
    return {
      ok: false,
      reason: `the candidate's id ${job.candidate.id} is not the hash of its content (${expected})`,
    };
  }
  if (taskKey(job.task) !== job.candidate.taskKey) {
    return {
      ok: false,
      reason: `the candidate is for ${job.candidate.taskKey}, the job's task is ${taskKey(job.task)}`,
    };
  }
  return { ok: true, job };
}

/**
 * Checks a job's return value before it is handed to the run as the candidate's result: an evaluation result
 * of this candidate and of the run's measurement kind. Returns the reason when it is not.
 */
export function checkReturnedResult(
  value: unknown,
  candidate: Pick<KernelCandidate, "id">,
  measurement: MeasurementKind,
): { ok: true; result: EvaluationResult } | { ok: false; reason: string } {
  if (typeof value !== "object" || value === null)
    return { ok: false, reason: "the worker returned no result" };
  const result = value as Partial<EvaluationResult>;
  if (result.candidateId !== candidate.id) {
    return { ok: false, reason: `the worker returned the result of ${String(result.candidateId)}` };
  }
  if (!isEvaluationStatus(result.status)) {
    return { ok: false, reason: `the worker returned an unknown status ${JSON.stringify(result.status)}` };
  }
  if (result.measurement !== measurement) {
    return {
      ok: false,
      reason: `the worker's result is ${String(result.measurement)}, the run is ${measurement}: the two are never mixed`,
    };
  }
  return { ok: true, result: result as EvaluationResult };
}
