import {
  API_VERSION,
  type ContextSelector,
  type ContrastiveExample,
  type EvaluatedCandidate,
  type GemmTask,
  type MeasurementKind,
  pluginOptionsToken,
} from "@kernelforge/core";
import { inject, injectable } from "inversify";
import { type GrpoPluginOptions, PLUGIN_NAME, type RewardOptions } from "../options.js";
import { selectContrastiveExamples } from "./contrastive-context.js";

/**
 * The run loop's ContextSelector: earlier kernels of the task, or of shapes within a factor 4 in each dimension
 * when the task has too few, fastest to slowest, with their speeds over the same baseline and mode the reward
 * reads, then failures with their reasons (see selectContrastiveExamples).
 */
@injectable()
export class ContrastiveContextSelector implements ContextSelector {
  readonly apiVersion = API_VERSION;
  readonly name = "contrastive";
  readonly #reward: RewardOptions;

  constructor(@inject(pluginOptionsToken<GrpoPluginOptions>(PLUGIN_NAME)) options: GrpoPluginOptions) {
    this.#reward = options.reward;
  }

  select(
    task: GemmTask,
    history: readonly EvaluatedCandidate[],
    options: { measurement: MeasurementKind },
  ): ContrastiveExample[] {
    return selectContrastiveExamples(task, history, {
      baseline: this.#reward.baseline,
      mode: this.#reward.mode,
      measurement: options.measurement,
    });
  }
}
