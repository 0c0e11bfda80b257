import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { EvaluateReply } from "@kernelforge/gpu-runner";
import { describe, expect, it } from "vitest";
import { describeVerdict, toCorrectnessReport, toTimingAndSpeedups } from "./to-evaluation-result.js";

const reply = JSON.parse(
  readFileSync(
    path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../test/fixtures/evaluate-reply.json"),
    "utf8",
  ),
) as EvaluateReply;

describe("harness reply → EvaluationResult parts", () => {
  it("computes per-baseline speedups as ratios of medians and picks the fastest baseline per mode", () => {
    const { timing, speedups } = toTimingAndSpeedups(reply);
    expect(timing.cold?.candidate.median).toBe(41);
    expect(timing.cold?.baselines["cublaslt-autotuned"]?.samplesMicroseconds).toEqual([29, 29.5, 30]);
    expect(speedups.cold?.perBaseline.cublas).toBeCloseTo(31 / 41, 12);
    expect(speedups.cold?.best).toEqual({ baseline: "cublaslt-autotuned", speedup: 29.5 / 41 });
    expect(speedups.hot?.best).toEqual({ baseline: "cublas", speedup: 25 / 20 });
  });

  it("keeps the checks before and after timing, and fails a seed with NaNs or damaged guards", () => {
    const correctness = toCorrectnessReport(reply, "f32");
    expect(correctness.before.map((seed) => seed.passed)).toEqual([true, true]);
    expect(correctness.before[0]).toMatchObject({
      relativeError: 0.000207,
      baselineRelativeError: 0.000207,
      tolerance: 0.000414,
    });
    expect(correctness.after[0]).toMatchObject({
      passed: false,
      unwrittenElements: 12,
      guardViolations: { C: 4 },
    });
    expect(correctness.machineCodeAccumulator).toBe("f32");
  });

  it("says what failed and when", () => {
    expect(describeVerdict(reply)).toMatch(
      /^some output elements were never written \(after timing, with new inputs on the same buffers\)/,
    );
  });
});
