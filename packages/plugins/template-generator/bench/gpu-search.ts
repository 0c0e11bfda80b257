/**
 * GPU measurements of the template generator, for any CUDA host (bundled by scripts/bundle-gpu-tools.mjs):
 *
 *   node template-search.mjs correctness [--points 200] [--families a,b] [--restrict f.d=v1|v2 ...] [--out DIR]
 *       renders a seeded sample of points across both families and both layouts on shapes that are not tile
 *       multiples and runs each through the nvcc-evaluator: every one must pass every check.
 *   node template-search.mjs subset [--per-shape 16] [--shapes datasets/shapes/benchmark-subset.json]
 *       [--deadline-seconds 420] [--families a,b] [--restrict f.d=v1|v2 ...] [--narrow] [--out DIR]
 *       for each shape, the best of a uniform sample of points vs cuBLAS and cuBLASLt autotuned, cold and hot.
 *       --narrow keeps the shapes with M <= 64 or N <= 64; --restrict narrows a dimension of a family to some of
 *       its options (a sub-space), e.g. --restrict tensor-core-tile.reduction=cluster. --retime N evaluates each
 *       shape's winner N more times (all checks, fresh timings) and reports the medians of those ratios too: the
 *       best of a sample is biased upwards by the sample's own noise, the re-timed winner is not. The winner is
 *       chosen on its cold ratio; the point with the best hot ratio is re-timed as well (hot figures only), so that
 *       each mode's best-of-sample figure has a re-timed counterpart chosen in that mode. That point is picked from
 *       the sample's single evaluations, even with --finalists. Re-timing runs after a shape's sample and is not
 *       bounded by --deadline-seconds, which only stops new shapes from starting.
 *       --finalists K (with --finalist-runs R, default 3) picks the winner in two steps: the K best points of the
 *       sample by cold ratio are each evaluated R more times, and the one with the best median cold ratio wins;
 *       --retime then evaluates that winner afresh, so its figure is not the one it was chosen on. A shape's
 *       best-of-sample ratios stay those of the sample; its "winner" is then the chosen finalist.
 *   Both take --samples N (timing samples per mode) and --cold-flush write|read (how cold mode empties L2; see
 *   docs/benchmark-method.md).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  createContainer,
  createGemmTask,
  defaultConfig,
  type EvaluationResult,
  type GemmTask,
  type KernelCandidate,
  loadPluginObjects,
  resolveNamed,
  TOKENS,
  taskKey,
} from "@kernelforge/core";
import nvccEvaluatorPlugin from "@kernelforge/plugin-nvcc-evaluator";
import templateGeneratorPlugin, { parseRestrictionFlags } from "../src/index.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    points: { type: "string", default: "200" },
    "per-shape": { type: "string", default: "16" },
    shapes: { type: "string", default: "datasets/shapes/benchmark-subset.json" },
    "deadline-seconds": { type: "string", default: "420" },
    samples: { type: "string", default: "20" },
    "cold-flush": { type: "string", default: "write" },
    seed: { type: "string", default: "1" },
    families: { type: "string" },
    restrict: { type: "string", multiple: true },
    narrow: { type: "boolean", default: false },
    retime: { type: "string", default: "0" },
    finalists: { type: "string", default: "1" },
    "finalist-runs": { type: "string", default: "3" },
    out: { type: "string", default: process.env.OUT ?? "template-search-output" },
  },
});
const mode = positionals[0];
if (mode !== "correctness" && mode !== "subset") {
  console.error("usage: template-search.mjs correctness|subset [options]");
  process.exit(2);
}
const outDirectory = path.resolve(values.out as string);
mkdirSync(outDirectory, { recursive: true });
const seed = Number(values.seed);

const restrictions = parseRestrictionFlags((values.restrict as string[] | undefined) ?? []);
const generatorOptions = {
  ...(values.families ? { families: (values.families as string).split(",") } : {}),
  ...(Object.keys(restrictions).length ? { restrict: restrictions } : {}),
};

const container = createContainer(defaultConfig());
await loadPluginObjects(container, [
  { plugin: templateGeneratorPlugin, options: generatorOptions },
  {
    plugin: nvccEvaluatorPlugin,
    options: { samples: Number(values.samples), coldFlush: values["cold-flush"] as "write" | "read" },
  },
]);
const generator = resolveNamed(container, TOKENS.kernelGenerator, "template", "kernel generator");
const evaluator = resolveNamed(container, TOKENS.gpuEvaluator, "nvcc-evaluator", "GPU evaluator");
console.log(`device: ${(await evaluator.describe()).devices.join(", ")}`);

function describeCandidate(candidate: KernelCandidate): string {
  const configuration = candidate.provenance.configuration as {
    family: string;
    values: Record<string, unknown>;
  };
  return `${configuration.family} ${JSON.stringify(configuration.values)}`;
}

if (mode === "correctness") {
  const shapes = [
    createGemmTask({ m: 1000, n: 1000, k: 1000 }),
    createGemmTask({ m: 1000, n: 1000, k: 1000, layout: "linear" }),
    createGemmTask({ m: 1, n: 4096, k: 4096, layout: "linear" }),
    createGemmTask({ m: 1, n: 4096, k: 4096 }),
    createGemmTask({ m: 17, n: 11008, k: 4096, layout: "linear" }),
    createGemmTask({ m: 17, n: 11008, k: 4096 }),
    createGemmTask({ m: 4097, n: 4095, k: 1023 }),
    createGemmTask({ m: 4097, n: 4095, k: 1023, layout: "linear" }),
    createGemmTask({ m: 33, n: 2000, k: 999, layout: "linear" }),
    createGemmTask({ m: 777, n: 61, k: 2050 }),
    createGemmTask({ m: 4104, n: 4088, k: 1016 }),
    createGemmTask({ m: 4104, n: 4088, k: 1016, layout: "linear" }),
  ];
  const perShape = Math.ceil(Number(values.points) / shapes.length);
  const generated = await Promise.all(
    shapes.map((task, index) =>
      generator.generate({ task, count: perShape, round: 0, seed: seed * 1000 + index }),
    ),
  );
  const work = generated.flatMap((result, index) =>
    result.candidates.map((candidate) => ({ task: shapes[index] as GemmTask, candidate })),
  );
  // A task no selected family applies to (e.g. TMA rows that are not 16-byte aligned) has no valid point: it is
  // reported as not applicable, not as a failure of the renderer.
  const allFailures = generated.flatMap((result) => result.failures);
  const notApplicable = allFailures.filter((failure) => failure.code === "empty_space");
  const renderFailures = allFailures.filter((failure) => failure.code !== "empty_space");
  const results = await Promise.all(
    work.map(async ({ task, candidate }) => ({
      task,
      candidate,
      result: await evaluator.evaluate(candidate, task),
    })),
  );
  const byFamily: Record<string, Record<string, number>> = {};
  const failures: string[] = [];
  for (const { task, candidate, result } of results) {
    const family = String((candidate.provenance.configuration as { family: string }).family);
    byFamily[family] ??= {};
    const counts = byFamily[family] as Record<string, number>;
    counts[result.status] = (counts[result.status] ?? 0) + 1;
    if (result.status !== "ok")
      failures.push(
        `${taskKey(task)} ${describeCandidate(candidate)}: ${result.status} ${result.reasonCode ?? ""} ${result.reason ?? ""}`,
      );
  }
  writeFileSync(
    path.join(outDirectory, "correctness.json"),
    JSON.stringify(
      {
        evaluated: results.length,
        renderFailures,
        notApplicable,
        byFamily,
        failures,
        results: results.map((entry) => ({
          task: taskKey(entry.task),
          configuration: entry.candidate.provenance.configuration,
          status: entry.result.status,
          reason: entry.result.reason,
          correctness: entry.result.correctness,
        })),
      },
      null,
      1,
    ),
  );
  console.log(failures.slice(0, 20).join("\n"));
  console.log(
    `\ncorrectness: ${results.length} points on ${shapes.length - notApplicable.length} shapes (${notApplicable.length} with no valid point for the selected families), ${renderFailures.length} render failures`,
  );
  for (const [family, counts] of Object.entries(byFamily))
    console.log(`  ${family.padEnd(18)} ${JSON.stringify(counts)}`);
  console.log(`${results.length - failures.length} passed, ${failures.length} failed`);
  await evaluator.close();
  process.exit(failures.length === 0 && renderFailures.length === 0 ? 0 : 1);
}

// subset
type RatioMode = "cold" | "hot";
type RatioBaseline = "cublas" | "cublaslt-autotuned";

/** An evaluation's speedup over one baseline in one mode, 0 when it has none. */
function ratioOf(result: EvaluationResult, mode: RatioMode, baseline: RatioBaseline): number {
  return result.speedups?.[mode]?.perBaseline[baseline] ?? 0;
}

/**
 * Median of the ratios of the evaluations that passed and whose timing is not suspect (the lower middle one for
 * an even count), null when there is none.
 */
function medianOf(
  results: readonly EvaluationResult[],
  mode: RatioMode,
  baseline: RatioBaseline,
): number | null {
  const ratios = results
    .filter((result) => result.status === "ok" && !result.suspect)
    .map((result) => ratioOf(result, mode, baseline))
    .sort((a, b) => a - b);
  return ratios.length ? (ratios[Math.floor((ratios.length - 1) / 2)] as number) : null;
}

interface ShapeEntry {
  m: number;
  n: number;
  k: number;
  layout: "nn" | "linear";
  stratum: string;
}
const shapes = (
  JSON.parse(readFileSync(values.shapes as string, "utf8")) as { shapes: ShapeEntry[] }
).shapes.filter((shape) => !values.narrow || shape.m <= 64 || shape.n <= 64);
const perShape = Number(values["per-shape"]);
const finalistCount = Number(values.finalists);
const finalistRuns = Number(values["finalist-runs"]);
if (
  !Number.isInteger(finalistCount) ||
  finalistCount < 1 ||
  !Number.isInteger(finalistRuns) ||
  finalistRuns < 1
) {
  console.error(
    `--finalists and --finalist-runs take whole numbers >= 1 (got ${values.finalists}, ${values["finalist-runs"]})`,
  );
  process.exit(2);
}
const deadline = performance.now() + Number(values["deadline-seconds"]) * 1000;
const rows: Record<string, unknown>[] = [];
let evaluated = 0;
/** `times` more evaluations of one candidate, one after another (each with every check and fresh timings). */
async function evaluateAgain(
  candidate: KernelCandidate,
  task: GemmTask,
  times: number,
): Promise<EvaluationResult[]> {
  const runs: EvaluationResult[] = [];
  for (let again = 0; again < times; again++) runs.push(await evaluator.evaluate(candidate, task));
  evaluated += runs.length;
  return runs;
}
const started = performance.now();
for (const [index, shape] of shapes.entries()) {
  if (performance.now() > deadline) {
    console.log(`deadline reached: ${shapes.length - index} shapes not measured`);
    break;
  }
  const task = createGemmTask(shape);
  const generation = await generator.generate({
    task,
    count: perShape,
    round: 0,
    seed: seed * 100_000 + index,
  });
  const results: { candidate: KernelCandidate; result: EvaluationResult }[] = await Promise.all(
    generation.candidates.map(async (candidate) => ({
      candidate,
      result: await evaluator.evaluate(candidate, task),
    })),
  );
  evaluated += results.length;
  const correct = results.filter((entry) => entry.result.status === "ok" && !entry.result.suspect);
  const best = (mode: RatioMode, baseline: RatioBaseline) =>
    Math.max(0, ...correct.map((entry) => ratioOf(entry.result, mode, baseline)));
  const ranked = correct.sort(
    (a, b) => ratioOf(b.result, "cold", "cublas") - ratioOf(a.result, "cold", "cublas"),
  );
  let winner = ranked[0];
  // Finalists: the best few of the sample, each evaluated again; the best median cold ratio wins.
  const finalists: Record<string, unknown>[] = [];
  if (finalistCount > 1) {
    let bestMedian = -1;
    for (const entry of ranked.slice(0, finalistCount)) {
      const runs = await evaluateAgain(entry.candidate, task, finalistRuns);
      const cold = medianOf(runs, "cold", "cublas");
      finalists.push({
        configuration: entry.candidate.provenance.configuration,
        sampleColdCublas: entry.result.speedups?.cold?.perBaseline.cublas ?? null,
        statuses: runs.map((result) => result.status),
        coldCublas: cold,
        hotCublas: medianOf(runs, "hot", "cublas"),
      });
      if (cold !== null && cold > bestMedian) {
        bestMedian = cold;
        winner = entry;
      }
    }
  }
  const statuses: Record<string, number> = {};
  for (const entry of results) statuses[entry.result.status] = (statuses[entry.result.status] ?? 0) + 1;
  const retimes = winner ? await evaluateAgain(winner.candidate, task, Number(values.retime)) : [];
  const retimedMedian = (mode: RatioMode, baseline: RatioBaseline) => medianOf(retimes, mode, baseline);
  const retimed = retimes.length
    ? {
        evaluations: retimes.length,
        statuses: retimes.map((result) => result.status),
        coldCublas: retimedMedian("cold", "cublas"),
        coldLtAutotuned: retimedMedian("cold", "cublaslt-autotuned"),
        hotCublas: retimedMedian("hot", "cublas"),
        hotLtAutotuned: retimedMedian("hot", "cublaslt-autotuned"),
      }
    : null;
  // Hot mode ranks the points on its own: re-time the best hot point too (the same runs when it is the winner).
  const hotWinner = correct.reduce<(typeof correct)[number] | undefined>(
    (bestSoFar, entry) =>
      !bestSoFar || ratioOf(entry.result, "hot", "cublas") > ratioOf(bestSoFar.result, "hot", "cublas")
        ? entry
        : bestSoFar,
    undefined,
  );
  const hotRetimes =
    !hotWinner || !retimes.length
      ? []
      : hotWinner === winner
        ? retimes
        : await evaluateAgain(hotWinner.candidate, task, Number(values.retime));
  const retimedHot = hotRetimes.length
    ? {
        configuration: hotWinner?.candidate.provenance.configuration,
        sameAsWinner: hotWinner === winner,
        evaluations: hotRetimes.length,
        statuses: hotRetimes.map((result) => result.status),
        hotCublas: medianOf(hotRetimes, "hot", "cublas"),
        hotLtAutotuned: medianOf(hotRetimes, "hot", "cublaslt-autotuned"),
      }
    : null;
  const row = {
    shape: `${shape.m}x${shape.n}x${shape.k}`,
    layout: shape.layout,
    stratum: shape.stratum,
    evaluated: results.length,
    statuses,
    coldCublas: best("cold", "cublas"),
    coldLtAutotuned: best("cold", "cublaslt-autotuned"),
    hotCublas: best("hot", "cublas"),
    hotLtAutotuned: best("hot", "cublaslt-autotuned"),
    winner: winner ? describeCandidate(winner.candidate) : null,
    winnerColdMicroseconds: winner?.result.timing?.cold?.candidate.median ?? null,
    cublasColdMicroseconds: winner?.result.timing?.cold?.baselines.cublas?.median ?? null,
    retimed,
    retimedHot,
    finalists: finalists.length ? finalists : null,
    points: results.map((entry) => ({
      configuration: entry.candidate.provenance.configuration,
      status: entry.result.status,
      coldCublas: entry.result.speedups?.cold?.perBaseline.cublas ?? null,
      coldMicroseconds: entry.result.timing?.cold?.candidate.median ?? null,
      hotCublas: entry.result.speedups?.hot?.perBaseline.cublas ?? null,
      hotMicroseconds: entry.result.timing?.hot?.candidate.median ?? null,
    })),
  };
  rows.push(row);
  console.log(
    `${row.stratum.padEnd(7)} ${row.shape.padEnd(16)} ${row.layout.padEnd(6)} cold ×${row.coldCublas.toFixed(3)} cuBLAS ×${row.coldLtAutotuned.toFixed(3)} Lt-auto | hot ×${row.hotCublas.toFixed(3)} ×${row.hotLtAutotuned.toFixed(3)}  ${JSON.stringify(statuses)}${
      finalists.length
        ? ` | finalists ${finalists.length}×${finalistRuns}, median cold ×${finalists.map((entry) => (entry.coldCublas as number | null)?.toFixed(3) ?? "-").join(" ×")}`
        : ""
    }${
      retimed
        ? ` | winner re-timed ${retimed.evaluations}×: cold ×${retimed.coldCublas?.toFixed(3) ?? "-"} ×${retimed.coldLtAutotuned?.toFixed(3) ?? "-"} hot ×${retimed.hotCublas?.toFixed(3) ?? "-"} ×${retimed.hotLtAutotuned?.toFixed(3) ?? "-"}`
        : ""
    }${
      retimedHot
        ? ` | best hot point${retimedHot.sameAsWinner ? " (the winner)" : ""} re-timed: hot ×${retimedHot.hotCublas?.toFixed(3) ?? "-"} ×${retimedHot.hotLtAutotuned?.toFixed(3) ?? "-"}`
        : ""
    }`,
  );
}
await evaluator.close();
const geomean = (list: number[]) =>
  list.length ? Math.exp(list.reduce((sum, value) => sum + Math.log(value), 0) / list.length) : Number.NaN;
const summary: Record<string, unknown> = {};
const strata = ["all", "small", "medium", "large", "skinny"];
const lines = [
  "",
  "stratum   shapes  geomean cold (cuBLAS / Lt-auto)  hot (cuBLAS / Lt-auto)  win rate cold vs cuBLAS  worst cold vs cuBLAS",
];
for (const stratum of strata) {
  const selected = rows
    .filter((row) => stratum === "all" || row.stratum === stratum)
    .filter((row) => (row.coldCublas as number) > 0);
  if (!selected.length) continue;
  const pick = (key: string) => selected.map((row) => row[key] as number);
  const worst = selected.reduce((a, b) => ((a.coldCublas as number) < (b.coldCublas as number) ? a : b));
  const entry = {
    shapes: selected.length,
    geomeanColdCublas: geomean(pick("coldCublas")),
    geomeanColdLtAutotuned: geomean(pick("coldLtAutotuned")),
    geomeanHotCublas: geomean(pick("hotCublas")),
    geomeanHotLtAutotuned: geomean(pick("hotLtAutotuned")),
    winRateColdCublas: selected.filter((row) => (row.coldCublas as number) > 1).length / selected.length,
    worst: { shape: worst.shape, layout: worst.layout, coldCublas: worst.coldCublas },
  };
  // Geomeans of re-timed medians (a row field: `retimed`, the cold winners; `retimedHot`, each shape's best hot
  // point), where every shape of the stratum has them; null when no shape was re-timed.
  const retimedGeomeans = (field: string, keys: readonly string[]) => {
    const retimedRows = selected.map((row) => row[field] as Record<string, number | null> | null);
    if (!retimedRows.some((retimed) => retimed)) return null;
    const geomeans: Record<string, number | null> = {};
    for (const key of keys) {
      geomeans[`geomean${key[0]?.toUpperCase()}${key.slice(1)}`] = retimedRows.every(
        (retimed) => retimed && (retimed[key] ?? 0) > 0,
      )
        ? geomean(retimedRows.map((retimed) => retimed?.[key] as number))
        : null;
    }
    return geomeans;
  };
  const retimedSummary = retimedGeomeans("retimed", [
    "coldCublas",
    "coldLtAutotuned",
    "hotCublas",
    "hotLtAutotuned",
  ]);
  const retimedHotSummary = retimedGeomeans("retimedHot", ["hotCublas", "hotLtAutotuned"]);
  summary[stratum] = { ...entry, retimed: retimedSummary, retimedHot: retimedHotSummary };
  lines.push(
    `${stratum.padEnd(9)} ${String(entry.shapes).padStart(6)}  ×${entry.geomeanColdCublas.toFixed(3)} / ×${entry.geomeanColdLtAutotuned.toFixed(3)}            ×${entry.geomeanHotCublas.toFixed(3)} / ×${entry.geomeanHotLtAutotuned.toFixed(3)}     ${(entry.winRateColdCublas * 100).toFixed(0).padStart(3)}%                     ${entry.worst.shape} ${entry.worst.layout} ×${(entry.worst.coldCublas as number).toFixed(3)}`,
  );
  const show = (value: number | null | undefined) => (value == null ? "-" : `×${value.toFixed(3)}`);
  if (retimedSummary) {
    lines.push(
      `${"".padEnd(9)} winners re-timed: cold ${show(retimedSummary.geomeanColdCublas)} / ${show(retimedSummary.geomeanColdLtAutotuned)}   hot ${show(retimedSummary.geomeanHotCublas)} / ${show(retimedSummary.geomeanHotLtAutotuned)}`,
    );
  }
  if (retimedHotSummary) {
    lines.push(
      `${"".padEnd(9)} best hot points re-timed: hot ${show(retimedHotSummary.geomeanHotCublas)} / ${show(retimedHotSummary.geomeanHotLtAutotuned)}`,
    );
  }
}
const minutes = (performance.now() - started) / 60_000;
lines.push(
  `\n${evaluated} evaluations in ${(minutes * 60).toFixed(0)} s (${(evaluated / minutes).toFixed(0)} per minute), ${perShape} points per shape`,
);
writeFileSync(
  path.join(outDirectory, "subset.json"),
  JSON.stringify({ perShape, seed, generatorOptions, evaluated, minutes, rows, summary }, null, 1),
);
console.log(lines.join("\n"));
