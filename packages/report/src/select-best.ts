import type { BaselineName, EvaluationRecord, EvaluationResult, TimingMode } from "@kernelforge/core";

/** A result that may count: `ok` and not flagged suspect. */
export function isEligible(result: EvaluationResult): boolean {
  return result.status === "ok" && result.suspect === undefined;
}

/** The speedup over the fastest baseline in a mode, when timed. */
export function speedupOverBest(result: EvaluationResult, mode: TimingMode): number | undefined {
  const value = result.speedups?.[mode]?.best.speedup;
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

/** The speedup over one baseline in a mode, when timed. */
export function speedupOver(
  result: EvaluationResult,
  mode: TimingMode,
  baseline: BaselineName,
): number | undefined {
  const value = result.speedups?.[mode]?.perBaseline[baseline];
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

/**
 * Orders two results best first: the higher cold speedup over the best baseline, then the higher hot one (a
 * missing figure ranks below any figure), then the candidate id, so that the choice is deterministic.
 */
export function compareResults(a: EvaluationResult, b: EvaluationResult): number {
  for (const mode of ["cold", "hot"] as const) {
    const left = speedupOverBest(a, mode) ?? Number.NEGATIVE_INFINITY;
    const right = speedupOverBest(b, mode) ?? Number.NEGATIVE_INFINITY;
    if (left !== right) return right - left;
  }
  return a.candidateId < b.candidateId ? -1 : a.candidateId > b.candidateId ? 1 : 0;
}

/**
 * The best correct kernel of each task: among `ok`, non-suspect records, the highest cold-mode speedup over
 * the best baseline, ties broken by the hot-mode speedup. Records the predicate refuses are skipped. Tasks
 * with no eligible record are absent from the map.
 */
export function selectBest(
  evaluations: readonly EvaluationRecord[],
  accept: (record: EvaluationRecord) => boolean = () => true,
): Map<string, EvaluationRecord> {
  const best = new Map<string, EvaluationRecord>();
  for (const record of evaluations) {
    if (!isEligible(record.result) || !accept(record)) continue;
    const current = best.get(record.taskKey);
    if (!current || compareResults(record.result, current.result) < 0) best.set(record.taskKey, record);
  }
  return best;
}
