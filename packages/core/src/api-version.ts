/**
 * The version of the plugin specification this build of `@kernelforge/core` speaks.
 *
 * Every contract (KernelGenerator, Retriever, RewardModel, GpuEvaluator, PolicyTrainer) and every plugin
 * declares the `apiVersion` it was written against. The loader refuses a plugin whose version differs, so a
 * plugin built for another specification fails at start-up with a clear message instead of misbehaving mid-run.
 * The version changes only when a contract changes incompatibly.
 */
export const API_VERSION = "v1" as const;

export type ApiVersion = typeof API_VERSION;
