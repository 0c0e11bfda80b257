import { z } from "zod";
import { archSchema, bLayoutSchema, MAX_GEMM_DIMENSION } from "../domain/gemm-task.js";

/**
 * A plugin named in the config: an npm package name (`@acme/kforge-plugin-x`) or a path relative to the
 * config file (`./plugins/my-retriever`), with the options its own schema validates.
 */
export const pluginReferenceSchema = z.union([
  z.string().min(1),
  z
    .object({
      from: z.string().min(1),
      options: z.record(z.string(), z.unknown()).optional(),
    })
    .strict(),
]);
export type PluginReference = z.infer<typeof pluginReferenceSchema>;

/** `MxNxK`, or `MxNxK:layout` for a shape searched in that B layout only. */
export const SHAPE_PATTERN = /^(\d+)x(\d+)x(\d+)(?::(nn|linear))?$/;

const shapeSchema = z.string().refine(
  (text) => {
    const match = SHAPE_PATTERN.exec(text);
    return (
      match?.slice(1, 4).every((part) => Number(part) >= 1 && Number(part) <= MAX_GEMM_DIMENSION) ?? false
    );
  },
  {
    message: `expected a shape MxNxK (optionally :nn or :linear) with each dimension in 1..${MAX_GEMM_DIMENSION}, e.g. 4096x4096x4096 or 16x14336x4096:linear`,
  },
);

export const timingModeSchema = z.enum(["hot", "cold"]);
export const baselineNameSchema = z.enum(["cublas", "cublaslt-heuristic", "cublaslt-autotuned"]);

export const tasksConfigSchema = z
  .object({
    /** Shapes to search, each `MxNxK` (every layout of `layouts`) or `MxNxK:nn` / `MxNxK:linear` (that one). */
    shapes: z
      .array(shapeSchema)
      .min(1)
      .default(["4096x4096x4096", "128x11008x4096:linear", "16x14336x4096:linear"]),
    /** B layouts to search for every shape. */
    layouts: z.array(bLayoutSchema).min(1).default(["nn"]),
    /** Target architecture; `sm90` is the H100/H200. */
    arch: archSchema.default("sm90"),
  })
  .strict();

export const searchConfigSchema = z
  .object({
    /** Rounds over all tasks. */
    rounds: z.number().int().min(1).max(100_000).default(4),
    /** Candidates generated per task per round: the GRPO group size G. */
    groupSize: z.number().int().min(2).max(1024).default(8),
    /** Seed of every random choice in the run. */
    seed: z.number().int().nonnegative().default(1),
    /** Name of the KernelGenerator to use; the only one loaded when unset. */
    generator: z.string().min(1).optional(),
    /** Most passages retrieved per generation. */
    passages: z.number().int().min(0).max(100).default(4),
  })
  .strict();

export const evaluationConfigSchema = z
  .object({
    /** Name of the GpuEvaluator to use; the only one loaded when unset. */
    evaluator: z.string().min(1).optional(),
    /** Timing modes measured for every candidate (both are always reported when measured). */
    modes: z.array(timingModeSchema).min(1).default(["cold", "hot"]),
    /** Baselines timed beside every candidate. */
    baselines: z
      .array(baselineNameSchema)
      .min(1)
      .default(["cublas", "cublaslt-heuristic", "cublaslt-autotuned"]),
    /** Speedups above this multiple of the best baseline are flagged suspect and not rewarded. */
    suspectSpeedup: z.number().min(1).default(3),
    compileTimeoutSeconds: z.number().positive().max(3600).default(120),
    runTimeoutSeconds: z.number().positive().max(3600).default(60),
  })
  .strict();

export const archiveConfigSchema = z
  .object({
    /** Where runs are archived: a local directory or a LanceDB URI. Relative paths are from the config file. */
    uri: z.string().min(1).default(".kforge/archive"),
  })
  .strict();

/** The whole `kforge.config.*` file. Every section has defaults, so `{}` is a valid config. */
export const configSchema = z
  .object({
    $schema: z.string().optional(),
    /**
     * Plugins to load, in order. The default searches offline: the template generator, the GRPO reward and
     * policy trainer, and the nvcc evaluator (measured on the local GPU, or estimated when none is visible).
     */
    plugins: z
      .array(pluginReferenceSchema)
      .default([
        "@kernelforge/plugin-template-generator",
        "@kernelforge/plugin-grpo",
        "@kernelforge/plugin-nvcc-evaluator",
      ]),
    tasks: tasksConfigSchema.prefault({}),
    search: searchConfigSchema.prefault({}),
    evaluation: evaluationConfigSchema.prefault({}),
    archive: archiveConfigSchema.prefault({}),
  })
  .strict();

/** A validated configuration with every default filled in. */
export type KernelForgeConfig = z.output<typeof configSchema>;
/** What a user writes: every key optional. */
export type KernelForgeConfigInput = z.input<typeof configSchema>;
