/**
 * Checks the export on a GPU host, for any CUDA host with nvcc, make and a GPU (bundled as export-check.mjs by
 * scripts/bundle-gpu-tools.mjs):
 *
 *   node export-check.mjs [--family hopper-warp-specialized] [--count 4] [--restrict f.d=v1|v2 ...] [--out DIR]
 *
 * Renders `--count` candidates of one template-generator family for a few shapes (both layouts, not tile
 * multiples), evaluates them with the nvcc evaluator (measured), exports the best correct one per shape with
 * exportKernelLibrary, builds the library with its own Makefile and runs its example on every shape: the
 * exported launchers (tensor maps, clusters, shared memory, workspace) must reproduce the harness's results.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  createContainer,
  createGemmTask,
  defaultConfig,
  type EvaluationRecord,
  loadPluginObjects,
  resolveNamed,
  TOKENS,
  taskKey,
} from "@kernelforge/core";
import nvccEvaluatorPlugin from "@kernelforge/plugin-nvcc-evaluator";
import templateGeneratorPlugin, { parseRestrictionFlags } from "@kernelforge/plugin-template-generator";
import { exportKernelLibrary } from "../src/index.js";

const { values } = parseArgs({
  options: {
    family: { type: "string", default: "hopper-warp-specialized" },
    count: { type: "string", default: "4" },
    restrict: { type: "string", multiple: true },
    out: { type: "string", default: "export-check-output" },
  },
});
const outDirectory = path.resolve(values.out as string);
mkdirSync(outDirectory, { recursive: true });

const container = createContainer(defaultConfig());
await loadPluginObjects(container, [
  {
    plugin: templateGeneratorPlugin,
    options: {
      families: [values.family as string],
      restrict: parseRestrictionFlags((values.restrict as string[] | undefined) ?? []),
    },
  },
  { plugin: nvccEvaluatorPlugin, options: { mode: "measured", samples: 10 } },
]);
const generator = resolveNamed(container, TOKENS.kernelGenerator, "template", "kernel generator");
const evaluator = resolveNamed(container, TOKENS.gpuEvaluator, "nvcc-evaluator", "GPU evaluator");
const device = (await evaluator.describe()).devices.join(", ");

const tasks = [
  createGemmTask({ m: 4096, n: 4096, k: 4096 }),
  createGemmTask({ m: 1000, n: 1000, k: 1000, layout: "linear" }),
  createGemmTask({ m: 4104, n: 4088, k: 1016 }),
  createGemmTask({ m: 17, n: 11008, k: 4096, layout: "linear" }),
];
const evaluations: EvaluationRecord[] = [];
for (const [index, task] of tasks.entries()) {
  const { candidates } = await generator.generate({
    task,
    count: Number(values.count),
    round: 0,
    seed: 31 + index,
  });
  const results = await Promise.all(candidates.map((candidate) => evaluator.evaluate(candidate, task)));
  candidates.forEach((candidate, position) => {
    const result = results[position];
    if (!result) return;
    console.log(`${taskKey(task)} ${candidate.id} ${result.status} ${result.reason ?? ""}`);
    // The export reads candidates and results only; the reward is not part of this check.
    evaluations.push({
      runId: "export-check",
      round: 0,
      taskKey: taskKey(task),
      groupId: `export-check-${index}`,
      groupIndex: position,
      candidate,
      result,
      reward: { candidateId: candidate.id, taskKey: taskKey(task), reward: 0, basis: "none", components: {} },
    });
  });
}
await evaluator.close();

const now = new Date().toISOString();
const exported = await exportKernelLibrary({
  run: {
    runId: "export-check",
    status: "finished",
    measurement: "measured",
    config: defaultConfig(),
    taskKeys: tasks.map((task) => taskKey(task)),
    rounds: 1,
    groupSize: Number(values.count),
    seed: 31,
    components: { generator: "template", evaluator: "nvcc-evaluator" },
    devices: [device],
    createdAt: now,
    updatedAt: now,
  },
  evaluations,
  outDir: path.join(outDirectory, "export"),
});
console.log(`exported ${exported.kernels} kernel(s) into ${path.join(outDirectory, "export")}`);
execFileSync("make", ["-C", path.join(outDirectory, "export")], { stdio: "inherit", timeout: 600_000 });
const example = execFileSync(path.join(outDirectory, "export", "example"), ["all"], {
  encoding: "utf8",
  timeout: 300_000,
});
console.log(example);
