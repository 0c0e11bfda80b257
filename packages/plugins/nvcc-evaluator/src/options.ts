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
    /**
     * GPUs to evaluate on, one harness each (started with CUDA_VISIBLE_DEVICES set to its GPU): `"all"` visible
     * GPUs (the default; CUDA_VISIBLE_DEVICES of the process narrows them), or a list of nvidia-smi indices.
     */
    devices: z.union([z.literal("all"), z.array(z.number().int().nonnegative()).min(1)]).optional(),
    /** One GPU by nvidia-smi index: the same as `devices: [device]`. */
    device: z.number().int().nonnegative().optional(),
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
    /**
     * How cold mode empties L2 before each timed launch: `write` stores over a buffer of twice the L2 (the
     * default, as most benchmark tools flush), leaving dirty lines whose write-back shares DRAM with the timed
     * kernel; `read` loads it, leaving L2 clean. See docs/benchmark-method.md.
     */
    coldFlush: z.enum(["write", "read"]).default("write"),
  })
  .strict()
  .refine((options) => options.device === undefined || options.devices === undefined, {
    message: "set `devices` or `device`, not both",
    path: ["device"],
  });

export type NvccEvaluatorOptions = z.output<typeof nvccEvaluatorOptionsSchema>;

/** The GPUs the options ask for: `devices`, else the one `device`, else every visible GPU. */
export function deviceSelection(options: Pick<NvccEvaluatorOptions, "device" | "devices">): "all" | number[] {
  if (options.devices !== undefined) return options.devices;
  return options.device !== undefined ? [options.device] : "all";
}
