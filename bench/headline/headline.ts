/**
 * The second half of the headline benchmark (bench/headline/headline.sh runs the first: a measured `kforge run`).
 * On the GPU host, in a new process with its own harness:
 *
 *   node headline.mjs --archive DIR --run-id ID --shapes FILE --unseen FILE [--samples 50] [--run-seconds S]
 *     [--out DIR]
 *
 * 1. The winning kernel of every shape of the run (correct, not suspect, best cold speedup over the fastest
 *    baseline; ties by hot) is evaluated again, every check included, against every baseline, cold and hot,
 *    with `--samples` samples per mode and contender.
 * 2. Generalization: for shapes the run never saw, one kernel drawn by the run's trained policy (no search),
 *    and, for contrast, one uniform draw of the same design space; each evaluated once the same way.
 * Writes headline.json (every figure, raw), headline.md and two SVG charts to --out.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { openRunArchive } from "@kernelforge/archive";
import {
  type BaselineName,
  createContainer,
  createGemmTask,
  defaultConfig,
  type EvaluationResult,
  type KernelCandidate,
  loadPluginObjects,
  resolveNamed,
  type TimingMode,
  TOKENS,
  taskKey,
} from "@kernelforge/core";
import grpoPlugin from "@kernelforge/plugin-grpo";
import nvccEvaluatorPlugin from "@kernelforge/plugin-nvcc-evaluator";
import templateGeneratorPlugin from "@kernelforge/plugin-template-generator";
import { groupedBarChart, selectBest } from "@kernelforge/report";

const { values } = parseArgs({
  options: {
    archive: { type: "string" },
    "run-id": { type: "string" },
    shapes: { type: "string", default: "datasets/shapes/benchmark-subset.json" },
    unseen: { type: "string", default: "datasets/shapes/generalization.json" },
    samples: { type: "string", default: "50" },
    "run-seconds": { type: "string" },
    /** `estimated` only for a dry run on a machine without a GPU; the figures are then labelled so. */
    mode: { type: "string", default: "measured" },
    out: { type: "string", default: "headline-output" },
  },
});
if (!values.archive || !values["run-id"]) {
  console.error("usage: headline.mjs --archive DIR --run-id ID [--shapes FILE] [--unseen FILE] [--out DIR]");
  process.exit(2);
}
const outDirectory = path.resolve(values.out as string);
mkdirSync(outDirectory, { recursive: true });
const runId = values["run-id"] as string;

interface ShapeEntry {
  m: number;
  n: number;
  k: number;
  layout: "nn" | "linear";
  stratum?: string;
}
const readShapes = (file: string) =>
  (JSON.parse(readFileSync(file, "utf8")) as { shapes: ShapeEntry[] }).shapes;

const BASELINES: { key: BaselineName | "best"; label: string }[] = [
  { key: "cublas", label: "cuBLAS default" },
  { key: "cublaslt-heuristic", label: "cuBLASLt heuristic" },
  { key: "cublaslt-autotuned", label: "cuBLASLt autotuned" },
  { key: "best", label: "fastest baseline" },
];
const MODES: TimingMode[] = ["cold", "hot"];

/** CUDA-L2's FLOP classes: small below 2^30, large from 2^36. */
function flopClass(shape: ShapeEntry): "small" | "medium" | "large" {
  const flops = 2 * shape.m * shape.n * shape.k;
  return flops < 2 ** 30 ? "small" : flops >= 2 ** 36 ? "large" : "medium";
}

function speedup(
  result: EvaluationResult,
  mode: TimingMode,
  baseline: BaselineName | "best",
): number | undefined {
  const figures = result.speedups?.[mode];
  const value = baseline === "best" ? figures?.best.speedup : figures?.perBaseline[baseline];
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

function describe(candidate: KernelCandidate): string {
  const configuration = candidate.provenance.configuration as
    | { family?: string; values?: Record<string, unknown> }
    | undefined;
  return configuration?.family
    ? `${configuration.family} ${JSON.stringify(configuration.values ?? {})}`
    : candidate.provenance.generator;
}

const container = createContainer(defaultConfig());
await loadPluginObjects(container, [
  { plugin: templateGeneratorPlugin },
  { plugin: grpoPlugin },
  { plugin: nvccEvaluatorPlugin, options: { mode: values.mode, samples: Number(values.samples) } },
]);
const generator = resolveNamed(container, TOKENS.kernelGenerator, "template", "kernel generator");
const evaluator = resolveNamed(container, TOKENS.gpuEvaluator, "nvcc-evaluator", "GPU evaluator");
const trainer = container.get(TOKENS.policyTrainer);
const description = await evaluator.describe();
console.log(`device: ${description.devices.join(", ")}`);

const archive = await openRunArchive(path.resolve(values.archive as string));
const run = await archive.getRun(runId);
if (!run) {
  console.error(`no run ${runId} in ${values.archive}`);
  process.exit(2);
}
const records = await archive.listEvaluations({ runId });
const winners = selectBest(records);

// 1. Re-time every shape's winner in this process.
const shapes = readShapes(values.shapes as string);
const retimed = await Promise.all(
  shapes.map(async (shape) => {
    const task = createGemmTask(shape);
    const winner = winners.get(taskKey(task));
    if (!winner) return { shape, task, winner: undefined, result: undefined };
    const result = await evaluator.evaluate(winner.candidate, task);
    return { shape, task, winner, result };
  }),
);

// 2. Generalization: the trained policy alone, and one uniform draw, on unseen shapes.
const checkpoint = await archive.latestCheckpoint(runId);
if (checkpoint) await trainer.restore(checkpoint.checkpoint);
const policy = trainer.policy();
const unseen = readShapes(values.unseen as string);
const seenKeys = new Set(shapes.map((shape) => taskKey(createGemmTask(shape))));
const generalization = await Promise.all(
  unseen.map(async (shape, index) => {
    const task = createGemmTask(shape);
    if (seenKeys.has(taskKey(task))) throw new Error(`${taskKey(task)} is in the run's shapes: not unseen`);
    const pick = async (withPolicy: boolean) => {
      const generated = await generator.generate({
        task,
        count: 1,
        round: 0,
        seed: 7919 + index,
        ...(withPolicy ? { policy } : {}),
      });
      const candidate = generated.candidates[0];
      if (!candidate) return { candidate: undefined, result: undefined };
      return { candidate, result: await evaluator.evaluate(candidate, task) };
    };
    return { shape, task, policy: await pick(true), uniform: await pick(false) };
  }),
);
await evaluator.close();
await archive.close();

// Summaries.
const geomean = (list: number[]) =>
  Math.exp(list.reduce((sum, value) => sum + Math.log(value), 0) / list.length);
const mean = (list: number[]) => list.reduce((sum, value) => sum + value, 0) / list.length;
type Row = (typeof retimed)[number];
function summarize(rows: Row[], baseline: BaselineName | "best", mode: TimingMode) {
  const figures = rows
    .map((row) => ({ row, value: row.result ? speedup(row.result, mode, baseline) : undefined }))
    .filter((entry): entry is { row: Row; value: number } => entry.value !== undefined);
  if (figures.length === 0) return undefined;
  const worst = figures.reduce((a, b) => (a.value <= b.value ? a : b));
  return {
    shapes: figures.length,
    missing: rows.length - figures.length,
    geomean: geomean(figures.map((entry) => entry.value)),
    mean: mean(figures.map((entry) => entry.value)),
    winRate: figures.filter((entry) => entry.value > 1).length / figures.length,
    worst: { shape: shapeName(worst.row.shape), speedup: worst.value },
  };
}
const shapeName = (shape: ShapeEntry) => `${shape.m}x${shape.n}x${shape.k} ${shape.layout}`;
const classes = ["all", "small", "medium", "large"] as const;
const summary = Object.fromEntries(
  classes.map((group) => {
    const rows = retimed.filter((row) => group === "all" || flopClass(row.shape) === group);
    return [
      group,
      Object.fromEntries(
        MODES.map((mode) => [
          mode,
          Object.fromEntries(BASELINES.map(({ key }) => [key, summarize(rows, key, mode)])),
        ]),
      ),
    ];
  }),
);
const statuses: Record<string, number> = {};
for (const record of records) statuses[record.result.status] = (statuses[record.result.status] ?? 0) + 1;

/** One generalization pick as the raw JSON records it: the kernel, its status and speedups, or null. */
function pickJson(pick: { candidate?: KernelCandidate; result?: EvaluationResult }) {
  return pick.candidate
    ? { kernel: describe(pick.candidate), status: pick.result?.status, speedups: pick.result?.speedups }
    : null;
}

const raw = {
  runId,
  device: description.devices,
  measurement: values.mode,
  retimeSamples: Number(values.samples),
  run: {
    status: run.status,
    rounds: run.rounds,
    groupSize: run.groupSize,
    tasks: run.taskKeys.length,
    evaluations: records.length,
    statuses,
    seconds: values["run-seconds"] ? Number(values["run-seconds"]) : undefined,
  },
  summary,
  shapes: retimed.map(({ shape, winner, result }) => ({
    shape: shapeName(shape),
    subsetStratum: shape.stratum,
    flopClass: flopClass(shape),
    winner: winner
      ? { candidateId: winner.candidate.id, round: winner.round, kernel: describe(winner.candidate) }
      : null,
    runCold: winner ? speedup(winner.result, "cold", "cublas") : undefined,
    status: result?.status,
    reason: result?.reason,
    timing: result?.timing,
    speedups: result?.speedups,
  })),
  generalization: generalization.map(({ shape, policy: chosen, uniform }) => ({
    shape: shapeName(shape),
    flopClass: flopClass(shape),
    policy: pickJson(chosen),
    uniform: pickJson(uniform),
  })),
};
writeFileSync(path.join(outDirectory, "headline.json"), JSON.stringify(raw, null, 1));

// Charts.
const okRows = retimed.filter((row) => row.result?.status === "ok");
writeFileSync(
  path.join(outDirectory, "headline-per-shape.svg"),
  groupedBarChart({
    title: "Winning kernel per shape, re-timed (cold, L2 flushed)",
    yLabel: "speedup (×)",
    categories: okRows.map((row) => shapeName(row.shape)),
    series: [
      { name: "vs cuBLAS default", values: okRows.map((row) => speedup(row.result!, "cold", "cublas")) },
      {
        name: "vs cuBLASLt autotuned",
        values: okRows.map((row) => speedup(row.result!, "cold", "cublaslt-autotuned")),
      },
    ],
    reference: { value: 1, label: "parity" },
    emptyMessage: "no shape has a correct kernel",
  }),
);
writeFileSync(
  path.join(outDirectory, "headline-by-class.svg"),
  groupedBarChart({
    title: "Geometric mean speedup by FLOP class (cold)",
    yLabel: "geomean speedup (×)",
    categories: classes.map((group) => group),
    series: BASELINES.map(({ key, label }) => ({
      name: `vs ${label}`,
      values: classes.map((group) => summary[group]?.cold?.[key]?.geomean),
    })),
    reference: { value: 1, label: "parity" },
    emptyMessage: "no shape has a correct kernel",
  }),
);

// Markdown.
const format = (value: number | undefined, digits = 3) => (value === undefined ? "–" : value.toFixed(digits));
const lines: string[] = [];
lines.push(
  `${values.mode === "measured" ? "Measured" : "**Estimated (no GPU): not measurements**"}. Device: ${description.devices.join(", ")}. Run \`${runId}\`: ${run.taskKeys.length} shapes, ${run.rounds} rounds × ${run.groupSize} candidates, ${records.length} evaluations${raw.run.seconds ? ` in ${raw.run.seconds} s` : ""} (${Object.entries(
    statuses,
  )
    .map(([status, count]) => `${count} ${status}`)
    .join(
      ", ",
    )}), run status \`${run.status}\`. Winners re-timed in a new process, ${raw.retimeSamples} samples per mode and contender.`,
  "",
);
for (const mode of MODES) {
  lines.push(
    `### ${mode === "cold" ? "Cold (L2 flushed before every launch)" : "Hot (back-to-back launches)"}`,
    "",
    "| FLOP class | shapes | baseline | geomean | mean | win rate | worst shape |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  );
  for (const group of classes) {
    for (const { key, label } of BASELINES) {
      const entry = summary[group]?.[mode]?.[key];
      if (!entry) continue;
      lines.push(
        `| ${group} | ${entry.shapes} | ${label} | ${format(entry.geomean)}× | ${format(entry.mean)}× | ${(entry.winRate * 100).toFixed(0)} % | ${entry.worst.shape} (${format(entry.worst.speedup)}×) |`,
      );
    }
  }
  lines.push("");
}
lines.push(
  "### Per shape (re-timed winner)",
  "",
  "| shape | subset stratum | FLOP class | kernel | cold × cuBLAS | cold × Lt autotuned | hot × cuBLAS | hot × Lt autotuned | kernel cold µs (p25–p75) | cuBLAS cold µs |",
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
);
for (const { shape, winner, result } of retimed) {
  const cold = result?.timing?.cold;
  lines.push(
    `| ${shapeName(shape)} | ${shape.stratum ?? ""} | ${flopClass(shape)} | ${winner ? describe(winner.candidate).split(" ")[0] : "none correct"} | ${result ? format(speedup(result, "cold", "cublas")) : "–"} | ${result ? format(speedup(result, "cold", "cublaslt-autotuned")) : "–"} | ${result ? format(speedup(result, "hot", "cublas")) : "–"} | ${result ? format(speedup(result, "hot", "cublaslt-autotuned")) : "–"} | ${cold ? `${format(cold.candidate.median, 1)} (${format(cold.candidate.p25, 1)}–${format(cold.candidate.p75, 1)})` : "–"} | ${cold?.baselines.cublas ? format(cold.baselines.cublas.median, 1) : "–"} |`,
  );
}
lines.push(
  "",
  "### Generalization: unseen shapes, one kernel each, no search",
  "",
  "| shape | FLOP class | trained policy: kernel | cold × cuBLAS | hot × cuBLAS | one uniform draw: cold × cuBLAS |",
  "| --- | --- | --- | --- | --- | --- |",
);
for (const { shape, policy: chosen, uniform } of generalization) {
  const policyResult = chosen.result;
  lines.push(
    `| ${shapeName(shape)} | ${flopClass(shape)} | ${chosen.candidate ? describe(chosen.candidate).split(" ")[0] : "none"} | ${policyResult?.status === "ok" ? format(speedup(policyResult, "cold", "cublas")) : (policyResult?.status ?? "–")} | ${policyResult?.status === "ok" ? format(speedup(policyResult, "hot", "cublas")) : "–"} | ${uniform.result?.status === "ok" ? format(speedup(uniform.result, "cold", "cublas")) : (uniform.result?.status ?? "–")} |`,
  );
}
/** The cold speedup over cuBLAS of each correct result; incorrect or missing ones are left out. */
const correctCold = (results: (EvaluationResult | undefined)[]) =>
  results
    .map((result) => (result?.status === "ok" ? speedup(result, "cold", "cublas") : undefined))
    .filter((value): value is number => value !== undefined);
const policyCold = correctCold(generalization.map((entry) => entry.policy.result));
const uniformCold = correctCold(generalization.map((entry) => entry.uniform.result));
lines.push(
  "",
  `Geomean cold × cuBLAS over the unseen shapes: trained policy ${policyCold.length ? format(geomean(policyCold)) : "–"}× (${policyCold.length}/${generalization.length} correct), one uniform draw ${uniformCold.length ? format(geomean(uniformCold)) : "–"}× (${uniformCold.length}/${generalization.length} correct).`,
);
writeFileSync(path.join(outDirectory, "headline-tables.md"), `${lines.join("\n")}\n`);

const all = summary.all;
console.log(
  `\nheadline (${okRows.length}/${retimed.length} shapes with a correct winner, cold): ×${format(all?.cold?.cublas?.geomean)} vs cuBLAS, ×${format(all?.cold?.["cublaslt-autotuned"]?.geomean)} vs cuBLASLt autotuned; large ×${format(summary.large?.cold?.cublas?.geomean)} vs cuBLAS; unseen (policy) ×${policyCold.length ? format(geomean(policyCold)) : "–"}`,
);
