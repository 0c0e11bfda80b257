/**
 * GPU check of the evaluation pipeline, for any CUDA host: runs planted-bad kernels through the real
 * nvcc-evaluator (each must be refused for the right reason), times one kernel twice in one run, reads the
 * cuBLAS baselines at 4096³, and measures evaluation throughput on 64 distinct kernels at 2048³.
 *
 *   node gpu-check.mjs [--kernels DIR] [--out DIR] [--compile-only]
 *
 * --kernels: the native self-test kernels (default packages/gpu-runner/native/selftest/kernels).
 * --compile-only: compile every candidate with nvcc and stop (no GPU needed).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  createCandidate,
  createContainer,
  createGemmTask,
  defaultConfig,
  type EvaluationResult,
  type GemmTask,
  type GpuEvaluator,
  type KernelCandidate,
  type LaunchDescriptorInput,
  loadPluginObjects,
  resolveNamed,
  TOKENS,
} from "@kernelforge/core";
import { CompilePool, locateNvcc } from "@kernelforge/gpu-runner";
import nvccEvaluatorPlugin from "../src/index.js";
import { wmmaSource, wmmaVariants } from "./wmma-kernel.js";

const { values } = parseArgs({
  options: {
    kernels: { type: "string", default: "packages/gpu-runner/native/selftest/kernels" },
    out: { type: "string", default: process.env.OUT ?? "gpu-check-output" },
    "compile-only": { type: "boolean", default: false },
  },
});
const outDirectory = path.resolve(values.out as string);
mkdirSync(outDirectory, { recursive: true });
const cacheDirectory = mkdtempSync(path.join(tmpdir(), "kforge-gpu-check-"));
const kernelsDirectory = path.resolve(values.kernels as string);
const common = readFileSync(path.join(kernelsDirectory, "common.cuh"), "utf8").replace("#pragma once", "");

/** A self-test kernel made self-contained (a candidate is one file). */
function selftestSource(name: string): string {
  return readFileSync(path.join(kernelsDirectory, `${name}.cu`), "utf8").replace(
    '#include "common.cuh"',
    common,
  );
}

function candidate(
  task: GemmTask,
  source: string,
  entry: string,
  launch: LaunchDescriptorInput,
  label: string,
): KernelCandidate {
  return createCandidate({
    task,
    source,
    entry,
    launch,
    provenance: {
      generator: "gpu-check",
      parentIds: [],
      configuration: { label },
      createdAt: new Date().toISOString(),
    },
  });
}

const naiveLaunch = (task: GemmTask): LaunchDescriptorInput => ({
  grid: [Math.ceil(task.n / 32), Math.ceil(task.m / 8), 1],
  block: [32, 8, 1],
});

function wmmaCandidate(
  task: GemmTask,
  index: number,
  accumulator: "float" | "half" = "float",
): KernelCandidate {
  const variant = { ...(wmmaVariants()[index] as ReturnType<typeof wmmaVariants>[number]), accumulator };
  const launch = {
    grid: [task.n / variant.blockN, task.m / variant.blockM, 1] as [number, number, number],
    block: [variant.warpsM * variant.warpsN * 32, 1, 1] as [number, number, number],
  };
  return candidate(task, wmmaSource(variant), "hgemm_wmma", launch, `wmma ${JSON.stringify(variant)}`);
}

interface PlantedCase {
  name: string;
  candidate: KernelCandidate;
  task: GemmTask;
  status: EvaluationResult["status"];
  reasonCode?: string;
}

const small = createGemmTask({ m: 512, n: 512, k: 512 });
const naiveSource = selftestSource("naive");
const planted: PlantedCase[] = [
  {
    name: "naive, correct",
    task: small,
    status: "ok",
    candidate: candidate(small, naiveSource, "hgemm_naive_nn", naiveLaunch(small), "naive"),
  },
  {
    name: "wrong result (skips the last k)",
    task: small,
    status: "wrong",
    reasonCode: "wrong_result",
    candidate: candidate(
      small,
      selftestSource("wrong_result"),
      "hgemm_wrong_result",
      naiveLaunch(small),
      "wrong",
    ),
  },
  {
    name: "one unwritten element",
    task: small,
    status: "wrong",
    reasonCode: "unwritten_output",
    candidate: candidate(
      small,
      selftestSource("unwritten"),
      "hgemm_unwritten",
      naiveLaunch(small),
      "unwritten",
    ),
  },
  {
    name: "out-of-bounds write past C",
    task: small,
    status: "wrong",
    reasonCode: "out_of_bounds_write",
    candidate: candidate(small, selftestSource("oob_write"), "hgemm_oob_write", naiveLaunch(small), "oob"),
  },
  {
    name: "fp16 accumulation (scalar HFMA2)",
    task: small,
    status: "rejected",
    reasonCode: "machine_code:f16_accumulation",
    candidate: candidate(
      small,
      selftestSource("fp16_accum"),
      "hgemm_fp16_accum",
      naiveLaunch(small),
      "fp16 scalar",
    ),
  },
  {
    name: "fp16 accumulation (tensor cores)",
    task: small,
    status: "rejected",
    reasonCode: "machine_code:f16_accumulation",
    candidate: wmmaCandidate(small, 10, "half"),
  },
  {
    name: "caches results by pointer",
    task: small,
    status: "rejected",
    reasonCode: "screening:global_state",
    candidate: candidate(
      small,
      selftestSource("ptr_cache"),
      "hgemm_ptr_cache",
      naiveLaunch(small),
      "ptr cache",
    ),
  },
  {
    name: "does not compile",
    task: small,
    status: "compile_error",
    candidate: candidate(
      small,
      selftestSource("no_compile"),
      "hgemm_no_compile",
      naiveLaunch(small),
      "no compile",
    ),
  },
  {
    name: "calls the CUDA runtime",
    task: small,
    status: "rejected",
    reasonCode: "screening:host_api",
    candidate: candidate(
      small,
      naiveSource.replace(
        "C[(size_t)row * N + col] = __float2half_rn(acc);",
        "C[(size_t)row * N + col] = __float2half_rn(acc); cudaDeviceSynchronize();",
      ),
      "hgemm_naive_nn",
      naiveLaunch(small),
      "host api",
    ),
  },
  {
    name: "traps",
    task: small,
    status: "runtime_error",
    candidate: candidate(small, selftestSource("trap"), "hgemm_trap", naiveLaunch(small), "trap"),
  },
  {
    name: "naive again, after the trap",
    task: small,
    status: "ok",
    candidate: candidate(
      small,
      naiveSource.replace("// Correct", "// Again: correct"),
      "hgemm_naive_nn",
      naiveLaunch(small),
      "naive 2",
    ),
  },
];

const medium = createGemmTask({ m: 2048, n: 2048, k: 2048 });
const large = createGemmTask({ m: 4096, n: 4096, k: 4096 });
const throughputCandidates = wmmaVariants()
  .slice(0, 64)
  .map((_, index) => wmmaCandidate(medium, index));

if (values["compile-only"]) {
  const nvcc = await locateNvcc();
  if (!nvcc) throw new Error("nvcc not found");
  const pool = new CompilePool({ nvcc, cacheDirectory });
  const all = [...planted.map((entry) => entry.candidate), ...throughputCandidates];
  const outcomes = await Promise.all(
    all.map((entry) => pool.compile({ source: entry.source, arch: "sm90" })),
  );
  // nvcc must refuse exactly these two: the one that does not compile, and the one calling the runtime from
  // device code (which the evaluator's screening refuses before nvcc ever sees it).
  const meantToFail = new Set(["no compile", "host api"]);
  let unexpected = 0;
  outcomes.forEach((outcome, index) => {
    const label = String(all[index]?.provenance.configuration?.label);
    if (outcome.ok === meantToFail.has(label)) {
      unexpected++;
      console.log(
        `unexpected: ${label} ${outcome.ok ? "compiled" : outcome.log.split("\n").find((line) => /error/.test(line))}`,
      );
    }
  });
  console.log(`compiled ${all.length} candidates: ${unexpected} unexpected outcome(s)`);
  process.exit(unexpected === 0 ? 0 : 1);
}

const config = defaultConfig();
const container = createContainer(config);
await loadPluginObjects(container, [{ plugin: nvccEvaluatorPlugin, options: { cacheDirectory } }]);
const evaluator: GpuEvaluator = resolveNamed(
  container,
  TOKENS.gpuEvaluator,
  "nvcc-evaluator",
  "GPU evaluator",
);
const description = await evaluator.describe();
console.log(`device: ${description.devices.join(", ")}`);
const report: Record<string, unknown> = { device: description.devices[0] };
const lines: string[] = [];

// 1. Planted kernels: each must end with the expected status and reason.
const plantedRows: Record<string, unknown>[] = [];
let plantedFailures = 0;
for (const entry of planted) {
  const result = await evaluator.evaluate(entry.candidate, entry.task);
  const pass =
    result.status === entry.status &&
    (entry.reasonCode === undefined || result.reasonCode === entry.reasonCode);
  if (!pass) plantedFailures++;
  plantedRows.push({
    name: entry.name,
    expected: `${entry.status}${entry.reasonCode ? `/${entry.reasonCode}` : ""}`,
    actual: `${result.status}${result.reasonCode ? `/${result.reasonCode}` : ""}`,
    pass,
    reason: result.reason,
  });
  console.log(
    `${pass ? "PASS" : "FAIL"} ${entry.name}: ${result.status} ${result.reasonCode ?? ""} ${result.reason ?? ""}`.slice(
      0,
      300,
    ),
  );
}
report.planted = plantedRows;

// 2. One kernel evaluated twice in one run: the medians must agree.
const reference = wmmaCandidate(medium, 20);
const first = await evaluator.evaluate(reference, medium);
const second = await evaluator.evaluate(reference, medium);
const agreement: Record<string, number> = {};
for (const mode of ["cold", "hot"] as const) {
  const a = first.timing?.[mode]?.candidate.median;
  const b = second.timing?.[mode]?.candidate.median;
  if (a && b) agreement[mode] = (Math.abs(a - b) / Math.min(a, b)) * 100;
}
report.repeatability = {
  status: [first.status, second.status],
  first: first.timing,
  second: second.timing,
  differencePercent: agreement,
};

// 3. Baselines at 4096³ (timed beside a candidate, in the same process).
const big = await evaluator.evaluate(wmmaCandidate(large, 20), large);
const flops = 2 * 4096 ** 3;
const baselineRows: Record<string, unknown>[] = [];
for (const mode of ["cold", "hot"] as const) {
  const timing = big.timing?.[mode];
  if (!timing) continue;
  for (const [name, summary] of [
    ["candidate (wmma)", timing.candidate],
    ...Object.entries(timing.baselines),
  ] as const) {
    if (!summary) continue;
    baselineRows.push({
      mode,
      name,
      medianMicroseconds: summary.median,
      p25: summary.p25,
      p75: summary.p75,
      tflops: flops / (summary.median * 1e-6) / 1e12,
    });
  }
}
report.baselines4096 = { status: big.status, rows: baselineRows, speedups: big.speedups };

// 4. Throughput: 64 distinct kernels at 2048³, compile + checks + both modes, compiles in parallel.
const started = performance.now();
const results = await Promise.all(throughputCandidates.map((entry) => evaluator.evaluate(entry, medium)));
const minutes = (performance.now() - started) / 60_000;
const statuses: Record<string, number> = {};
for (const result of results) statuses[result.status] = (statuses[result.status] ?? 0) + 1;
const best = results
  .filter((result) => result.status === "ok")
  .map((result) => result.speedups?.cold?.perBaseline.cublas ?? 0)
  .sort((a, b) => b - a)[0];
report.throughput = {
  candidates: results.length,
  minutes,
  perMinute: results.length / minutes,
  statuses,
  bestColdSpeedupOverCublas: best,
};
await evaluator.close();

writeFileSync(path.join(outDirectory, "gpu-check.json"), JSON.stringify(report, null, 2));
lines.push("", "== planted kernels through the evaluator");
for (const row of plantedRows)
  lines.push(
    `${row.pass ? "PASS" : "FAIL"}  ${String(row.name).padEnd(34)} expected ${String(row.expected).padEnd(36)} got ${row.actual}`,
  );
lines.push("", "== one kernel evaluated twice (2048³)");
lines.push(
  `cold medians ${first.timing?.cold?.candidate.median.toFixed(2)} / ${second.timing?.cold?.candidate.median.toFixed(2)} µs: ${agreement.cold?.toFixed(2)}% apart`,
);
lines.push(
  `hot  medians ${first.timing?.hot?.candidate.median.toFixed(2)} / ${second.timing?.hot?.candidate.median.toFixed(2)} µs: ${agreement.hot?.toFixed(2)}% apart`,
);
lines.push("", "== 4096³: median µs (p25–p75), TFLOP/s");
for (const row of baselineRows)
  lines.push(
    `${String(row.mode).padEnd(5)} ${String(row.name).padEnd(20)} ${(row.medianMicroseconds as number).toFixed(1).padStart(9)} (${(row.p25 as number).toFixed(1)}–${(row.p75 as number).toFixed(1)})  ${(row.tflops as number).toFixed(0).padStart(4)}`,
  );
lines.push("", "== throughput: 64 distinct kernels at 2048³, compile + checks + cold and hot timing");
lines.push(
  `${results.length} in ${(minutes * 60).toFixed(1)} s: ${(results.length / minutes).toFixed(1)} candidates/min; statuses ${JSON.stringify(statuses)}`,
);
lines.push("", `planted kernels: ${planted.length - plantedFailures} passed, ${plantedFailures} failed`);
console.log(lines.join("\n"));
process.exit(plantedFailures === 0 ? 0 : 1);
