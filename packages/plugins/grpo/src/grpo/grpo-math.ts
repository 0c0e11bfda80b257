import type { AdvantageRecord, RewardRecord } from "@kernelforge/core";

/**
 * Group-relative advantages: Aᵢ = (rᵢ − mean(r)) / (std(r) + ε), with the population standard deviation
 * (divisor G). A group of one sample, or of equal rewards, has all advantages 0.
 */
export function groupAdvantages(rewards: readonly number[], epsilon: number): number[] {
  if (rewards.length === 0) return [];
  const mean = rewards.reduce((sum, reward) => sum + reward, 0) / rewards.length;
  const variance = rewards.reduce((sum, reward) => sum + (reward - mean) ** 2, 0) / rewards.length;
  const scale = Math.sqrt(variance) + epsilon;
  return rewards.map((reward) => (reward - mean) / scale);
}

/** The AdvantageRecords of one group of rewards (same order), for `PolicyGroup.samples`. */
export function computeAdvantages(
  rewards: readonly RewardRecord[],
  groupId: string,
  epsilon: number,
): AdvantageRecord[] {
  const advantages = groupAdvantages(
    rewards.map((record) => record.reward),
    epsilon,
  );
  return rewards.map((record, index) => ({
    candidateId: record.candidateId,
    groupId,
    reward: record.reward,
    advantage: advantages[index] as number,
  }));
}

/** Softmax of logits, shifted by their maximum for stability. */
export function softmax(logits: readonly number[]): number[] {
  let max = Number.NEGATIVE_INFINITY;
  for (const logit of logits) if (logit > max) max = logit;
  const exps = logits.map((logit) => Math.exp(logit - max));
  const total = exps.reduce((sum, value) => sum + value, 0);
  return exps.map((value) => value / total);
}

/** ln softmax(logits)[index], computed as zᵢ − logsumexp(z). */
export function logSoftmaxAt(logits: readonly number[], index: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (const logit of logits) if (logit > max) max = logit;
  let total = 0;
  for (const logit of logits) total += Math.exp(logit - max);
  return (logits[index] as number) - max - Math.log(total);
}

/** KL(p ‖ q) = Σₖ pₖ (ln pₖ − ln qₖ) of two categoricals over the same options. */
export function categoricalKl(p: readonly number[], q: readonly number[]): number {
  let kl = 0;
  for (let k = 0; k < p.length; k++) {
    const pk = p[k] as number;
    if (pk > 0) kl += pk * (Math.log(pk) - Math.log(q[k] as number));
  }
  return kl;
}

/**
 * ∂KL(p ‖ q)/∂zⱼ for p = softmax(z) and q fixed: pⱼ (ln pⱼ − ln qⱼ − KL(p ‖ q)). Options with pⱼ = 0
 * contribute nothing.
 */
export function klLogitGradient(p: readonly number[], q: readonly number[], kl: number): number[] {
  return p.map((pj, j) => (pj > 0 ? pj * (Math.log(pj) - Math.log(q[j] as number) - kl) : 0));
}

/** Entropy −Σ pₖ ln pₖ of a categorical. */
export function entropy(p: readonly number[]): number {
  let sum = 0;
  for (const pk of p) if (pk > 0) sum -= pk * Math.log(pk);
  return sum;
}

/** The clipped surrogate of one sample and its derivative with respect to the new log-probability. */
export interface SurrogateTerm {
  /** ρ = exp(ln π_θ − ln π_old). */
  ratio: number;
  /** L = min(ρ·A, clip(ρ, 1 − ε, 1 + ε)·A). */
  value: number;
  /** ∂L/∂ln π_θ: ρ·A where the unclipped term is the minimum, 0 where the clipped (constant) one is. */
  gradient: number;
  /** Whether ρ lies outside [1 − ε, 1 + ε]. */
  outsideClip: boolean;
}

/** Log-ratios are bounded to ±`MAX_LOG_RATIO` before exponentiation, so a stale log-probability cannot overflow. */
export const MAX_LOG_RATIO = 30;

/**
 * The PPO-style clipped surrogate of one sample, from the log-probability the sample was drawn with (the old
 * policy) and its log-probability under the current parameters.
 */
export function clippedSurrogate(
  logProbability: number,
  oldLogProbability: number,
  advantage: number,
  clipEpsilon: number,
): SurrogateTerm {
  const logRatio = Math.max(-MAX_LOG_RATIO, Math.min(MAX_LOG_RATIO, logProbability - oldLogProbability));
  const ratio = Math.exp(logRatio);
  const clippedRatio = Math.min(1 + clipEpsilon, Math.max(1 - clipEpsilon, ratio));
  const unclipped = ratio * advantage;
  const clipped = clippedRatio * advantage;
  const unclippedActive = unclipped <= clipped;
  return {
    ratio,
    value: unclippedActive ? unclipped : clipped,
    gradient: unclippedActive ? unclipped : 0,
    outsideClip: ratio < 1 - clipEpsilon || ratio > 1 + clipEpsilon,
  };
}
