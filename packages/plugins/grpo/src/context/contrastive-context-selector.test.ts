import { createGemmTask, taskKey } from "@kernelforge/core";
import { describe, expect, it } from "vitest";
import { grpoPluginOptionsSchema } from "../options.js";
import { candidate, evaluation } from "../testing/fixtures.js";
import { ContrastiveContextSelector } from "./contrastive-context-selector.js";

const task = createGemmTask({ m: 128, n: 4096, k: 4096 });

function entry(speedup: number, measurement: "measured" | "estimated") {
  const kernel = candidate(task, `__global__ void k${speedup}${measurement}() {}`);
  return {
    candidate: kernel,
    result: evaluation({
      candidateId: kernel.id,
      taskKey: taskKey(task),
      measurement,
      speedups: { cold: { cublas: speedup }, hot: { cublas: speedup } },
    }),
  };
}

describe("ContrastiveContextSelector", () => {
  it("shows only results of the run's measurement kind as correct examples, fastest first", () => {
    const selector = new ContrastiveContextSelector(grpoPluginOptionsSchema.parse({}));
    const history = [entry(0.8, "measured"), entry(1.2, "estimated"), entry(0.9, "estimated")];
    const estimated = selector.select(task, history, { measurement: "estimated" });
    expect(estimated.map((example) => example.speedup?.toFixed(2))).toEqual(["1.20", "0.90"]);
    const measured = selector.select(task, history, { measurement: "measured" });
    expect(measured.map((example) => example.speedup?.toFixed(2))).toEqual(["0.80"]);
  });
});
