/**
 * Evaluates a file of candidates through the nvcc-evaluator on this host's GPU, for any CUDA host:
 *
 *   node evaluate-file.mjs candidates.json [--out results.json] [--samples 20] [--modes cold,hot]
 *
 * candidates.json: { "candidates": [ { "label", "task": { "m", "n", "k", "layout" }, "source", "entry",
 * "launch" } ] }. Compiles overlap; GPU work runs one candidate at a time. Prints one line per candidate and a
 * summary; writes every result to --out.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  type BLayout,
  createCandidate,
  createContainer,
  createGemmTask,
  defaultConfig,
  type EvaluationResult,
  launchDescriptorSchema,
  loadPluginObjects,
  resolveNamed,
  TOKENS,
  taskKey,
} from "@kernelforge/core";
import nvccEvaluatorPlugin from "../src/index.js";

interface CandidateInput {
  label: string;
  task: { m: number; n: number; k: number; layout?: BLayout };
  source: string;
  entry: string;
  launch: unknown;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: "string", default: "evaluate-results.json" },
    samples: { type: "string", default: "20" },
    modes: { type: "string", default: "cold,hot" },
  },
});
const file = positionals[0];
if (!file) {
  console.error(
    "usage: evaluate-file.mjs candidates.json [--out results.json] [--samples N] [--modes cold,hot]",
  );
  process.exit(2);
}
const inputs = (JSON.parse(readFileSync(file, "utf8")) as { candidates: CandidateInput[] }).candidates;
const base = defaultConfig();
const config = {
  ...base,
  evaluation: { ...base.evaluation, modes: (values.modes as string).split(",") as ("hot" | "cold")[] },
};
const container = createContainer(config);
await loadPluginObjects(container, [
  { plugin: nvccEvaluatorPlugin, options: { samples: Number(values.samples) } },
]);
const evaluator = resolveNamed(container, TOKENS.gpuEvaluator, "nvcc-evaluator", "GPU evaluator");
console.log(`device: ${(await evaluator.describe()).devices.join(", ")}; ${inputs.length} candidates`);
const started = performance.now();
const rows = await Promise.all(
  inputs.map(async (input) => {
    const task = createGemmTask({ ...input.task, layout: input.task.layout ?? "nn" });
    const key = taskKey(task);
    const parsed = launchDescriptorSchema.safeParse(input.launch);
    if (!parsed.success)
      return {
        label: input.label,
        task: key,
        result: undefined,
        error: `invalid launch: ${parsed.error.message}`,
      };
    const candidate = createCandidate({
      task,
      source: input.source,
      entry: input.entry,
      launch: parsed.data,
      provenance: {
        generator: "evaluate-file",
        parentIds: [],
        configuration: { label: input.label },
        createdAt: new Date().toISOString(),
      },
    });
    const result: EvaluationResult = await evaluator.evaluate(candidate, task);
    const cold = result.speedups?.cold;
    const hot = result.speedups?.hot;
    console.log(
      [
        input.label.padEnd(48),
        key.padEnd(40),
        `${result.status}${result.reasonCode ? `/${result.reasonCode}` : ""}`.padEnd(36),
        cold
          ? `cold ×${(cold.perBaseline.cublas ?? 0).toFixed(3)} cublas ×${(cold.perBaseline["cublaslt-autotuned"] ?? 0).toFixed(3)} lt-auto`
          : "",
        hot ? `hot ×${(hot.perBaseline.cublas ?? 0).toFixed(3)}` : "",
        result.status === "ok" ? "" : (result.reason ?? "").slice(0, 160),
      ].join(" "),
    );
    return { label: input.label, task: key, result };
  }),
);
await evaluator.close();
const seconds = (performance.now() - started) / 1000;
writeFileSync(values.out as string, JSON.stringify(rows, null, 1));
const statuses: Record<string, number> = {};
for (const row of rows) {
  const status = row.result?.status ?? "invalid";
  statuses[status] = (statuses[status] ?? 0) + 1;
}
console.log(`\n${rows.length} candidates in ${seconds.toFixed(1)} s: ${JSON.stringify(statuses)}`);
