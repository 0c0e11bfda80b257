import type { EvaluationRecord, EvaluationResult, EvaluationStatus, RunRecord } from "@kernelforge/core";

/** What the run view shows for one task. */
export interface TaskSummary {
  taskKey: string;
  /** The task's evaluations of the run's measurement kind, best first (see rankCandidates). */
  candidates: EvaluationRecord[];
  /** The best correct, unsuspected kernel: highest cold speedup over the best baseline (hot when no cold). */
  best?: EvaluationRecord;
  /** Evaluations per status; `suspect` counts the ok ones flagged for review. */
  statusCounts: Partial<Record<EvaluationStatus | "suspect", number>>;
  /** Evaluations of the other measurement kind, left out so the two are never compared. */
  otherMeasurement: number;
}

/** The figure kernels are ranked by: cold speedup over the best baseline, else hot, else none. */
export function rankingSpeedup(result: EvaluationResult): number | undefined {
  return result.speedups?.cold?.best.speedup ?? result.speedups?.hot?.best.speedup;
}

function isRankable(record: EvaluationRecord): boolean {
  return (
    record.result.status === "ok" && !record.result.suspect && rankingSpeedup(record.result) !== undefined
  );
}

/** Correct kernels by speedup (highest first), then suspect ones, then the failures in the order evaluated. */
export function rankCandidates(records: readonly EvaluationRecord[]): EvaluationRecord[] {
  const tier = (record: EvaluationRecord) =>
    isRankable(record) ? 0 : record.result.status === "ok" ? 1 : record.result.status === "compiled" ? 2 : 3;
  return [...records].sort((a, b) => {
    const byTier = tier(a) - tier(b);
    if (byTier !== 0) return byTier;
    if (tier(a) === 0) return (rankingSpeedup(b.result) ?? 0) - (rankingSpeedup(a.result) ?? 0);
    return a.round - b.round || a.groupIndex - b.groupIndex;
  });
}

/** Per task of the run (its own order first, then any other task found in the records). */
export function summarizeRun(run: RunRecord, records: readonly EvaluationRecord[]): TaskSummary[] {
  const keys = [...run.taskKeys];
  for (const record of records) if (!keys.includes(record.taskKey)) keys.push(record.taskKey);
  return keys.map((taskKey) => {
    const all = records.filter((record) => record.taskKey === taskKey);
    const same = all.filter((record) => record.result.measurement === run.measurement);
    const candidates = rankCandidates(same);
    const statusCounts: TaskSummary["statusCounts"] = {};
    for (const record of same) {
      statusCounts[record.result.status] = (statusCounts[record.result.status] ?? 0) + 1;
      if (record.result.status === "ok" && record.result.suspect)
        statusCounts.suspect = (statusCounts.suspect ?? 0) + 1;
    }
    const first = candidates[0];
    return {
      taskKey,
      candidates,
      ...(first && isRankable(first) ? { best: first } : {}),
      statusCounts,
      otherMeasurement: all.length - same.length,
    };
  });
}

const STATUS_ORDER: readonly (EvaluationStatus | "suspect")[] = [
  "ok",
  "suspect",
  "wrong",
  "runtime_error",
  "compile_error",
  "rejected",
  "timeout",
  "compiled",
];

/** `ok 5 · suspect 1 · wrong 2 · compile_error 1`. */
export function formatStatusCounts(counts: TaskSummary["statusCounts"]): string {
  const parts = STATUS_ORDER.filter((status) => counts[status]).map(
    (status) => `${status} ${counts[status]}`,
  );
  return parts.length ? parts.join(" · ") : "no evaluations";
}
