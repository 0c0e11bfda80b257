import { createGemmTask } from "@kernelforge/core";
import { describe, expect, it } from "vitest";
import { type RewardOptions, rewardOptionsSchema } from "../options.js";
import { evaluation } from "../testing/fixtures.js";
import { SpeedupReward, scoreEvaluation } from "./speedup-reward.js";

const defaults = rewardOptionsSchema.parse({});
const options = (input: Record<string, unknown>): RewardOptions => rewardOptionsSchema.parse(input);
const both = {
  cold: { cublas: 1.2, "cublaslt-heuristic": 1.1, "cublaslt-autotuned": 1.05 },
  hot: { cublas: 1.3, "cublaslt-heuristic": 1.25, "cublaslt-autotuned": 0.9 },
};

describe("scoreEvaluation", () => {
  it("gives every failed status its own configured penalty, below any correct kernel", () => {
    const statuses = ["compile_error", "rejected", "wrong", "runtime_error", "timeout", "compiled"] as const;
    const slowest = scoreEvaluation(
      evaluation({ speedups: { cold: { cublas: 1e-6 }, hot: { cublas: 1e-6 } } }),
      defaults,
    );
    expect(slowest.reward).toBe(defaults.clip.min);
    for (const status of statuses) {
      const record = scoreEvaluation(evaluation({ status, speedups: both }), defaults);
      expect(record).toMatchObject({ basis: status, reward: defaults.penalties[status], candidateId: "c0" });
      expect(record.components).toEqual({ penalty: defaults.penalties[status] });
      expect(record.reward).toBeLessThan(slowest.reward);
    }
    expect(defaults.penalties).toEqual({
      compile_error: -3,
      rejected: -3,
      timeout: -3.5,
      wrong: -4,
      runtime_error: -4,
      compiled: -3,
    });
    const custom = options({ penalties: { wrong: -7 } });
    expect(scoreEvaluation(evaluation({ status: "wrong" }), custom).reward).toBe(-7);
  });

  it("rewards a correct kernel with the mean log speedup over the best baseline of cold and hot", () => {
    const record = scoreEvaluation(evaluation({ speedups: both }), defaults);
    const expected = (Math.log(1.05) + Math.log(0.9)) / 2;
    expect(record.basis).toBe("speedup");
    expect(record.reward).toBeCloseTo(expected, 14);
    expect(record.components).toMatchObject({
      speedup_cold: 1.05,
      speedup_hot: 0.9,
      modes_used: 2,
      clipped: 0,
      clip_min: -2.5,
      clip_max: 1.5,
    });
    expect(record.components.median_us_cold).toBeCloseTo(100 / 1.05, 10);
  });

  it("follows the chosen baseline and mode", () => {
    const result = evaluation({ speedups: both });
    expect(scoreEvaluation(result, options({ baseline: "cublas", mode: "cold" })).reward).toBeCloseTo(
      Math.log(1.2),
      14,
    );
    expect(
      scoreEvaluation(result, options({ baseline: "cublaslt-heuristic", mode: "hot" })).reward,
    ).toBeCloseTo(Math.log(1.25), 14);
    expect(
      scoreEvaluation(result, options({ baseline: "cublaslt-autotuned", mode: "both" })).reward,
    ).toBeCloseTo((Math.log(1.05) + Math.log(0.9)) / 2, 14);
    expect(scoreEvaluation(result, options({ baseline: "best", mode: "hot" })).reward).toBeCloseTo(
      Math.log(0.9),
      14,
    );
    // `both` with one mode measured uses that mode and says so.
    const coldOnly = evaluation({ speedups: { cold: { cublas: 2 } } });
    const record = scoreEvaluation(coldOnly, options({ baseline: "cublas" }));
    expect(record.reward).toBeCloseTo(Math.log(2), 14);
    expect(record.components.modes_used).toBe(1);
  });

  it("gives a correct result without the asked speedup the neutral reward", () => {
    const hotOnly = evaluation({ speedups: { hot: { cublas: 1.5 } } });
    const record = scoreEvaluation(hotOnly, options({ mode: "cold" }));
    expect(record).toMatchObject({ basis: "missing_speedup", reward: -2.5 });
    const noBaseline = scoreEvaluation(hotOnly, options({ baseline: "cublaslt-autotuned" }));
    expect(noBaseline.basis).toBe("missing_speedup");
  });

  it("clips the log speedup to the configured range", () => {
    const fast = scoreEvaluation(
      evaluation({ speedups: { cold: { cublas: 20 }, hot: { cublas: 20 } } }),
      defaults,
    );
    expect(fast).toMatchObject({ reward: 1.5, basis: "speedup" });
    expect(fast.components).toMatchObject({ clipped: 1, log_speedup: Math.log(20) });
    const slow = scoreEvaluation(
      evaluation({ speedups: { cold: { cublas: 0.01 }, hot: { cublas: 0.01 } } }),
      defaults,
    );
    expect(slow.reward).toBe(-2.5);
    const narrow = options({
      clip: { min: -0.5, max: 0.25 },
      penalties: { compile_error: -1, rejected: -1, timeout: -1, wrong: -1, runtime_error: -1, compiled: -1 },
    });
    expect(scoreEvaluation(evaluation({ speedups: { cold: { cublas: 2 } } }), narrow).reward).toBe(0.25);
  });

  it("never rewards a suspect result, and never ranks it above a correct one", () => {
    const suspect = scoreEvaluation(
      evaluation({ speedups: { cold: { cublas: 5 }, hot: { cublas: 5 } }, suspect: true }),
      defaults,
    );
    expect(suspect.basis).toBe("suspect");
    expect(suspect.reward).toBe(defaults.clip.min);
    expect(suspect.components.speedup_cold).toBe(5);
    const slowest = scoreEvaluation(evaluation({ speedups: { cold: { cublas: 1e-9 } } }), defaults);
    expect(suspect.reward).toBeLessThanOrEqual(slowest.reward);
    expect(
      scoreEvaluation(evaluation({ suspect: true, speedups: both }), options({ neutralReward: -2.75 }))
        .reward,
    ).toBe(-2.75);
  });

  it("treats estimated results as estimates: scaled down by default, or neutral", () => {
    const estimated = evaluation({
      measurement: "estimated",
      speedups: { cold: { cublas: 2 }, hot: { cublas: 2 } },
    });
    const scaled = scoreEvaluation(estimated, defaults);
    expect(scaled.basis).toBe("estimated");
    expect(scaled.reward).toBeCloseTo(0.5 * Math.log(2), 14);
    expect(scaled.components.scale).toBe(0.5);
    const neutral = scoreEvaluation(estimated, options({ estimated: { treatment: "neutral" } }));
    expect(neutral).toMatchObject({ basis: "estimated", reward: -2.5 });
    // Failures of an estimated run keep their penalties; a scaled estimate stays above every penalty.
    expect(scoreEvaluation(evaluation({ measurement: "estimated", status: "wrong" }), defaults).reward).toBe(
      -4,
    );
    const slowEstimate = evaluation({ measurement: "estimated", speedups: { cold: { cublas: 1e-9 } } });
    expect(scoreEvaluation(slowEstimate, defaults).reward).toBeGreaterThan(-3);
  });

  it("refuses options under which a failure or an unrewarded result could outrank a correct kernel", () => {
    expect(() => options({ penalties: { wrong: -1 } })).toThrow(/penalties|clip\.min/);
    expect(() => options({ neutralReward: 0 })).toThrow(/neutralReward|clip\.min/);
    expect(() => options({ clip: { min: 0.5 } })).toThrow();
    expect(() => options({ baseline: "cutlass" })).toThrow();
  });

  it("is the RewardModel named speedup-reward", async () => {
    const model = new SpeedupReward({ reward: defaults } as never);
    expect(model).toMatchObject({ name: "speedup-reward", apiVersion: "v1" });
    const task = createGemmTask({ m: 256, n: 256, k: 256 });
    const record = await model.score(evaluation({ speedups: both }), task);
    expect(record).toEqual(scoreEvaluation(evaluation({ speedups: both }), defaults));
    await expect(model.score(evaluation(), task, { signal: AbortSignal.abort() })).rejects.toThrow();
  });
});
