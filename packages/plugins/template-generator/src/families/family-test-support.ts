import type { GemmTask } from "@kernelforge/core";
import type { CompilePool } from "@kernelforge/gpu-runner";
import { expect } from "vitest";
import type { ArchLimits } from "../design-space/arch-limits.js";
import type { DesignValues, KernelFamily } from "../design-space/kernel-family.js";

/** A seeded xorshift32 generator, for tests that must draw the same sample on every run. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
}

/** Up to `count` valid points of a family for a task, drawn dimension by dimension. */
export function randomValid(
  family: KernelFamily,
  limits: ArchLimits,
  next: () => number,
  task: GemmTask,
  count: number,
): DesignValues[] {
  const found: DesignValues[] = [];
  for (let tries = 0; tries < 200_000 && found.length < count; tries++) {
    const values: Record<string, string | number> = {};
    for (const dimension of family.dimensions) {
      values[dimension.name] = dimension.options[Math.floor(next() * dimension.options.length)] as
        | string
        | number;
    }
    if (family.violates(values, task, limits) === undefined) found.push(values);
  }
  return found;
}

/** The number of valid points of a family for a task, by walking the whole space. */
export function countValid(family: KernelFamily, limits: ArchLimits, task: GemmTask): number {
  let valid = 0;
  const walk = (index: number, values: Record<string, string | number>) => {
    if (index === family.dimensions.length) {
      if (family.violates(values, task, limits) === undefined) valid++;
      return;
    }
    const dimension = family.dimensions[index] as KernelFamily["dimensions"][number];
    for (const option of dimension.options) walk(index + 1, { ...values, [dimension.name]: option });
  };
  walk(0, {});
  return valid;
}

/**
 * Renders and compiles every sampled point (in parallel, through the pool) and expects each to compile with its
 * entry present, no spills and a register count within the architecture's limit.
 */
export async function expectSampleCompiles(
  family: KernelFamily,
  limits: ArchLimits,
  pool: CompilePool,
  sample: readonly { task: GemmTask; values: DesignValues }[],
): Promise<void> {
  const outcomes = await Promise.all(
    sample.map(async ({ task, values }) => {
      const rendered = family.render(values, task, limits);
      const outcome = await pool.compile({ source: rendered.source, arch: limits.arch });
      return { task, values, rendered, outcome };
    }),
  );
  for (const { task, values, rendered, outcome } of outcomes) {
    const where = `${task.m}x${task.n}x${task.k} ${task.layout} ${JSON.stringify(values)}`;
    expect(outcome.ok, `${where}\n${outcome.log}`).toBe(true);
    if (!outcome.ok) continue;
    const report = outcome.functions.find((fn) => fn.name === rendered.entry);
    expect(report, where).toBeDefined();
    expect((report?.spillStoreBytes ?? 0) + (report?.spillLoadBytes ?? 0), where).toBe(0);
    expect(report?.registers ?? 0, where).toBeLessThanOrEqual(limits.maxRegistersPerThread);
  }
}
