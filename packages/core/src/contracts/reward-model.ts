import type { ApiVersion } from "../api-version.js";
import type { EvaluationResult } from "../domain/evaluation-result.js";
import type { GemmTask } from "../domain/gemm-task.js";
import type { RewardRecord } from "../domain/reward-record.js";
import type { CallOptions } from "./call-options.js";

/**
 * Turns an evaluation into a scalar reward.
 *
 * Invariants: deterministic for a given result; correctness gates everything (a failed candidate never earns
 * more than a correct one); results marked `suspect` and `estimated` results are never rewarded as measured
 * speed; the record states the basis of the reward.
 */
export interface RewardModel {
  readonly apiVersion: ApiVersion;
  readonly name: string;
  score(result: EvaluationResult, task: GemmTask, options?: CallOptions): Promise<RewardRecord>;
}
