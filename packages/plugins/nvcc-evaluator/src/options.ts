import { z } from "zod";

export const PLUGIN_NAME = "nvcc-evaluator";

/**
 * How times are obtained. `measured`: on the GPU, in the native harness (no GPU is an error). `estimated`: from
 * the analytic cost model of estimate mode, after every check that needs no GPU. `auto`: measured when
 * nvidia-smi sees a GPU, estimated otherwise.
 */
export const evaluationModeSchema = z.enum(["auto", "measured", "estimated"]);
export type EvaluationMode = z.infer<typeof evaluationModeSchema>;

/** Options of the nvcc evaluator: its entry's `options` in kforge.config.ts. */
export const nvccEvaluatorOptionsSchema = z
  .object({
    /**
     * `auto` (measured when a GPU is visible, estimated otherwise), `measured` or `estimated`. Estimated results
     * are labelled `measurement: "estimated"` and their device `estimate:<GPU>`; they are never measurements.
     */
    mode: evaluationModeSchema.default("auto"),
    /** CUDA device ordinal the harness runs on (it is started with CUDA_VISIBLE_DEVICES set to it). */
    device: z.number().int().nonnegative().default(0),
    /** Where cubins and the built harness are cached. Default: $KFORGE_CACHE_DIR or ~/.cache/kernelforge. */
    cacheDirectory: z.string().min(1).optional(),
    /** Parallel nvcc processes. Default: the number of cores. */
    compileConcurrency: z.number().int().positive().optional(),
    /** Seeds of the correctness checks before timing (fresh inputs each). At least two. */
    seeds: z.array(z.number().int().positive()).min(2).default([1, 2]),
    /** Tolerance = max(factor × cuBLAS's own error on the same inputs, floor). */
    toleranceFactor: z.number().min(1).default(2),
    /** Timing samples per mode and contender. */
    samples: z.number().int().min(5).max(10_000).default(50),
    warmup: z.number().int().min(1).max(1_000).default(10),
    /** Input/output buffer sets rotated between launches (estimate mode models the same rotation). */
    bufferSets: z.number().int().min(2).max(64).default(4),
  })
  .strict();

export type NvccEvaluatorOptions = z.output<typeof nvccEvaluatorOptionsSchema>;
