import { type GemmTask, type SamplingPolicy, taskKey } from "@kernelforge/core";
import type { ArchLimits } from "./arch-limits.js";
import { type DesignPoint, serializePoint } from "./design-point.js";
import type { DesignValues, DimensionValue, KernelFamily } from "./kernel-family.js";
import type { Random } from "./random.js";

/** A sampled point with what the sampler chose and the log-probability of choosing it. */
export interface SampledPoint {
  point: DesignPoint;
  /**
   * Log-probability of the draw under the policy it was drawn from (the sum over the choices). Absent for
   * uniform draws, whose probability is the same for every valid point.
   */
  logProbability?: number;
  /** The choices by name (`family`, `<family>.<dimension>`), as a policy sees them. */
  choices: Record<string, DimensionValue>;
}

/** The name under which a policy sees one dimension of one family. */
export function choiceName(family: string, dimension: string): string {
  return `${family}.${dimension}`;
}

/** The `kind` of SamplingPolicy the design space understands. */
export const DESIGN_SPACE_POLICY_KIND = "design-space";

/** Family draws per requested point before the policy sampler gives up on filling the group. */
const MAX_POLICY_ATTEMPTS = 32;
/** Dimension draws within one drawn family before that family draw is abandoned. */
const MAX_DRAWS_IN_FAMILY = 256;
/** Rejected draws in a row after which uniform sampling falls back to enumerating the valid points. */
const MAX_UNIFORM_MISSES = 20_000;
const ENUMERATION_CACHE_SIZE = 64;

/**
 * The union of several kernel families' design spaces. Only valid points (no family constraint violated for
 * the task on the arch) are ever enumerated or sampled.
 */
export class DesignSpace {
  readonly families: readonly KernelFamily[];
  readonly #cache = new Map<string, DesignPoint[]>();

  constructor(families: readonly KernelFamily[]) {
    const names = new Set<string>();
    for (const family of families) {
      if (names.has(family.name)) throw new Error(`two families are named ${family.name}`);
      names.add(family.name);
    }
    this.families = families;
  }

  familiesFor(task: GemmTask): KernelFamily[] {
    return this.families.filter((family) => family.appliesTo(task));
  }

  family(name: string): KernelFamily {
    const family = this.families.find((entry) => entry.name === name);
    if (!family)
      throw new Error(
        `no family named ${name}; known: ${this.families.map((entry) => entry.name).join(", ")}`,
      );
    return family;
  }

  /** Every valid point for a task, family by family, dimensions in declaration order. */
  *enumerate(task: GemmTask, limits: ArchLimits): Generator<DesignPoint> {
    for (const family of this.familiesFor(task)) {
      for (const values of cartesian(family)) {
        if (family.violates(values, task, limits) === undefined) yield { family: family.name, values };
      }
    }
  }

  /** All valid points for a task (cached per task and arch). */
  validPoints(task: GemmTask, limits: ArchLimits): DesignPoint[] {
    const key = `${taskKey(task)}@${limits.arch}`;
    let points = this.#cache.get(key);
    if (!points) {
      points = [...this.enumerate(task, limits)];
      if (this.#cache.size >= ENUMERATION_CACHE_SIZE)
        this.#cache.delete(this.#cache.keys().next().value as string);
      this.#cache.set(key, points);
    }
    return points;
  }

  /**
   * Draws up to `count` distinct valid points. Without a policy: uniformly over the valid points, without
   * replacement. With a design-space policy: each choice (the family, then each dimension) from the policy's
   * probabilities (uniform for choices it does not model), redrawing invalid or repeated points.
   */
  sample(
    task: GemmTask,
    limits: ArchLimits,
    count: number,
    random: Random,
    policy?: SamplingPolicy,
  ): SampledPoint[] {
    if (!policy || policy.kind !== DESIGN_SPACE_POLICY_KIND)
      return this.#sampleUniform(task, limits, count, random);
    const valid = this.validPoints(task, limits);
    if (valid.length === 0) return [];
    const seen = new Set<string>();
    const samples: SampledPoint[] = [];
    let attempts = 0;
    while (samples.length < Math.min(count, valid.length) && attempts < count * MAX_POLICY_ATTEMPTS) {
      attempts++;
      const drawn = this.#drawFromPolicy(task, limits, random, policy, seen);
      if (drawn) samples.push(drawn);
    }
    return samples;
  }

  /**
   * Uniform over the union of the valid points, without replacement, by rejection: a family is drawn in
   * proportion to its number of raw points, then each dimension uniformly, and invalid or repeated points are
   * drawn again. Every valid point is equally likely, and nothing is enumerated. When too many draws are
   * rejected (a space with few valid points), it enumerates the valid points and picks among them instead.
   */
  #sampleUniform(task: GemmTask, limits: ArchLimits, count: number, random: Random): SampledPoint[] {
    const families = this.familiesFor(task);
    const sizes = families.map((family) =>
      family.dimensions.reduce((product, dimension) => product * dimension.options.length, 1),
    );
    const total = sizes.reduce((sum, size) => sum + size, 0);
    const seen = new Set<string>();
    const samples: SampledPoint[] = [];
    if (total === 0) return samples;
    for (let misses = 0; samples.length < count && misses < MAX_UNIFORM_MISSES; misses++) {
      let threshold = random.integer(total);
      let index = 0;
      while (threshold >= (sizes[index] as number)) threshold -= sizes[index++] as number;
      const family = families[index] as KernelFamily;
      const values: Record<string, DimensionValue> = {};
      for (const dimension of family.dimensions) {
        values[dimension.name] = dimension.options[
          random.integer(dimension.options.length)
        ] as DimensionValue;
      }
      const point = { family: family.name, values };
      const key = serializePoint(point);
      if (seen.has(key) || family.violates(values, task, limits) !== undefined) continue;
      seen.add(key);
      samples.push(toSample(point));
      misses = 0;
    }
    if (samples.length < count) {
      const rest = this.validPoints(task, limits).filter((point) => !seen.has(serializePoint(point)));
      while (samples.length < count && rest.length > 0)
        samples.push(toSample(rest.splice(random.integer(rest.length), 1)[0] as DesignPoint));
    }
    return samples;
  }

  /**
   * One point from the policy: the family first, then its dimensions, redrawn (in that family) until the point
   * is valid and new. Redrawing the family on every invalid point would favour the families whose points are
   * more often valid over the policy's own family probabilities. The drawn point's key is added to `seen`.
   */
  #drawFromPolicy(
    task: GemmTask,
    limits: ArchLimits,
    random: Random,
    policy: SamplingPolicy,
    seen: Set<string>,
  ): SampledPoint | undefined {
    const families = this.familiesFor(task);
    const familyNames = families.map((family) => family.name);
    const familyIndex = drawIndex(
      policy.probabilities(task, "family", familyNames),
      familyNames.length,
      random,
    );
    const family = families[familyIndex.index];
    if (!family) return undefined;
    for (let attempt = 0; attempt < MAX_DRAWS_IN_FAMILY; attempt++) {
      let logProbability = Math.log(familyIndex.probability);
      const values: Record<string, DimensionValue> = {};
      const choices: Record<string, DimensionValue> = { family: family.name };
      for (const dimension of family.dimensions) {
        const name = choiceName(family.name, dimension.name);
        const drawn = drawIndex(
          policy.probabilities(task, name, dimension.options),
          dimension.options.length,
          random,
        );
        const value = dimension.options[drawn.index] as DimensionValue;
        values[dimension.name] = value;
        choices[name] = value;
        logProbability += Math.log(drawn.probability);
      }
      const point = { family: family.name, values };
      const key = serializePoint(point);
      if (seen.has(key) || family.violates(values, task, limits) !== undefined) continue;
      seen.add(key);
      return { point, logProbability, choices };
    }
    return undefined;
  }
}

function toSample(point: DesignPoint): SampledPoint {
  const choices: Record<string, DimensionValue> = { family: point.family };
  for (const [name, value] of Object.entries(point.values)) choices[choiceName(point.family, name)] = value;
  return { point, choices };
}

/** Draws an index from probabilities (normalized here; uniform when absent or degenerate). */
function drawIndex(
  probabilities: number[] | undefined,
  length: number,
  random: Random,
): { index: number; probability: number } {
  const weights =
    probabilities &&
    probabilities.length === length &&
    probabilities.every((p) => Number.isFinite(p) && p >= 0)
      ? probabilities
      : undefined;
  const total = weights?.reduce((sum, weight) => sum + weight, 0) ?? 0;
  if (!weights || total <= 0) {
    const index = random.integer(length);
    return { index, probability: 1 / length };
  }
  let threshold = random.next() * total;
  for (let index = 0; index < length; index++) {
    threshold -= weights[index] as number;
    if (threshold < 0) return { index, probability: (weights[index] as number) / total };
  }
  return { index: length - 1, probability: (weights[length - 1] as number) / total };
}

/** Every combination of a family's dimension options. */
function* cartesian(family: KernelFamily): Generator<DesignValues> {
  const dimensions = family.dimensions;
  const indices = dimensions.map(() => 0);
  if (dimensions.some((dimension) => dimension.options.length === 0)) return;
  for (;;) {
    const values: Record<string, DimensionValue> = {};
    dimensions.forEach((dimension, position) => {
      values[dimension.name] = dimension.options[indices[position] as number] as DimensionValue;
    });
    yield values;
    let position = dimensions.length - 1;
    while (position >= 0) {
      indices[position] = (indices[position] as number) + 1;
      if ((indices[position] as number) < (dimensions[position]?.options.length ?? 0)) break;
      indices[position] = 0;
      position--;
    }
    if (position < 0) return;
  }
}
