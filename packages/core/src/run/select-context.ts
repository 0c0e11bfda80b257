import type { ContrastiveExample } from "../contracts/kernel-generator.js";
import type { EvaluationRecord } from "../contracts/run-archive.js";
import type { EvaluationResult } from "../domain/evaluation-result.js";

/** The speedup a result shows: cold mode over the best baseline, else hot; undefined unless correct. */
export function headlineSpeedup(result: EvaluationResult): number | undefined {
  if (result.status !== "ok" || result.suspect) return undefined;
  return result.speedups?.cold?.best.speedup ?? result.speedups?.hot?.best.speedup;
}

/**
 * The contrastive context of a generation: earlier candidates of the same task with what was measured —
 * the fastest correct ones first (up to `correct`), then failures with their reasons (one per status before
 * repeating a status, newest first, up to `failures`). Suspect results are left out.
 */
export function selectContext(
  records: readonly EvaluationRecord[],
  options: { correct?: number; failures?: number } = {},
): ContrastiveExample[] {
  const wantedCorrect = options.correct ?? 3;
  const wantedFailures = options.failures ?? 2;
  const correct = records
    .map((record) => ({ record, speedup: headlineSpeedup(record.result) }))
    .filter((entry): entry is { record: EvaluationRecord; speedup: number } => entry.speedup !== undefined)
    .sort((a, b) => b.speedup - a.speedup)
    .slice(0, wantedCorrect)
    .map(({ record, speedup }) => {
      const example: ContrastiveExample = { candidate: record.candidate, speedup };
      const median =
        record.result.timing?.cold?.candidate.median ?? record.result.timing?.hot?.candidate.median;
      if (median !== undefined) example.medianMicroseconds = median;
      return example;
    });
  const failed = records.filter((record) => record.result.status !== "ok").reverse();
  const chosen: EvaluationRecord[] = [];
  const statuses = new Set<string>();
  for (const record of failed) {
    if (chosen.length >= wantedFailures) break;
    if (statuses.has(record.result.status)) continue;
    statuses.add(record.result.status);
    chosen.push(record);
  }
  for (const record of failed) {
    if (chosen.length >= wantedFailures) break;
    if (!chosen.includes(record)) chosen.push(record);
  }
  return [
    ...correct,
    ...chosen.map((record) => ({
      candidate: record.candidate,
      failure: { status: record.result.status, reason: record.result.reason ?? record.result.status },
    })),
  ];
}
