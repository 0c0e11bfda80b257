import {
  API_VERSION,
  type CallOptions,
  type EvaluationResult,
  type GemmTask,
  pluginOptionsToken,
  type RewardModel,
  type RewardRecord,
  throwIfAborted,
} from "@kernelforge/core";
import { inject, injectable } from "inversify";
import { type GrpoPluginOptions, PLUGIN_NAME, REWARD_MODEL_NAME, type RewardOptions } from "../options.js";
import { speedupFigures } from "./speedup.js";

/**
 * The reward of one evaluation, in this order:
 * 1. a status other than `ok` earns its configured penalty (basis = the status);
 * 2. a `suspect` result earns `neutralReward` (basis `suspect`), whatever its speedup;
 * 3. an `ok` result without the asked speedup figures earns `neutralReward` (basis `missing_speedup`);
 * 4. an `estimated` result earns scale × clip(ln speedup) or `neutralReward` (basis `estimated`);
 * 5. a measured result earns clip(ln speedup, clip.min, clip.max) (basis `speedup`), where ln speedup is the
 *    mean of the logs over the asked modes.
 * Every penalty lies below clip.min and neutralReward at or below it, so no failed or unrewarded result
 * ranks above a correct, measured one.
 */
export function scoreEvaluation(result: EvaluationResult, options: RewardOptions): RewardRecord {
  const record = (reward: number, basis: string, components: Record<string, number>): RewardRecord => ({
    candidateId: result.candidateId,
    taskKey: result.taskKey,
    reward,
    basis,
    components,
  });
  const neutral = options.neutralReward ?? options.clip.min;
  if (result.status !== "ok") {
    const penalty = options.penalties[result.status];
    return record(penalty, result.status, { penalty });
  }
  const figures = speedupFigures(result, options.baseline, options.mode);
  const components: Record<string, number> = {};
  for (const mode of figures.modes) {
    components[`speedup_${mode.mode}`] = mode.speedup;
    if (mode.medianMicroseconds !== undefined) components[`median_us_${mode.mode}`] = mode.medianMicroseconds;
  }
  components.modes_used = figures.modes.length;
  if (result.suspect) return record(neutral, "suspect", { ...components, neutral });
  if (figures.logSpeedup === undefined) return record(neutral, "missing_speedup", { ...components, neutral });
  const logSpeedup = figures.logSpeedup;
  const clipped = Math.min(options.clip.max, Math.max(options.clip.min, logSpeedup));
  Object.assign(components, {
    log_speedup: logSpeedup,
    clip_min: options.clip.min,
    clip_max: options.clip.max,
    clipped: clipped === logSpeedup ? 0 : 1,
  });
  if (result.measurement === "estimated") {
    if (options.estimated.treatment === "neutral")
      return record(neutral, "estimated", { ...components, neutral });
    const scale = options.estimated.scale;
    return record(scale * clipped, "estimated", { ...components, scale });
  }
  return record(clipped, "speedup", components);
}

/** The `speedup-reward` RewardModel: `scoreEvaluation` with the plugin's `reward` options. */
@injectable()
export class SpeedupReward implements RewardModel {
  readonly apiVersion = API_VERSION;
  readonly name = REWARD_MODEL_NAME;
  readonly options: RewardOptions;

  constructor(@inject(pluginOptionsToken<GrpoPluginOptions>(PLUGIN_NAME)) options: GrpoPluginOptions) {
    this.options = options.reward;
  }

  async score(result: EvaluationResult, _task: GemmTask, options: CallOptions = {}): Promise<RewardRecord> {
    throwIfAborted(options.signal);
    return scoreEvaluation(result, this.options);
  }
}
