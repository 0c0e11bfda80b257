import {
  createGemmTask,
  type GemmTask,
  type PolicyGroup,
  type SamplingPolicy,
  taskKey,
} from "@kernelforge/core";
import { groupAdvantages } from "../../src/grpo/grpo-math.js";
import type { DesignSpaceGrpoTrainer } from "../../src/policy/design-space-trainer.js";
import { createRng, deriveSeed, type Rng } from "../../src/random.js";
import { candidate } from "../../src/testing/fixtures.js";

/**
 * A synthetic design space shaped like the template generator's (a family, then that family's dimensions) with a
 * known, shape-dependent optimum. No GPU: the "measured" reward is a deterministic function of task and point
 * plus Gaussian noise.
 *
 * - `skinny` is offered only when min(M, N) ≤ 64 (the `family` options depend on the task, as in the real space);
 *   there it beats `tc` by 0.6. Its best `rows` is 2 when M ≤ 16, else 8; its best `split` is 4 when K ≥ 4096,
 *   else 1.
 * - `tc`: best `tile` 64 when min(M, N) ≤ 512, 256 when min(M, N) ≥ 2048, else 128; best `stages` 4 when
 *   K ≥ 2048, else 3; best `warps` 8 when min(M, N) ≥ 2048, else 4. The pair (tile 64, warps 8) fails (reward −3,
 *   like a rejected kernel).
 * - Each dimension costs 0.3 per option-step away from its best option.
 */
export const DIMENSIONS: Record<string, Record<string, readonly number[]>> = {
  tc: { tile: [64, 128, 256], stages: [2, 3, 4], warps: [4, 8] },
  skinny: { rows: [1, 2, 4, 8], split: [1, 2, 4, 8] },
};

export type Point = { family: string; values: Record<string, number> };

export function familiesFor(task: GemmTask): string[] {
  return Math.min(task.m, task.n) <= 64 ? ["tc", "skinny"] : ["tc"];
}

function skinnyOptimum(task: GemmTask): Record<string, number> {
  return { rows: task.m <= 16 ? 2 : 8, split: task.k >= 4096 ? 4 : 1 };
}

function tcOptimum(task: GemmTask): Record<string, number> {
  const small = Math.min(task.m, task.n);
  return {
    tile: small <= 512 ? 64 : small >= 2048 ? 256 : 128,
    stages: task.k >= 2048 ? 4 : 3,
    warps: small >= 2048 ? 8 : 4,
  };
}

/** The best point of a task. */
export function optimum(task: GemmTask): Point {
  return familiesFor(task).includes("skinny")
    ? { family: "skinny", values: skinnyOptimum(task) }
    : { family: "tc", values: tcOptimum(task) };
}

/** The noiseless reward of a point. */
export function trueReward(task: GemmTask, point: Point): number {
  if (point.family === "tc" && point.values.tile === 64 && point.values.warps === 8) return -3;
  const targets = point.family === "skinny" ? skinnyOptimum(task) : tcOptimum(task);
  let reward = point.family === "tc" && familiesFor(task).includes("skinny") ? -0.6 : 0;
  for (const [name, options] of Object.entries(
    DIMENSIONS[point.family] as Record<string, readonly number[]>,
  )) {
    reward -=
      0.3 *
      Math.abs(options.indexOf(point.values[name] as number) - options.indexOf(targets[name] as number));
  }
  return reward;
}

/** Every point of a task's space. */
export function allPoints(task: GemmTask): Point[] {
  const points: Point[] = [];
  for (const family of familiesFor(task)) {
    let partial: Record<string, number>[] = [{}];
    for (const [name, options] of Object.entries(DIMENSIONS[family] as Record<string, readonly number[]>)) {
      partial = partial.flatMap((values) => options.map((option) => ({ ...values, [name]: option })));
    }
    for (const values of partial) points.push({ family, values });
  }
  return points;
}

/** Probability of a point under a design-space policy (uniform where `policy` is undefined). */
export function pointProbability(task: GemmTask, point: Point, policy?: SamplingPolicy): number {
  const families = familiesFor(task);
  const probabilityOf = (choice: string, options: readonly (string | number)[], value: string | number) => {
    const probabilities = policy?.probabilities(task, choice, options);
    return probabilities ? (probabilities[options.indexOf(value)] as number) : 1 / options.length;
  };
  let probability = probabilityOf("family", families, point.family);
  for (const [name, options] of Object.entries(
    DIMENSIONS[point.family] as Record<string, readonly number[]>,
  )) {
    probability *= probabilityOf(`${point.family}.${name}`, options, point.values[name] as number);
  }
  return probability;
}

/** Exact expected noiseless reward of a task under a policy, by enumerating the product distribution. */
export function expectedReward(task: GemmTask, policy?: SamplingPolicy): number {
  return allPoints(task).reduce(
    (sum, point) => sum + pointProbability(task, point, policy) * trueReward(task, point),
    0,
  );
}

function draw(probabilities: readonly number[], rng: Rng): number {
  let threshold = rng.uniform();
  for (let index = 0; index < probabilities.length; index++) {
    threshold -= probabilities[index] as number;
    if (threshold < 0) return index;
  }
  return probabilities.length - 1;
}

/** Draws up to `count` distinct points the way the template generator does, recording the policy sample. */
export function samplePoints(task: GemmTask, policy: SamplingPolicy, count: number, rng: Rng) {
  const seen = new Set<string>();
  const samples: { point: Point; choices: Record<string, number | string>; logProbability: number }[] = [];
  for (let attempt = 0; attempt < count * 64 && samples.length < count; attempt++) {
    const families = familiesFor(task);
    const familyProbabilities = policy.probabilities(task, "family", families) as number[];
    const familyIndex = draw(familyProbabilities, rng);
    const family = families[familyIndex] as string;
    let logProbability = Math.log(familyProbabilities[familyIndex] as number);
    const values: Record<string, number> = {};
    const choices: Record<string, number | string> = { family };
    for (const [name, options] of Object.entries(DIMENSIONS[family] as Record<string, readonly number[]>)) {
      const choice = `${family}.${name}`;
      const probabilities = policy.probabilities(task, choice, options) as number[];
      const index = draw(probabilities, rng);
      values[name] = options[index] as number;
      choices[choice] = options[index] as number;
      logProbability += Math.log(probabilities[index] as number);
    }
    const key = JSON.stringify([family, values]);
    if (seen.has(key)) continue;
    seen.add(key);
    samples.push({ point: { family, values }, choices, logProbability });
  }
  return samples;
}

export const TRAIN_TASKS = [
  [8, 4096, 4096],
  [32, 11008, 4096],
  [16, 4096, 1024],
  [64, 2048, 8192],
  [256, 4096, 4096],
  [1024, 1024, 1024],
  [4096, 4096, 4096],
  [2048, 8192, 1024],
  [512, 11008, 4096],
  [1536, 3072, 2048],
].map(([m, n, k]) => createGemmTask({ m: m as number, n: n as number, k: k as number }));

export const HELD_OUT_TASKS = [
  [4, 8192, 2048],
  [48, 6144, 8192],
  [384, 2048, 4096],
  [3072, 3072, 512],
  [768, 1536, 3072],
  [8192, 8192, 2048],
].map(([m, n, k]) => createGemmTask({ m: m as number, n: n as number, k: k as number }));

/** Runs GRPO on the training tasks: each round, one group of `groupSize` samples per task, then one update. */
export async function trainOnLandscape(
  trainer: DesignSpaceGrpoTrainer,
  options: { seed: number; rounds: number; groupSize: number; noise: number },
) {
  const reports = [];
  for (let round = 0; round < options.rounds; round++) {
    const policy = trainer.policy();
    const groups: PolicyGroup[] = TRAIN_TASKS.map((task) => {
      const key = taskKey(task);
      const rng = createRng(deriveSeed(options.seed, round, key));
      const drawn = samplePoints(task, policy, options.groupSize, rng);
      const rewards = drawn.map((sample) => trueReward(task, sample.point) + options.noise * rng.normal());
      const advantages = groupAdvantages(rewards, 1e-6);
      const groupId = `${key}#${round}`;
      return {
        task,
        groupId,
        samples: drawn.map((sample, index) => {
          const kernel = candidate(task, `// ${JSON.stringify(sample.point)}`, {
            policy: policy.version,
            choices: sample.choices,
            logProbability: sample.logProbability,
          });
          return {
            candidate: kernel,
            advantage: {
              candidateId: kernel.id,
              groupId,
              reward: rewards[index] as number,
              advantage: advantages[index] as number,
            },
          };
        }),
      };
    });
    reports.push(await trainer.update(groups));
  }
  return reports;
}

export function samePoint(a: Point, b: Point): boolean {
  return a.family === b.family && Object.entries(b.values).every(([name, value]) => a.values[name] === value);
}

/** A trainer's greedy point for a task, as a Point. */
export function greedyPoint(trainer: DesignSpaceGrpoTrainer, task: GemmTask): Point {
  const optionsPerChoice: Record<string, readonly (string | number)[]> = { family: familiesFor(task) };
  for (const family of familiesFor(task)) {
    for (const [name, options] of Object.entries(DIMENSIONS[family] as Record<string, readonly number[]>)) {
      optionsPerChoice[`${family}.${name}`] = options;
    }
  }
  const { choices } = trainer.greedy(task, optionsPerChoice);
  const family = choices.family as string;
  const values: Record<string, number> = {};
  for (const [name, value] of Object.entries(choices)) {
    if (name.startsWith(`${family}.`)) values[name.slice(family.length + 1)] = value as number;
  }
  return { family, values };
}
