/** The scalar reward a RewardModel gave one evaluated candidate, with the reason it was computed so. */
export interface RewardRecord {
  candidateId: string;
  taskKey: string;
  reward: number;
  /** e.g. `speedup`, `compile_error`, `wrong`, `suspect`. */
  basis: string;
  /** The figures the reward was computed from (speedups, penalties), for audit. */
  components: Record<string, number>;
}

/** A candidate's group-relative advantage: (reward − group mean) / (group standard deviation + ε). */
export interface AdvantageRecord {
  candidateId: string;
  /** Identifies the group of samples drawn together for one task in one round. */
  groupId: string;
  reward: number;
  advantage: number;
}
