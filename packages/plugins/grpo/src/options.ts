import { z } from "zod";

export const PLUGIN_NAME = "grpo";
/** Name of the RewardModel this plugin binds. */
export const REWARD_MODEL_NAME = "speedup-reward";
/** Name of the PolicyTrainer this plugin binds. */
export const TRAINER_NAME = "design-space-grpo";

/** The baseline a speedup is taken over: one vendor library, or the fastest of those timed (`best`). */
export const rewardBaselineSchema = z.enum(["cublas", "cublaslt-heuristic", "cublaslt-autotuned", "best"]);
export type RewardBaseline = z.infer<typeof rewardBaselineSchema>;

/** Timing mode(s) the reward reads: `both` averages the log speedups of `cold` and `hot`. */
export const rewardModeSchema = z.enum(["cold", "hot", "both"]);
export type RewardMode = z.infer<typeof rewardModeSchema>;

/** Rewards of the failed statuses. Each must lie below `clip.min`, the lowest reward of a correct kernel. */
export const penaltiesSchema = z
  .object({
    compile_error: z.number().finite().default(-3),
    rejected: z.number().finite().default(-3),
    timeout: z.number().finite().default(-3.5),
    wrong: z.number().finite().default(-4),
    runtime_error: z.number().finite().default(-4),
    /** `compiled` is an intermediate status; a result still in it was never run and earns no speed. */
    compiled: z.number().finite().default(-3),
  })
  .strict();
export type Penalties = z.output<typeof penaltiesSchema>;

export const rewardOptionsSchema = z
  .object({
    baseline: rewardBaselineSchema.default("best"),
    mode: rewardModeSchema.default("both"),
    /** Range the log speedup of a correct kernel is clipped to; it must contain 0 (parity). */
    clip: z
      .object({ min: z.number().finite().max(0).default(-2.5), max: z.number().finite().min(0).default(1.5) })
      .strict()
      .prefault({}),
    penalties: penaltiesSchema.prefault({}),
    /**
     * Reward of a correct result that earns no speed credit: `suspect` results, `ok` results without the
     * speedup figures asked for, and `estimated` results when their treatment is `neutral`. At most `clip.min`,
     * so such a result never ranks above a correct, measured one. Default: `clip.min`.
     */
    neutralReward: z.number().finite().optional(),
    /** `scaled`: scale × clipped log speedup of the estimate; `neutral`: `neutralReward`. */
    estimated: z
      .object({
        treatment: z.enum(["scaled", "neutral"]).default("scaled"),
        scale: z.number().gt(0).max(1).default(0.5),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((options, context) => {
    if (options.clip.min >= options.clip.max) {
      context.addIssue({ code: "custom", path: ["clip"], message: "clip.min must be below clip.max" });
    }
    for (const [status, penalty] of Object.entries(options.penalties)) {
      if (penalty >= options.clip.min) {
        context.addIssue({
          code: "custom",
          path: ["penalties", status],
          message: `must be below clip.min (${options.clip.min}): a failed kernel never earns as much as a correct one`,
        });
      }
    }
    if (options.neutralReward !== undefined && options.neutralReward > options.clip.min) {
      context.addIssue({
        code: "custom",
        path: ["neutralReward"],
        message: `must be at most clip.min (${options.clip.min}): an unrewarded result never ranks above a correct one`,
      });
    }
  });
export type RewardOptions = z.output<typeof rewardOptionsSchema>;

export const grpoOptionsSchema = z
  .object({
    /** ε of the advantage (r − mean) / (std + ε). */
    advantageEpsilon: z.number().positive().default(1e-6),
    /** ε_clip of the clipped importance ratio. */
    clipEpsilon: z.number().positive().max(1).default(0.2),
    /** β: weight of the KL penalty toward the reference policy. */
    klCoefficient: z.number().nonnegative().default(0.02),
    learningRate: z.number().positive().max(100).default(0.3),
    /** Passes over the groups of one update; each pass takes one step per group. */
    epochs: z.number().int().min(1).max(100).default(4),
    /** Global L2 norm the gradient of one step is clipped to. */
    maxGradNorm: z.number().positive().default(1),
  })
  .strict();
export type GrpoOptions = z.output<typeof grpoOptionsSchema>;

export const policyOptionsSchema = z
  .object({
    /**
     * Hidden units per choice: 0 is a linear softmax over the task features; more adds a tanh layer whose
     * output joins the features (logits = V·x + U·tanh(W·x)).
     */
    hiddenSize: z.number().int().min(0).max(256).default(8),
    /** Seed of the hidden layers' initialization. Default: the run's `search.seed`. */
    seed: z.number().int().nonnegative().optional(),
    /**
     * What to do when a known choice is offered an option it has not seen: `extend` adds it (with the logit
     * an untrained option has), `strict` throws naming the choice.
     */
    newOptions: z.enum(["extend", "strict"]).default("extend"),
    /** Make the restored parameters the KL reference (start a new run from a checkpoint) instead of resuming. */
    resetReferenceOnRestore: z.boolean().default(false),
  })
  .strict();
export type PolicyOptions = z.output<typeof policyOptionsSchema>;

/** Options of the grpo plugin: its entry's `options` in kforge.config.ts. */
export const grpoPluginOptionsSchema = z
  .object({
    reward: rewardOptionsSchema.prefault({}),
    grpo: grpoOptionsSchema.prefault({}),
    policy: policyOptionsSchema.prefault({}),
  })
  .strict();
export type GrpoPluginOptions = z.output<typeof grpoPluginOptionsSchema>;
export type GrpoPluginOptionsInput = z.input<typeof grpoPluginOptionsSchema>;
