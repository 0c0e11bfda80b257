import { z } from "zod";
import { KernelForgeError } from "../errors/kernelforge-error.js";

/**
 * Layout of the B operand. `nn`: B is row-major K×N (C = A·B). `linear`: B is row-major N×K, as the weight of
 * a linear layer in `x @ W.T` (C = A·Bᵀ). A is always row-major M×K and C row-major M×N.
 */
export const bLayoutSchema = z.enum(["nn", "linear"]);
export type BLayout = z.infer<typeof bLayoutSchema>;

/** Largest extent accepted for one GEMM dimension (2²⁰): far above any shape a single GPU can hold in fp16. */
export const MAX_GEMM_DIMENSION = 1 << 20;

const dimensionSchema = z.number().int().positive().max(MAX_GEMM_DIMENSION);

/** A target architecture such as `sm90` (Hopper) or `sm80` (Ampere): `sm` followed by the compute capability. */
export const archSchema = z.string().regex(/^sm\d{2,3}a?$/, "expected an architecture such as sm90 or sm80");

export const gemmTaskSchema = z
  .object({
    /** Operation family. Only half-precision GEMM is defined so far. */
    operation: z.literal("hgemm"),
    m: dimensionSchema,
    n: dimensionSchema,
    k: dimensionSchema,
    layout: bLayoutSchema,
    /** Element type of A, B and C. */
    inputType: z.literal("f16"),
    /** Type the products are accumulated in. The harness verifies the claim in the machine code. */
    accumulatorType: z.literal("f32"),
    arch: archSchema,
  })
  .strict();

/**
 * One problem instance: C[M×N] = A[M×K] · op(B), fp16 in and out, fp32 accumulation, for one target arch.
 * Tasks are plain data; `taskKey` gives each a stable identity used by archives, caches and reports.
 */
export type GemmTask = z.infer<typeof gemmTaskSchema>;

export interface GemmTaskInit {
  m: number;
  n: number;
  k: number;
  layout?: BLayout;
  arch?: string;
}

/** Builds a validated GemmTask with the defaults (fp16 in/out, fp32 accumulate, `nn`, `sm90`). */
export function createGemmTask(init: GemmTaskInit): GemmTask {
  const candidate = {
    operation: "hgemm" as const,
    m: init.m,
    n: init.n,
    k: init.k,
    layout: init.layout ?? "nn",
    inputType: "f16" as const,
    accumulatorType: "f32" as const,
    arch: init.arch ?? "sm90",
  };
  const parsed = gemmTaskSchema.safeParse(candidate);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const key = first?.path.join(".") ?? "task";
    throw new KernelForgeError("invalid_task", `Invalid GEMM task: ${key}: ${first?.message ?? "invalid"}`, {
      hint: `Dimensions must be positive integers no larger than ${MAX_GEMM_DIMENSION}; layout is nn or linear.`,
    });
  }
  return parsed.data;
}

/**
 * The stable key of a task, e.g. `hgemm.f16f32.nn.4096x4096x4096.sm90`: operation, input and accumulator
 * types, B layout, M×N×K and arch. Two tasks have the same key exactly when they are the same problem.
 */
export function taskKey(task: GemmTask): string {
  return `${task.operation}.${task.inputType}${task.accumulatorType}.${task.layout}.${task.m}x${task.n}x${task.k}.${task.arch}`;
}

const TASK_KEY_PATTERN = /^hgemm\.f16f32\.(nn|linear)\.(\d+)x(\d+)x(\d+)\.(sm\d{2,3}a?)$/;

/** Inverse of `taskKey`. Throws a KernelForgeError naming the expected form when the key is malformed. */
export function parseTaskKey(key: string): GemmTask {
  const match = TASK_KEY_PATTERN.exec(key);
  if (!match) {
    throw new KernelForgeError("invalid_task_key", `Not a task key: ${JSON.stringify(key)}`, {
      hint: "A task key looks like hgemm.f16f32.nn.4096x4096x4096.sm90 (layout nn or linear).",
    });
  }
  const [, layout, m, n, k, arch] = match;
  return createGemmTask({ m: Number(m), n: Number(n), k: Number(k), layout: layout as BLayout, arch });
}

/** Parses a shape written `MxNxK` (as on command lines and in configs). */
export function parseShape(text: string): { m: number; n: number; k: number } {
  const match = /^\s*(\d+)\s*[x×]\s*(\d+)\s*[x×]\s*(\d+)\s*$/.exec(text);
  if (!match) {
    throw new KernelForgeError("invalid_shape", `Not a shape: ${JSON.stringify(text)}`, {
      hint: "Write a shape as MxNxK, for example 4096x4096x4096.",
    });
  }
  return { m: Number(match[1]), n: Number(match[2]), k: Number(match[3]) };
}

/** Floating-point operations of one GEMM: 2·M·N·K. */
export function gemmFlops(task: Pick<GemmTask, "m" | "n" | "k">): number {
  return 2 * task.m * task.n * task.k;
}

/** The fewest bytes one GEMM must move through device memory: A and B read once, C written once (fp16). */
export function gemmMinimumBytes(task: Pick<GemmTask, "m" | "n" | "k">): number {
  return 2 * (task.m * task.k + task.k * task.n + task.m * task.n);
}
