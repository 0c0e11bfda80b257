import type { GemmTask } from "@kernelforge/core";
import type { ArchLimits } from "./arch-limits.js";
import type { DesignValues, Dimension } from "./kernel-family.js";

/**
 * Reads a family's typed point from design values: every dimension present and one of its options. A string
 * names what is wrong.
 */
export function readTypedPoint<Point>(
  dimensions: readonly Dimension[],
  values: DesignValues,
): Point | string {
  const point: Record<string, string | number> = {};
  for (const dimension of dimensions) {
    const value = values[dimension.name];
    if (value === undefined) return `missing dimension ${dimension.name}`;
    if (!(dimension.options as readonly (string | number)[]).includes(value)) {
      return `${dimension.name} = ${JSON.stringify(value)} is not one of ${dimension.options.join(", ")}`;
    }
    point[dimension.name] = value;
  }
  return point as Point;
}

/** A point a family is asked to render: readable and valid for the task, or an Error naming the family. */
export function requireValidPoint<Point>(
  family: string,
  dimensions: readonly Dimension[],
  violation: (point: Point, task: GemmTask, limits: ArchLimits) => string | undefined,
  values: DesignValues,
  task: GemmTask,
  limits: ArchLimits,
): Point {
  const point = readTypedPoint<Point>(dimensions, values);
  if (typeof point === "string") throw new Error(`${family}: ${point}`);
  const problem = violation(point, task, limits);
  if (problem) throw new Error(`${family}: invalid point for ${task.m}x${task.n}x${task.k}: ${problem}`);
  return point;
}

export const ceilDiv = (a: number, b: number) => Math.ceil(a / b);
export const nextPowerOfTwo = (value: number) => 2 ** Math.ceil(Math.log2(Math.max(1, value)));
