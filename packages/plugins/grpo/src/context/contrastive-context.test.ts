import { createGemmTask, taskKey } from "@kernelforge/core";
import { describe, expect, it } from "vitest";
import { candidate, evaluation } from "../testing/fixtures.js";
import {
  type EvaluatedCandidate,
  formatContrastiveMarkdown,
  selectContrastiveExamples,
  shapeDistance,
} from "./contrastive-context.js";

const task = createGemmTask({ m: 128, n: 4096, k: 4096 });
const near = createGemmTask({ m: 256, n: 4096, k: 4096 });
const far = createGemmTask({ m: 4096, n: 4096, k: 64 });

function measured(on = task, speedup: number, name = `s${speedup}`): EvaluatedCandidate {
  const kernel = candidate(on, `__global__ void ${name}() {}`, undefined, {
    configuration: { family: "tc", values: { tile: speedup > 1 ? 128 : 64 } },
  });
  return {
    candidate: kernel,
    result: evaluation({
      candidateId: kernel.id,
      taskKey: taskKey(on),
      speedups: { cold: { cublas: speedup }, hot: { cublas: speedup } },
    }),
  };
}

function failed(
  on: typeof task,
  status: "wrong" | "compile_error" | "timeout",
  name: string,
): EvaluatedCandidate {
  const kernel = candidate(on, `__global__ void ${name}() {}`);
  return {
    candidate: kernel,
    result: evaluation({
      candidateId: kernel.id,
      taskKey: taskKey(on),
      status,
      reason: `${status} because ${name}`,
    }),
  };
}

describe("shapeDistance", () => {
  it("measures log2-shape distance, with a step for another layout and none across architectures", () => {
    expect(shapeDistance(task, task)).toBe(0);
    expect(shapeDistance(task, near)).toBe(1);
    expect(shapeDistance(task, createGemmTask({ m: 128, n: 4096, k: 4096, layout: "linear" }))).toBe(1);
    expect(shapeDistance(task, createGemmTask({ m: 128, n: 4096, k: 4096, arch: "sm80" }))).toBe(Infinity);
  });
});

describe("selectContrastiveExamples", () => {
  it("spans the measured range of the same task: fastest, median, slowest; then failures of distinct statuses", () => {
    const history = [
      measured(task, 0.5),
      measured(task, 1.2),
      measured(task, 0.8),
      measured(task, 0.9),
      measured(task, 1.05),
      failed(task, "wrong", "a"),
      failed(task, "wrong", "b"),
      failed(task, "compile_error", "c"),
      measured(near, 3),
    ];
    const examples = selectContrastiveExamples(task, history);
    expect(examples.map((example) => example.speedup && Number(example.speedup.toFixed(6)))).toEqual([
      1.2,
      0.9,
      0.5,
      undefined,
      undefined,
    ]);
    expect(examples[0]?.medianMicroseconds).toBeCloseTo(100 / 1.2, 10);
    expect(examples.slice(3).map((example) => example.failure?.status)).toEqual(["wrong", "compile_error"]);
    expect(examples[3]?.failure?.reason).toBe("wrong because a");
    // More failures than statuses: statuses repeat only after each has been shown.
    const more = selectContrastiveExamples(task, history, { correct: 1, failures: 3 });
    expect(more.map((example) => example.failure?.status ?? "ok")).toEqual([
      "ok",
      "wrong",
      "compile_error",
      "wrong",
    ]);
  });

  it("falls back to similar shapes, never unconfirmed or estimated speed, nor far or foreign shapes", () => {
    const suspect = measured(task, 5, "suspect");
    suspect.result.suspect = { reason: "too fast" };
    const estimated = measured(task, 4, "estimated");
    estimated.result.measurement = "estimated";
    const history = [
      measured(task, 1.1),
      suspect,
      estimated,
      measured(near, 1.3),
      measured(far, 2),
      measured(createGemmTask({ m: 128, n: 4096, k: 4096, arch: "sm80" }), 1.9, "sm80"),
    ];
    const examples = selectContrastiveExamples(task, history);
    expect(examples.map((example) => example.candidate.taskKey)).toEqual([taskKey(near), taskKey(task)]);
    expect(selectContrastiveExamples(task, history, { maxDistance: 10 })).toHaveLength(3);
    expect(selectContrastiveExamples(task, [])).toEqual([]);
    expect(
      selectContrastiveExamples(task, history, { measurement: "estimated" }).map(
        (example) => example.speedup,
      ),
    ).toEqual([4]);
  });

  it("formats the examples as Markdown with times, speedups, failures and the request to explain", () => {
    const history = [measured(task, 1.2), measured(task, 0.6), failed(task, "timeout", "slowpoke")];
    const markdown = formatContrastiveMarkdown(task, selectContrastiveExamples(task, history));
    expect(markdown).toContain("## Earlier kernels for 128×4096×4096 nn");
    expect(markdown).toContain("| 1 | 128×4096×4096 nn | correct, fastest shown | 83.33 | 1.200× |");
    expect(markdown).toContain("| 2 | 128×4096×4096 nn | correct, slowest shown | 166.67 | 0.600× |");
    expect(markdown).toContain("| 3 | 128×4096×4096 nn | timeout | — | — |");
    expect(markdown).toContain("Reason: timeout because slowpoke");
    expect(markdown).toContain('Configuration: `{"family":"tc","values":{"tile":128}}`');
    expect(markdown).toContain("```cuda\n__global__ void s1.2() {}\n```");
    expect(markdown).toMatch(/First explain what made the fastest kernels fast/);
    const long = measured(task, 1, "x".repeat(100));
    expect(
      formatContrastiveMarkdown(task, selectContrastiveExamples(task, [long]), { maxSourceCharacters: 20 }),
    ).toMatch(/more characters not shown/);
    expect(formatContrastiveMarkdown(task, [])).toContain("No earlier kernel has been measured");
  });
});
