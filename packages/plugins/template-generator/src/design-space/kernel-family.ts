import type { GemmTask, LaunchDescriptorInput } from "@kernelforge/core";
import type { ArchLimits } from "./arch-limits.js";

/** A value of one design dimension. */
export type DimensionValue = string | number;

/** One named, typed axis of a family's design space, with its finite list of options. */
export interface Dimension<Value extends DimensionValue = DimensionValue> {
  name: string;
  description: string;
  options: readonly Value[];
}

/** A choice of one option per dimension of a family. */
export type DesignValues = Readonly<Record<string, DimensionValue>>;

/** What a family renders for one point and one task: the whole candidate except its provenance. */
export interface RenderedKernel {
  /** Complete, self-contained CUDA C++ (device code only; may include cuda_fp16.h, mma.h, cuda_pipeline.h...). */
  source: string;
  /** The `extern "C" __global__` entry, with the ABI of docs/kernel-abi.md. */
  entry: string;
  launch: LaunchDescriptorInput;
}

/**
 * A family of kernels: a design space (its dimensions), the constraints that make a point invalid for a task on
 * an architecture, and a renderer. A family must render correct code for every valid point and every task it
 * applies to (any M, N, K ≥ 1, both layouts): shapes that are not tile multiples are handled inside the kernel
 * by predication, never by padding copies.
 */
export interface KernelFamily {
  readonly name: string;
  readonly description: string;
  readonly dimensions: readonly Dimension[];
  /** Whether the family is meant for a task at all (e.g. the skinny family only when min(M, N) ≤ 64). */
  appliesTo(task: GemmTask): boolean;
  /** Why a point cannot be rendered or run for this task on this arch, or undefined when it can. */
  violates(values: DesignValues, task: GemmTask, limits: ArchLimits): string | undefined;
  render(values: DesignValues, task: GemmTask, limits: ArchLimits): RenderedKernel;
}
