/**
 * How evaluation throughput scales with the GPUs of one host, for any CUDA host with two or more GPUs (bundled
 * by scripts/bundle-gpu-tools.mjs as multi-gpu.mjs): the same seeded batch of template-generator candidates is
 * evaluated by the nvcc evaluator on one GPU (one harness) and on every chosen GPU (one harness each, one
 * shared compile pool), and the throughputs are compared.
 *
 *   node multi-gpu.mjs [--shapes 2048x2048x2048,4096x4096x4096,128x11008x4096:linear] [--per-shape 32]
 *     [--devices all|0,1] [--samples 20] [--seed 1] [--repeat 1] [--out DIR]
 *
 * Every candidate is compiled first (into the cache both measurements share), so that both measure the same
 * work: screening, the machine-code check and the harness (checks before and after timing, cold and hot timing
 * beside the three baselines); compiles are not part of either figure. With --repeat n the pair is measured n
 * times in alternating order and the medians are reported. Prints candidates per minute for each, the ratio,
 * how the candidates were spread over the GPUs and whether both measurements reached the same verdicts; writes
 * multi-gpu.json to --out.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  ConcurrencyLimit,
  createGemmTask,
  type EvaluationResult,
  type GemmTask,
  type KernelCandidate,
  parseShape,
  quantile,
  taskKey,
} from "@kernelforge/core";
import { CompilePool, listGpus, locateNvcc } from "@kernelforge/gpu-runner";
import { visibleGpus } from "../src/devices/visible-devices.js";
import type { NvccEvaluator } from "../src/index.js";
import { loadBenchPlugins } from "./bench-plugins.js";

const { values } = parseArgs({
  options: {
    shapes: { type: "string", default: "2048x2048x2048,4096x4096x4096,128x11008x4096:linear" },
    "per-shape": { type: "string", default: "32" },
    devices: { type: "string", default: "all" },
    samples: { type: "string", default: "20" },
    seed: { type: "string", default: "1" },
    repeat: { type: "string", default: "1" },
    out: { type: "string", default: process.env.OUT ?? "multi-gpu-output" },
  },
});
const outDirectory = path.resolve(values.out as string);
mkdirSync(outDirectory, { recursive: true });
const cacheDirectory = mkdtempSync(path.join(tmpdir(), "kforge-multi-gpu-"));
const perShape = Number(values["per-shape"]);
const repeat = Math.max(1, Number(values.repeat));
const samples = Number(values.samples);

const listing = await listGpus();
const visible = visibleGpus(listing.gpus, process.env.CUDA_VISIBLE_DEVICES);
const chosen =
  values.devices === "all"
    ? visible.map((gpu) => gpu.index)
    : (values.devices as string).split(",").map((entry) => Number(entry.trim()));
if (chosen.length < 2) {
  console.error(
    `multi-gpu needs at least two GPUs; visible: ${visible.map((gpu) => `${gpu.index} ${gpu.name}`).join(", ") || "none"}${listing.error ? ` (${listing.error})` : ""}`,
  );
  process.exit(2);
}
const first = chosen[0] as number;
console.log(
  `GPUs: ${chosen.map((index) => `${index} ${visible.find((gpu) => gpu.index === index)?.name ?? "?"}`).join(", ")}`,
);

/** An nvcc evaluator on the given GPUs, sharing the compile cache of every other one made here. */
async function evaluatorOn(devices: number[]): Promise<NvccEvaluator> {
  return (await loadBenchPlugins({ mode: "measured", devices, cacheDirectory, samples })).evaluator;
}

// The batch: a seeded sample of the template generator's design space for each shape, duplicates removed.
const { generator } = await loadBenchPlugins({ mode: "estimated" });
const arch = `sm${(visible.find((gpu) => gpu.index === first)?.computeCapability ?? "9.0").replace(".", "")}`;
const batch: { candidate: KernelCandidate; task: GemmTask }[] = [];
const seen = new Set<string>();
for (const shape of (values.shapes as string).split(",")) {
  const [dimensions = shape, layout] = shape.trim().split(":");
  const task = createGemmTask({
    ...parseShape(dimensions),
    layout: layout === "linear" ? "linear" : "nn",
    arch: arch.replace(/a$/, ""),
  });
  const { candidates } = await generator.generate({
    task,
    count: perShape,
    round: 0,
    seed: Number(values.seed),
  });
  for (const candidate of candidates) {
    if (seen.has(candidate.id)) continue;
    seen.add(candidate.id);
    batch.push({ candidate, task });
  }
}
console.log(
  `batch: ${batch.length} distinct candidates over ${(values.shapes as string).split(",").length} shape(s)`,
);

// Compile everything once, so that neither measurement pays for compiles the other gets from the cache.
const nvcc = await locateNvcc();
if (!nvcc) {
  console.error("nvcc was not found (set CUDA_HOME)");
  process.exit(2);
}
const compileStarted = performance.now();
const pool = new CompilePool({ nvcc, cacheDirectory });
const compiled = await Promise.all(
  batch.map(({ candidate }) => pool.compile({ source: candidate.source, arch })),
);
console.log(
  `compiled ${compiled.filter((outcome) => outcome.ok).length}/${batch.length} in ${((performance.now() - compileStarted) / 1000).toFixed(1)} s (not counted below)`,
);

interface Measurement {
  devices: number[];
  harnesses: number;
  concurrency: number;
  seconds: number;
  perMinute: number;
  statuses: Record<string, number>;
  perDevice: { device: string; candidates: number; busySeconds: number; busyPercent: number }[];
  results: Map<string, EvaluationResult>;
}

async function measure(devices: number[]): Promise<Measurement> {
  const evaluator = await evaluatorOn(devices);
  try {
    // Starting the harnesses (and building the harness the first time) is not part of the figure.
    const description = await evaluator.describe();
    const limit = new ConcurrencyLimit(description.concurrency);
    const results = new Map<string, EvaluationResult>();
    const started = performance.now();
    await Promise.all(
      batch.map(({ candidate, task }) =>
        limit.run(async () => {
          results.set(candidate.id, await evaluator.evaluate(candidate, task));
        }),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    const statuses: Record<string, number> = {};
    for (const result of results.values()) statuses[result.status] = (statuses[result.status] ?? 0) + 1;
    const perDevice = (await evaluator.deviceStatistics()).map((usage) => ({
      device: usage.device,
      candidates: usage.completed,
      busySeconds: usage.busyMilliseconds / 1000,
      busyPercent: (100 * usage.busyMilliseconds) / 1000 / seconds,
    }));
    return {
      devices,
      harnesses: description.devices.length,
      concurrency: description.concurrency,
      seconds,
      perMinute: (batch.length / seconds) * 60,
      statuses,
      perDevice,
      results,
    };
  } finally {
    await evaluator.close();
  }
}

function describeMeasurement(label: string, measurement: Measurement): string {
  const spread = measurement.perDevice
    .map((usage) => `${usage.device}: ${usage.candidates} (${usage.busyPercent.toFixed(0)}% busy)`)
    .join("; ");
  return `${label}: ${batch.length} in ${measurement.seconds.toFixed(1)} s = ${measurement.perMinute.toFixed(1)} candidates/min, concurrency ${measurement.concurrency}; statuses ${JSON.stringify(measurement.statuses)}; ${spread}`;
}

const singles: Measurement[] = [];
const multiples: Measurement[] = [];
for (let pass = 0; pass < repeat; pass += 1) {
  // Alternate the order, so that neither always runs on a warmer machine.
  const order = pass % 2 === 0 ? ["single", "multiple"] : ["multiple", "single"];
  for (const which of order) {
    const measurement = which === "single" ? await measure([first]) : await measure(chosen);
    (which === "single" ? singles : multiples).push(measurement);
    console.log(describeMeasurement(`pass ${pass + 1}, ${measurement.harnesses} harness(es)`, measurement));
  }
}

const median = (numbers: number[]) =>
  quantile(
    [...numbers].sort((a, b) => a - b),
    0.5,
  );
const single = median(singles.map((measurement) => measurement.perMinute));
const multiple = median(multiples.map((measurement) => measurement.perMinute));
const ratio = multiple / single;
// The same candidates must reach the same verdicts on one GPU and on several.
const reference = singles[0] as Measurement;
const disagreements = batch
  .map(({ candidate }) => candidate.id)
  .filter((id) =>
    multiples.some(
      (measurement) => measurement.results.get(id)?.status !== reference.results.get(id)?.status,
    ),
  );

const summary = [
  "",
  `== evaluation throughput, ${batch.length} candidates (${[...new Set(batch.map(({ task }) => taskKey(task)))].join(", ")}), samples ${samples}`,
  `1 harness (GPU ${first}): ${single.toFixed(1)} candidates/min`,
  `${chosen.length} harnesses (GPUs ${chosen.join(", ")}): ${multiple.toFixed(1)} candidates/min`,
  `ratio: ${ratio.toFixed(2)}× (ideal ${chosen.length}×; target ≥ ${(0.9 * chosen.length).toFixed(1)}×: ${ratio >= 0.9 * chosen.length ? "met" : "NOT met"})`,
  `verdicts: ${disagreements.length === 0 ? "the same for every candidate" : `${disagreements.length} candidate(s) differ: ${disagreements.slice(0, 5).join(", ")}`}`,
];
console.log(summary.join("\n"));
const forJson = (measurement: Measurement) => {
  const { results: _results, ...rest } = measurement;
  return rest;
};
writeFileSync(
  path.join(outDirectory, "multi-gpu.json"),
  JSON.stringify(
    {
      gpus: chosen.map((index) => visible.find((gpu) => gpu.index === index)),
      batch: {
        candidates: batch.length,
        shapes: [...new Set(batch.map(({ task }) => taskKey(task)))],
        perShape,
        seed: Number(values.seed),
        samples,
      },
      single: { candidatesPerMinute: single, passes: singles.map(forJson) },
      multiple: { candidatesPerMinute: multiple, passes: multiples.map(forJson) },
      ratio,
      verdictDisagreements: disagreements,
    },
    null,
    2,
  ),
);
writeFileSync(path.join(outDirectory, "multi-gpu.txt"), `${summary.join("\n").trim()}\n`);
