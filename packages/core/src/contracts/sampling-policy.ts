import type { GemmTask } from "../domain/gemm-task.js";

/**
 * A learned distribution a generator samples from. Generators check `kind` and use the policies they
 * understand (for example, the template generator's design-space policy); a generator given a policy of a
 * kind it does not understand ignores it and says so in its result's notes.
 */
export interface SamplingPolicy {
  readonly kind: string;
  /** Identifies the parameters (a checkpoint hash), recorded in each candidate's provenance. */
  readonly version: string;
  /**
   * Probabilities over the options of one named choice for a task, in the order of `options`.
   * Returns undefined for a choice the policy does not model (the generator then samples uniformly).
   */
  probabilities(task: GemmTask, choice: string, options: readonly (string | number)[]): number[] | undefined;
}
