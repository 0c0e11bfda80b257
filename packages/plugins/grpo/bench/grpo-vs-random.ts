/**
 * GRPO-guided search vs uniform random search on the GPU, for any CUDA host (bundled by
 * scripts/bundle-gpu-tools.mjs):
 *
 *   node grpo-vs-random.mjs [--shapes datasets/shapes/benchmark-subset.json] [--rounds 4] [--group 4]
 *       [--held-out-every 4] [--samples 10] [--seed 1] [--out DIR] [--dry-run]
 *
 * Shapes are split into training shapes and held-out shapes (every Nth). On every shape, random search
 * evaluates rounds × group uniform points. On the training shapes, GRPO evaluates the same number: each round a
 * group per shape drawn from the current policy, then one policy update over all groups. On held-out shapes the
 * trained policy's greedy point (the most probable valid point) is evaluated once and compared with random
 * search's best there. Speedups are cold, vs cuBLAS, ratios of medians from the same process.
 *
 * --dry-run replaces the GPU with a synthetic score (for checking this script's flow on a machine without a
 * GPU); its figures mean nothing and are labelled so.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
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
  loadPluginObjects,
  type PolicyGroup,
  resolveNamed,
  TOKENS,
  taskKey,
} from "@kernelforge/core";
import nvccEvaluatorPlugin from "@kernelforge/plugin-nvcc-evaluator";
import templateGeneratorPlugin, {
  archLimits,
  choiceName,
  type DesignPoint,
  type TemplateGenerator,
} from "@kernelforge/plugin-template-generator";
import { computeAdvantages } from "../src/grpo/grpo-math.js";
import { rewardOptionsSchema } from "../src/options.js";
import { createDesignSpaceTrainer } from "../src/policy/design-space-trainer.js";
import { scoreEvaluation } from "../src/reward/speedup-reward.js";

const { values } = parseArgs({
  options: {
    shapes: { type: "string", default: "datasets/shapes/benchmark-subset.json" },
    rounds: { type: "string", default: "4" },
    group: { type: "string", default: "4" },
    "held-out-every": { type: "string", default: "4" },
    samples: { type: "string", default: "10" },
    seed: { type: "string", default: "1" },
    "learning-rate": { type: "string", default: "0.1" },
    out: { type: "string", default: process.env.OUT ?? "grpo-vs-random-output" },
    "dry-run": { type: "boolean", default: false },
  },
});
const rounds = Number(values.rounds);
const groupSize = Number(values.group);
const budget = rounds * groupSize;
const seed = Number(values.seed);
const dryRun = values["dry-run"] === true;
const outDirectory = path.resolve(values.out as string);
mkdirSync(outDirectory, { recursive: true });

interface ShapeEntry {
  m: number;
  n: number;
  k: number;
  layout: "nn" | "linear";
  stratum: string;
}
const entries = (JSON.parse(readFileSync(values.shapes as string, "utf8")) as { shapes: ShapeEntry[] })
  .shapes;
const every = Number(values["held-out-every"]);
const tasks = entries.map((entry) => ({ task: createGemmTask(entry), stratum: entry.stratum }));
const training = tasks.filter((_, index) => index % every !== every - 1);
const heldOut = tasks.filter((_, index) => index % every === every - 1);

const container = createContainer(defaultConfig());
await loadPluginObjects(container, [
  { plugin: templateGeneratorPlugin },
  { plugin: nvccEvaluatorPlugin, options: { samples: Number(values.samples) } },
]);
const generator = resolveNamed(
  container,
  TOKENS.kernelGenerator,
  "template",
  "kernel generator",
) as TemplateGenerator;
const realEvaluator = resolveNamed(container, TOKENS.gpuEvaluator, "nvcc-evaluator", "GPU evaluator");
const rewardOptions = rewardOptionsSchema.parse({ baseline: "cublas", mode: "cold" });
const trainer = createDesignSpaceTrainer({
  policy: { seed },
  grpo: { learningRate: Number(values["learning-rate"]) },
});

/** The synthetic stand-in of --dry-run: a deterministic score from the candidate's id. Never a measurement. */
const dryEvaluator: Pick<GpuEvaluator, "evaluate"> = {
  async evaluate(candidate) {
    const speedup = 0.3 + (Number.parseInt(candidate.id.slice(0, 6), 16) % 1000) / 1000;
    const summary = (median: number) => ({
      samplesMicroseconds: [median],
      median,
      p25: median,
      p75: median,
      min: median,
      max: median,
    });
    return {
      candidateId: candidate.id,
      taskKey: candidate.taskKey,
      status: "ok",
      measurement: "estimated",
      timing: { cold: { candidate: summary(100), baselines: { cublas: summary(100 * speedup) } } },
      speedups: { cold: { perBaseline: { cublas: speedup }, best: { baseline: "cublas", speedup } } },
      environment: {},
      evaluatedAt: new Date().toISOString(),
      durationMilliseconds: 0,
    };
  },
};
const evaluator = dryRun ? dryEvaluator : realEvaluator;
if (!dryRun) console.log(`device: ${(await realEvaluator.describe()).devices.join(", ")}`);
else console.log("DRY RUN: synthetic scores, not measurements");

const speedupOf = (result: EvaluationResult) =>
  result.status === "ok" && !result.suspect ? (result.speedups?.cold?.perBaseline.cublas ?? 0) : 0;
const evaluate = (candidate: KernelCandidate, task: GemmTask) => evaluator.evaluate(candidate, task);
const started = performance.now();

// Random search: rounds × group uniform points on every shape.
const randomBest = new Map<string, number>();
const randomTrace = new Map<string, number[]>();
await Promise.all(
  tasks.map(async ({ task }, index) => {
    const generation = await generator.generate({ task, count: budget, round: 0, seed: seed * 7919 + index });
    const speedups = await Promise.all(
      generation.candidates.map(async (candidate) => speedupOf(await evaluate(candidate, task))),
    );
    randomTrace.set(taskKey(task), speedups);
    randomBest.set(taskKey(task), Math.max(0, ...speedups));
  }),
);
console.log(`random search done: ${tasks.length} shapes × ${budget} points`);

// GRPO on the training shapes.
const grpoTrace = new Map<string, number[]>(training.map(({ task }) => [taskKey(task), []]));
const updates: Record<string, unknown>[] = [];
for (let round = 0; round < rounds; round++) {
  const policy = trainer.policy();
  const groups = await Promise.all(
    training.map(async ({ task }, index): Promise<PolicyGroup | undefined> => {
      const generation = await generator.generate({
        task,
        count: groupSize,
        round: round + 1,
        seed: seed * 104729 + index,
        policy,
      });
      const results = await Promise.all(generation.candidates.map((candidate) => evaluate(candidate, task)));
      (grpoTrace.get(taskKey(task)) as number[]).push(...results.map(speedupOf));
      if (generation.candidates.length < 2) return undefined;
      const rewards = results.map((result) => scoreEvaluation(result, rewardOptions));
      const groupId = `${taskKey(task)}#${round}`;
      const advantages = computeAdvantages(rewards, groupId, 1e-6);
      return {
        task,
        groupId,
        samples: generation.candidates.map((candidate, position) => ({
          candidate,
          advantage: advantages[position] as (typeof advantages)[number],
        })),
      };
    }),
  );
  const report = await trainer.update(groups.filter((group): group is PolicyGroup => group !== undefined));
  updates.push({ round, ...report });
  console.log(`GRPO round ${round + 1}/${rounds}: ${JSON.stringify(report.metrics)}`);
}

// Held-out shapes: the trained policy's most probable valid point, evaluated once.
const finalPolicy = trainer.policy();
const heldOutRows: Record<string, unknown>[] = [];
await Promise.all(
  heldOut.map(async ({ task, stratum }) => {
    const limits = archLimits(task.arch);
    const space = generator.space;
    const cache = new Map<string, number[]>();
    const logProbability = (point: DesignPoint) => {
      const family = space.family(point.family);
      const familyNames = space.familiesFor(task).map((entry) => entry.name);
      const probability = (choice: string, options: readonly (string | number)[], value: string | number) => {
        let probabilities = cache.get(choice);
        if (!probabilities) {
          probabilities = finalPolicy.probabilities(task, choice, options);
          cache.set(choice, probabilities);
        }
        return Math.log(probabilities[options.indexOf(value)] ?? 0);
      };
      let total = probability("family", familyNames, point.family);
      for (const dimension of family.dimensions) {
        total += probability(
          choiceName(family.name, dimension.name),
          dimension.options,
          point.values[dimension.name] as string | number,
        );
      }
      return total;
    };
    let greedy: DesignPoint | undefined;
    let greedyScore = Number.NEGATIVE_INFINITY;
    for (const point of space.validPoints(task, limits)) {
      const score = logProbability(point);
      if (score > greedyScore) {
        greedy = point;
        greedyScore = score;
      }
    }
    if (!greedy) return;
    const rendered = space.family(greedy.family).render(greedy.values, task, limits);
    const candidate = createCandidate({
      task,
      ...rendered,
      provenance: {
        generator: "template",
        parentIds: [],
        configuration: { family: greedy.family, values: greedy.values },
        createdAt: new Date().toISOString(),
      },
    });
    const key = candidate.taskKey;
    const speedup = speedupOf(await evaluate(candidate, task));
    heldOutRows.push({
      shape: key,
      stratum,
      greedySpeedup: speedup,
      randomBestSpeedup: randomBest.get(key),
      randomEvaluations: budget,
      greedyPoint: greedy,
    });
  }),
);
if (!dryRun) await realEvaluator.close();

const geomean = (list: number[]) =>
  Math.exp(list.reduce((sum, value) => sum + Math.log(Math.max(value, 1e-3)), 0) / list.length);
const trainingRows = training.map(({ task, stratum }) => {
  const key = taskKey(task);
  const grpo = grpoTrace.get(key) as number[];
  const target = randomBest.get(key) as number;
  let running = 0;
  let reachedAt: number | null = null;
  grpo.forEach((speedup, index) => {
    running = Math.max(running, speedup);
    if (reachedAt === null && running >= target) reachedAt = index + 1;
  });
  return {
    shape: key,
    stratum,
    randomBest: target,
    grpoBest: Math.max(0, ...grpo),
    grpoEvaluationsToReachRandomBest: reachedAt,
  };
});
const summary = {
  dryRun,
  budgetPerShape: budget,
  rounds,
  groupSize,
  minutes: (performance.now() - started) / 60_000,
  training: {
    shapes: trainingRows.length,
    geomeanRandomBest: geomean(trainingRows.map((row) => row.randomBest)),
    geomeanGrpoBest: geomean(trainingRows.map((row) => row.grpoBest)),
    grpoBetter: trainingRows.filter((row) => row.grpoBest > row.randomBest).length,
    reachedRandomBest: trainingRows.filter((row) => row.grpoEvaluationsToReachRandomBest !== null).length,
    meanEvaluationsToReach:
      trainingRows
        .filter((row) => row.grpoEvaluationsToReachRandomBest !== null)
        .reduce((sum, row) => sum + (row.grpoEvaluationsToReachRandomBest as number), 0) /
      Math.max(1, trainingRows.filter((row) => row.grpoEvaluationsToReachRandomBest !== null).length),
  },
  heldOut: {
    shapes: heldOutRows.length,
    geomeanGreedy: geomean(heldOutRows.map((row) => row.greedySpeedup as number)),
    geomeanRandomBest: geomean(heldOutRows.map((row) => row.randomBestSpeedup as number)),
    greedyAtLeastRandom: heldOutRows.filter(
      (row) => (row.greedySpeedup as number) >= (row.randomBestSpeedup as number),
    ).length,
  },
};
writeFileSync(
  path.join(outDirectory, "grpo-vs-random.json"),
  JSON.stringify(
    {
      summary,
      trainingRows,
      heldOutRows,
      updates,
      randomTrace: Object.fromEntries(randomTrace),
      grpoTrace: Object.fromEntries(grpoTrace),
    },
    null,
    1,
  ),
);
for (const row of trainingRows)
  console.log(
    `train ${row.stratum.padEnd(7)} ${row.shape.padEnd(40)} random ×${row.randomBest.toFixed(3)}  GRPO ×${row.grpoBest.toFixed(3)}  reached after ${row.grpoEvaluationsToReachRandomBest ?? "—"}`,
  );
for (const row of heldOutRows)
  console.log(
    `held  ${String(row.stratum).padEnd(7)} ${String(row.shape).padEnd(40)} random best of ${budget} ×${(row.randomBestSpeedup as number).toFixed(3)}  greedy ×${(row.greedySpeedup as number).toFixed(3)}`,
  );
console.log(JSON.stringify(summary, null, 1));
