/**
 * How close estimate mode comes to the GPU: the same template-generator candidates evaluated twice on a CUDA
 * host, once measured (the native harness) and once estimated (the cost model), with the baselines of both.
 *
 *   node estimate-vs-measured.mjs [--per-shape 8] [--samples 20] [--seed 1] [--out DIR]
 *
 * Prints per shape the measured and modelled best baseline, the median ratio estimated ÷ measured of the
 * candidates' times and the Spearman rank correlation between the two orders, and writes every pair to
 * estimate-vs-measured.json.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  createGemmTask,
  type EvaluationResult,
  type GemmTask,
  type GpuEvaluator,
  type KernelGenerator,
  taskKey,
} from "@kernelforge/core";
import { loadBenchPlugins } from "./bench-plugins.js";

const { values } = parseArgs({
  options: {
    "per-shape": { type: "string", default: "8" },
    samples: { type: "string", default: "20" },
    seed: { type: "string", default: "1" },
    out: { type: "string", default: process.env.OUT ?? "estimate-vs-measured-output" },
  },
});
const outDirectory = path.resolve(values.out as string);
mkdirSync(outDirectory, { recursive: true });
const cacheDirectory = mkdtempSync(path.join(tmpdir(), "kforge-estimate-check-"));
const perShape = Number(values["per-shape"]);

async function load(mode: "measured" | "estimated"): Promise<{
  evaluator: GpuEvaluator;
  generator: KernelGenerator;
}> {
  return loadBenchPlugins({ mode, cacheDirectory, samples: Number(values.samples) });
}

/** Spearman's rank correlation of two equally long samples (average ranks for ties). */
function spearman(a: number[], b: number[]): number {
  const ranks = (values_: number[]) => {
    const order = values_.map((value, index) => ({ value, index })).sort((x, y) => x.value - y.value);
    const result = new Array<number>(values_.length);
    for (let start = 0; start < order.length; ) {
      let end = start;
      while (end + 1 < order.length && order[end + 1]?.value === order[start]?.value) end++;
      for (let index = start; index <= end; index++)
        result[(order[index] as { index: number }).index] = (start + end) / 2;
      start = end + 1;
    }
    return result;
  };
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (ra.length - 1) / 2;
  let covariance = 0;
  let va = 0;
  let vb = 0;
  for (let index = 0; index < ra.length; index++) {
    const da = (ra[index] as number) - mean;
    const db = (rb[index] as number) - mean;
    covariance += da * db;
    va += da * da;
    vb += db * db;
  }
  return va && vb ? covariance / Math.sqrt(va * vb) : Number.NaN;
}

const median = (values_: number[]) => {
  const sorted = [...values_].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

const shapes: GemmTask[] = [
  createGemmTask({ m: 4096, n: 4096, k: 4096 }),
  createGemmTask({ m: 2048, n: 2048, k: 2048 }),
  createGemmTask({ m: 1024, n: 1024, k: 1024 }),
  createGemmTask({ m: 128, n: 11008, k: 4096, layout: "linear" }),
  createGemmTask({ m: 16, n: 14336, k: 4096, layout: "linear" }),
  createGemmTask({ m: 1, n: 4096, k: 4096, layout: "linear" }),
];

const measured = await load("measured");
const estimated = await load("estimated");
console.log(`measured on: ${(await measured.evaluator.describe()).devices.join(", ")}`);
console.log(`estimated as: ${(await estimated.evaluator.describe()).devices.join(", ")}`);

interface Pair {
  task: string;
  candidateId: string;
  configuration: unknown;
  measured: Pick<EvaluationResult, "status" | "reasonCode" | "timing">;
  estimated: Pick<EvaluationResult, "status" | "reasonCode" | "timing">;
}
const pairs: Pair[] = [];
const summary: string[] = [];
for (const task of shapes) {
  const { candidates } = await estimated.generator.generate({
    task,
    count: perShape,
    round: 0,
    seed: Number(values.seed),
  });
  const estimates = await Promise.all(
    candidates.map((candidate) => estimated.evaluator.evaluate(candidate, task)),
  );
  const measurements: EvaluationResult[] = [];
  for (const candidate of candidates) measurements.push(await measured.evaluator.evaluate(candidate, task));
  for (const [index, candidate] of candidates.entries()) {
    const pick = (result: EvaluationResult) => ({
      status: result.status,
      ...(result.reasonCode ? { reasonCode: result.reasonCode } : {}),
      ...(result.timing ? { timing: result.timing } : {}),
    });
    pairs.push({
      task: taskKey(task),
      candidateId: candidate.id,
      configuration: candidate.provenance.configuration,
      measured: pick(measurements[index] as EvaluationResult),
      estimated: pick(estimates[index] as EvaluationResult),
    });
  }
  for (const mode of ["cold", "hot"] as const) {
    const both = candidates
      .map((_, index) => [measurements[index], estimates[index]] as const)
      .filter(([m, e]) => m?.status === "ok" && e?.status === "ok");
    const m = both.map(([result]) => result?.timing?.[mode]?.candidate.median as number);
    const e = both.map(([, result]) => result?.timing?.[mode]?.candidate.median as number);
    const baseline = (result: EvaluationResult | undefined) =>
      Math.min(...Object.values(result?.timing?.[mode]?.baselines ?? {}).map((entry) => entry.median));
    const line =
      `${taskKey(task)} ${mode}: ${both.length}/${candidates.length} ok in both; best baseline measured ` +
      `${baseline(both[0]?.[0]).toFixed(1)} µs, modelled ${baseline(both[0]?.[1]).toFixed(1)} µs; candidates ` +
      `estimated ÷ measured median ${median(e.map((value, index) => value / (m[index] as number))).toFixed(2)} ` +
      `(min ${Math.min(...e.map((value, index) => value / (m[index] as number))).toFixed(2)}, max ` +
      `${Math.max(...e.map((value, index) => value / (m[index] as number))).toFixed(2)}); Spearman ${spearman(m, e).toFixed(2)}`;
    console.log(line);
    summary.push(line);
  }
}
await measured.evaluator.close();
await estimated.evaluator.close();
writeFileSync(
  path.join(outDirectory, "estimate-vs-measured.json"),
  JSON.stringify({ summary, pairs }, null, 1),
);
writeFileSync(path.join(outDirectory, "estimate-vs-measured.txt"), `${summary.join("\n")}\n`);
