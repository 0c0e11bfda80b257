import {
  type EvaluationRecord,
  KernelForgeError,
  type MeasurementKind,
  type RunRecord,
} from "@kernelforge/core";

/**
 * The one measurement kind of a run and its evaluations. Measured and estimated figures are never combined:
 * any evaluation whose kind differs from the run's (or from another evaluation's), or that belongs to another
 * run, is an error.
 */
export function runMeasurement(run: RunRecord, evaluations: readonly EvaluationRecord[]): MeasurementKind {
  const foreign = evaluations.find((record) => record.runId !== run.runId);
  if (foreign) {
    throw new KernelForgeError(
      "run_mismatch",
      `Evaluation of candidate ${foreign.candidate.id} belongs to run ${foreign.runId}, not ${run.runId}`,
      {
        hint: "Pass only the evaluation records of the run being reported (archive.listEvaluations({ runId })).",
      },
    );
  }
  const kinds = new Map<MeasurementKind, number>();
  for (const record of evaluations) {
    kinds.set(record.result.measurement, (kinds.get(record.result.measurement) ?? 0) + 1);
  }
  const other = [...kinds.keys()].filter((kind) => kind !== run.measurement);
  if (other.length > 0) {
    const counts = [...kinds.entries()].map(([kind, count]) => `${count} ${kind}`).join(", ");
    throw new KernelForgeError(
      "mixed_measurements",
      `Run ${run.runId} is ${run.measurement}, but its evaluations are ${counts}: measured and estimated times cannot be combined`,
      {
        hint:
          "Estimated times come from a cost model and measured ones from a GPU; they are never compared. " +
          "Report measured and estimated evaluations as separate runs.",
      },
    );
  }
  return run.measurement;
}
