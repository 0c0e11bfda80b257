import type { ApiVersion } from "../api-version.js";
import type { GemmTask } from "../domain/gemm-task.js";
import type { KernelCandidate } from "../domain/kernel-candidate.js";
import type { AdvantageRecord } from "../domain/reward-record.js";
import type { CallOptions } from "./call-options.js";
import type { SamplingPolicy } from "./sampling-policy.js";

/** One group of samples for one task, with the advantages computed from their rewards. */
export interface PolicyGroup {
  task: GemmTask;
  groupId: string;
  samples: { candidate: KernelCandidate; advantage: AdvantageRecord }[];
}

export interface PolicyUpdateReport {
  /** Number of optimizer steps taken. */
  steps: number;
  /** Mean surrogate loss, KL to the reference policy, and any other figures the trainer tracks. */
  metrics: Record<string, number>;
  /** Version of the policy after the update. */
  version: string;
}

/** A serialized policy, restorable with `restore`; plain JSON. */
export interface PolicyCheckpoint {
  trainer: string;
  apiVersion: ApiVersion;
  version: string;
  state: unknown;
}

/**
 * Learns a sampling policy from measured rewards.
 *
 * Invariants: `update` with the same groups from the same checkpoint and seed gives the same policy;
 * `restore(checkpoint())` restores the exact policy; `policy()` is safe to call between updates.
 */
export interface PolicyTrainer {
  readonly apiVersion: ApiVersion;
  readonly name: string;
  policy(): SamplingPolicy;
  update(groups: readonly PolicyGroup[], options?: CallOptions): Promise<PolicyUpdateReport>;
  checkpoint(): Promise<PolicyCheckpoint>;
  restore(checkpoint: PolicyCheckpoint): Promise<void>;
}
