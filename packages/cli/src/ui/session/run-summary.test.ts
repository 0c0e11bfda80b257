import { describe, expect, it } from "vitest";
import { a, runId, skinny, square } from "../../dashboard/testing/run-events.js";
import { evaluationRecord, failedResult, okResult, runRecord } from "../../dashboard/testing/run-fixtures.js";
import { formatStatusCounts, rankCandidates, summarizeRun } from "./run-summary.js";

const fast = evaluationRecord(
  runId,
  1,
  0,
  a[0]!,
  okResult(a[0]!, { cold: { candidate: 900, baselines: { cublas: 1083, "cublaslt-autotuned": 1021 } } }),
  0.2,
);
const slow = evaluationRecord(
  runId,
  0,
  2,
  a[2]!,
  okResult(a[2]!, { cold: { candidate: 1000, baselines: { cublas: 1083, "cublaslt-autotuned": 1021 } } }),
  0.02,
);
const suspect = evaluationRecord(
  runId,
  0,
  3,
  a[3]!,
  okResult(
    a[3]!,
    { cold: { candidate: 200, baselines: { cublas: 1083, "cublaslt-autotuned": 1021 } } },
    { suspect: "5.1× the best baseline" },
  ),
  0,
);
const wrong = evaluationRecord(
  runId,
  0,
  1,
  a[1]!,
  failedResult(a[1]!, "wrong", "mismatch", "relative error 0.41"),
  -1,
);

describe("run summary", () => {
  it("ranks correct kernels by cold speedup over the best baseline, then suspect ones, then failures", () => {
    expect(rankCandidates([wrong, suspect, slow, fast]).map((record) => record.candidate.id)).toEqual([
      a[0]!.id,
      a[2]!.id,
      a[3]!.id,
      a[1]!.id,
    ]);
  });

  it("summarizes each task of the run, keeping the other measurement kind apart", () => {
    const estimated = evaluationRecord(
      runId,
      0,
      4,
      a[2]!,
      okResult(
        a[2]!,
        { cold: { candidate: 500, baselines: { cublas: 1083 } } },
        { measurement: "estimated" },
      ),
      0.5,
    );
    const [first, second] = summarizeRun(runRecord(runId, [square, skinny]), [
      wrong,
      suspect,
      slow,
      fast,
      estimated,
    ]);
    expect(first!.best?.candidate.id).toBe(a[0]!.id);
    expect(first!.best?.result.speedups?.cold?.best.speedup).toBeCloseTo(1021 / 900, 9);
    expect(first!.candidates).toHaveLength(4);
    expect(first!.otherMeasurement).toBe(1);
    expect(formatStatusCounts(first!.statusCounts)).toBe("ok 3 · suspect 1 · wrong 1");
    expect(second!.best).toBeUndefined();
    expect(formatStatusCounts(second!.statusCounts)).toBe("no evaluations");
  });
});
