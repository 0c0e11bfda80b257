import type { AdvantageRecord, RewardRecord } from "../domain/reward-record.js";

/**
 * Group-relative advantages (GRPO): each reward minus the group's mean, divided by the group's standard
 * deviation (population) plus `epsilon`. A group whose rewards are all equal gets zero advantages.
 */
export function groupRelativeAdvantages(
  rewards: readonly RewardRecord[],
  groupId: string,
  epsilon = 1e-6,
): AdvantageRecord[] {
  const count = rewards.length;
  if (count === 0) return [];
  const mean = rewards.reduce((sum, record) => sum + record.reward, 0) / count;
  const variance = rewards.reduce((sum, record) => sum + (record.reward - mean) ** 2, 0) / count;
  const deviation = Math.sqrt(variance);
  return rewards.map((record) => ({
    candidateId: record.candidateId,
    groupId,
    reward: record.reward,
    advantage: deviation === 0 ? 0 : (record.reward - mean) / (deviation + epsilon),
  }));
}
