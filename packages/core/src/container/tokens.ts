import type { ServiceIdentifier } from "inversify";
import type { KernelForgeConfig } from "../config/config-schema.js";
import type { ContextSelector } from "../contracts/context-selector.js";
import type { GpuEvaluator } from "../contracts/gpu-evaluator.js";
import type { KernelGenerator } from "../contracts/kernel-generator.js";
import type { PolicyTrainer } from "../contracts/policy-trainer.js";
import type { Retriever } from "../contracts/retriever.js";
import type { RewardModel } from "../contracts/reward-model.js";
import type { RunArchive } from "../contracts/run-archive.js";
import type { RunEventBus } from "../events/run-events.js";

/**
 * The container's service identifiers. Extension points are multi-bindings: a plugin adds an implementation
 * with `bind(TOKENS.retriever).to(MyRetriever)` and the run loop resolves all of them, choosing by `name`
 * where the config selects one. `Symbol.for` keeps the identifiers equal across module copies.
 */
export const TOKENS = {
  kernelGenerator: Symbol.for("kernelforge.v1.KernelGenerator") as ServiceIdentifier<KernelGenerator>,
  retriever: Symbol.for("kernelforge.v1.Retriever") as ServiceIdentifier<Retriever>,
  rewardModel: Symbol.for("kernelforge.v1.RewardModel") as ServiceIdentifier<RewardModel>,
  gpuEvaluator: Symbol.for("kernelforge.v1.GpuEvaluator") as ServiceIdentifier<GpuEvaluator>,
  policyTrainer: Symbol.for("kernelforge.v1.PolicyTrainer") as ServiceIdentifier<PolicyTrainer>,
  /** Chooses the contrastive context of generations (optional; the grpo plugin binds one). */
  contextSelector: Symbol.for("kernelforge.v1.ContextSelector") as ServiceIdentifier<ContextSelector>,
  /** Where runs are archived. The CLI binds the LanceDB archive unless a plugin bound another. */
  runArchive: Symbol.for("kernelforge.v1.RunArchive") as ServiceIdentifier<RunArchive>,
  /** The validated configuration of the whole run. */
  config: Symbol.for("kernelforge.v1.Config") as ServiceIdentifier<KernelForgeConfig>,
  /** The run's event bus; plugins may publish their own progress through it. */
  eventBus: Symbol.for("kernelforge.v1.EventBus") as ServiceIdentifier<RunEventBus>,
} as const;

/** Names of the five contract extension points, as shown by `kforge plugins`. */
export const CONTRACT_TOKENS = {
  "kernel-generator": TOKENS.kernelGenerator,
  retriever: TOKENS.retriever,
  "reward-model": TOKENS.rewardModel,
  "gpu-evaluator": TOKENS.gpuEvaluator,
  "policy-trainer": TOKENS.policyTrainer,
  "context-selector": TOKENS.contextSelector,
} as const;

export type ContractName = keyof typeof CONTRACT_TOKENS;
