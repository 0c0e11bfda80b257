import {
  API_VERSION,
  type CallOptions,
  defaultConfig,
  type GemmTask,
  type KernelForgeConfig,
  KernelForgeError,
  type PolicyCheckpoint,
  type PolicyGroup,
  type PolicyTrainer,
  type PolicyUpdateReport,
  pluginOptionsToken,
  type SamplingPolicy,
  TOKENS,
  taskKey,
  throwIfAborted,
} from "@kernelforge/core";
import { inject, injectable } from "inversify";
import { z } from "zod";
import { grpoObjective, type PreparedChoice, type PreparedSample } from "../grpo/objective.js";
import {
  type GrpoOptions,
  type GrpoPluginOptions,
  type GrpoPluginOptionsInput,
  grpoPluginOptionsSchema,
  PLUGIN_NAME,
  type PolicyOptions,
  TRAINER_NAME,
} from "../options.js";
import { FEATURE_COUNT, FEATURE_NAMES, taskFeatures } from "./features.js";
import {
  type ChoiceGradient,
  type ChoiceParameters,
  type ModelShape,
  type OptionValue,
  PolicyModel,
} from "./model.js";

/** The `kind` of SamplingPolicy the template generator's design space samples from. */
export const DESIGN_SPACE_POLICY_KIND = "design-space";

/** Format tag of this trainer's checkpoint state. */
export const CHECKPOINT_FORMAT = "design-space-grpo/1";

/** The most probable point of a design space under the policy, and its log-probability. */
export interface GreedyPoint {
  choices: Record<string, OptionValue>;
  logProbability: number;
}

/** A design-space policy frozen at one version; `probabilities` may still discover new choices. */
export interface DesignSpacePolicy extends SamplingPolicy {
  readonly kind: typeof DESIGN_SPACE_POLICY_KIND;
  probabilities(task: GemmTask, choice: string, options: readonly OptionValue[]): number[];
}

const optionValueSchema = z.union([z.string(), z.number()]);
const choiceStateSchema = z
  .object({
    options: z.array(optionValueSchema).min(1),
    linear: z.array(z.number()),
    hiddenIn: z.array(z.number()),
    hiddenOut: z.array(z.number()),
    trained: z.boolean(),
  })
  .strict();
const checkpointStateSchema = z
  .object({
    format: z.literal(CHECKPOINT_FORMAT),
    features: z.array(z.string()),
    hiddenSize: z.number().int().min(0),
    seed: z.number().int().nonnegative(),
    updates: z.number().int().nonnegative(),
    choices: z.record(z.string(), choiceStateSchema),
    reference: z.record(z.string(), choiceStateSchema),
    offers: z.record(z.string(), z.record(z.string(), z.array(z.number().int().nonnegative()))),
  })
  .strict();

/** The `state` of this trainer's PolicyCheckpoint: plain JSON. */
export type DesignSpaceCheckpointState = z.infer<typeof checkpointStateSchema>;

const FEATURE_CACHE_LIMIT = 4096;
const MEMO_LIMIT = 65536;

function sameOptions(a: readonly OptionValue[], b: readonly OptionValue[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

/**
 * The design-space policy and its GRPO trainer. For every choice name (`family`, `<family>.<dimension>`) the
 * policy is a softmax over that choice's options of logits V·x + U·tanh(W·x), x being the task's features
 * (`taskFeatures`): a product of categoricals conditioned on the task's shape, so what is learned on some
 * shapes carries to others through the features. Choices are created the first time they are asked for.
 */
@injectable()
export class DesignSpaceGrpoTrainer implements PolicyTrainer {
  readonly apiVersion = API_VERSION;
  readonly name = TRAINER_NAME;
  readonly grpo: GrpoOptions;
  readonly policyOptions: PolicyOptions;
  #current: PolicyModel;
  #reference: PolicyModel;
  /** Per choice, per task key: the vocabulary indices offered for that task (the support of its softmax). */
  #offers = new Map<string, Map<string, number[]>>();
  #updates = 0;
  readonly #features = new Map<string, number[]>();

  constructor(
    @inject(pluginOptionsToken<GrpoPluginOptions>(PLUGIN_NAME)) options: GrpoPluginOptions,
    @inject(TOKENS.config) config: KernelForgeConfig,
  ) {
    this.grpo = options.grpo;
    this.policyOptions = options.policy;
    const shape: ModelShape = {
      hiddenSize: options.policy.hiddenSize,
      seed: options.policy.seed ?? config.search.seed,
    };
    this.#current = new PolicyModel(shape);
    this.#reference = new PolicyModel(shape);
  }

  /** The current parameters' version (a hash; see PolicyModel.version). */
  get version(): string {
    return this.#current.version();
  }

  /** Number of updates applied since the start (or carried in a restored checkpoint). */
  get updates(): number {
    return this.#updates;
  }

  /** The choices known so far, sorted, with their options. */
  knownChoices(): Record<string, OptionValue[]> {
    const known: Record<string, OptionValue[]> = {};
    for (const name of this.#current.sortedNames()) {
      known[name] = [...(this.#current.choices.get(name) as ChoiceParameters).options];
    }
    return known;
  }

  /**
   * The sampling policy at the current parameters. It keeps these parameters after later updates (its
   * `version` stays the one recorded in the candidates it produced); a choice or option it sees for the first
   * time is also registered with the trainer, so updates can learn it.
   */
  policy(): DesignSpacePolicy {
    const model = this.#current;
    const version = model.version();
    // The parameters are frozen, so the answer for a (choice, task, options) never changes: samplers that
    // redraw repeated or invalid points ask the same question many times.
    const memo = new Map<string, { options: OptionValue[]; probabilities: number[] }>();
    return {
      kind: DESIGN_SPACE_POLICY_KIND,
      version,
      probabilities: (task, choice, options) => {
        const key = `${choice}\u0000${taskKey(task)}`;
        const known = memo.get(key);
        if (known && sameOptions(known.options, options)) return [...known.probabilities];
        const indices = this.#register(task, choice, options);
        const own = model === this.#current ? indices : model.ensureChoice(choice, options, false);
        const probabilities = model.forward(choice, this.#taskFeatures(task), own).probabilities;
        if (memo.size >= MEMO_LIMIT) memo.clear();
        memo.set(key, { options: [...options], probabilities });
        return [...probabilities];
      },
    };
  }

  /**
   * The most probable point for a task. `optionsPerChoice` maps choice names to their options. When it has a
   * `family` choice, the space is read as the template generator's: a family, then the choices named
   * `<family>.<dimension>` of that family only; the result is the family and dimensions with the highest joint
   * probability. Otherwise every choice is independent and each takes its most probable option. Ties go to the
   * first option listed.
   */
  greedy(task: GemmTask, optionsPerChoice: Readonly<Record<string, readonly OptionValue[]>>): GreedyPoint {
    const policy = this.policy();
    const best = (choice: string, options: readonly OptionValue[]) => {
      const probabilities = policy.probabilities(task, choice, options);
      let index = 0;
      probabilities.forEach((probability, position) => {
        if (probability > (probabilities[index] as number)) index = position;
      });
      return {
        value: options[index] as OptionValue,
        logProbability: Math.log(probabilities[index] as number),
      };
    };
    const names = Object.keys(optionsPerChoice);
    const families = optionsPerChoice.family;
    if (!families) {
      const choices: Record<string, OptionValue> = {};
      let logProbability = 0;
      for (const name of names) {
        const chosen = best(name, optionsPerChoice[name] as readonly OptionValue[]);
        choices[name] = chosen.value;
        logProbability += chosen.logProbability;
      }
      return { choices, logProbability };
    }
    const familyProbabilities = policy.probabilities(task, "family", families);
    let winner: GreedyPoint | undefined;
    families.forEach((family, index) => {
      const choices: Record<string, OptionValue> = { family };
      let logProbability = Math.log(familyProbabilities[index] as number);
      for (const name of names) {
        if (!name.startsWith(`${family}.`)) continue;
        const chosen = best(name, optionsPerChoice[name] as readonly OptionValue[]);
        choices[name] = chosen.value;
        logProbability += chosen.logProbability;
      }
      if (!winner || logProbability > winner.logProbability) winner = { choices, logProbability };
    });
    return winner as GreedyPoint;
  }

  /**
   * One GRPO update: `epochs` passes over the groups, one gradient step per group per pass, descending
   * −mean(clipped surrogate) + β·mean(KL to the reference), the gradient clipped to `maxGradNorm` (global L2
   * norm) and scaled by the learning rate. Samples without a `policySample`, with a choice or option the policy
   * does not know, or with a non-finite advantage or log-probability are skipped and counted.
   */
  async update(groups: readonly PolicyGroup[], options: CallOptions = {}): Promise<PolicyUpdateReport> {
    throwIfAborted(options.signal);
    const counts = { samples: 0, skippedSamples: 0, unrecordedOffers: 0 };
    const batches: PreparedSample[][] = [];
    for (const group of groups) {
      const prepared = this.#prepare(group, counts);
      if (prepared.length) batches.push(prepared);
    }
    const settings = { clipEpsilon: this.grpo.clipEpsilon, klCoefficient: this.grpo.klCoefficient };
    const next = this.#current.clone();
    const totals = { loss: 0, surrogate: 0, meanRatio: 0, clipFraction: 0, gradNorm: 0 };
    let steps = 0;
    for (let epoch = 0; epoch < this.grpo.epochs; epoch++) {
      for (const batch of batches) {
        throwIfAborted(options.signal);
        const gradients = new Map<string, ChoiceGradient>();
        const stats = grpoObjective(next, this.#reference, batch, settings, gradients);
        totals.loss += stats.loss;
        totals.surrogate += stats.surrogate;
        totals.meanRatio += stats.meanRatio;
        totals.clipFraction += stats.clipFraction;
        totals.gradNorm += this.#step(next, gradients);
        steps++;
      }
    }
    const final = grpoObjective(next, this.#reference, batches.flat(), settings);
    this.#current = next;
    if (steps > 0) this.#updates++;
    const mean = (total: number) => (steps > 0 ? total / steps : 0);
    return {
      steps,
      metrics: {
        surrogateLoss: -mean(totals.surrogate),
        loss: mean(totals.loss),
        kl: final.kl,
        meanRatio: mean(totals.meanRatio),
        clipFraction: mean(totals.clipFraction),
        entropy: final.entropy,
        gradNorm: mean(totals.gradNorm),
        groups: batches.length,
        ...counts,
      },
      version: next.version(),
    };
  }

  async checkpoint(): Promise<PolicyCheckpoint> {
    const state: DesignSpaceCheckpointState = {
      format: CHECKPOINT_FORMAT,
      features: [...FEATURE_NAMES],
      hiddenSize: this.#current.shape.hiddenSize,
      seed: this.#current.shape.seed,
      updates: this.#updates,
      choices: modelState(this.#current),
      reference: modelState(this.#reference),
      offers: Object.fromEntries(
        [...this.#offers.keys()].sort().map((choice) => {
          const perTask = this.#offers.get(choice) as Map<string, number[]>;
          return [
            choice,
            Object.fromEntries([...perTask.keys()].sort().map((key) => [key, [...(perTask.get(key) ?? [])]])),
          ];
        }),
      ),
    };
    return { trainer: TRAINER_NAME, apiVersion: API_VERSION, version: this.#current.version(), state };
  }

  /**
   * Restores a checkpoint exactly: parameters, reference, offered options per task, and the parameterization
   * (hidden size and seed come from the checkpoint). With `resetReferenceOnRestore` the restored parameters
   * also become the KL reference.
   */
  async restore(checkpoint: PolicyCheckpoint): Promise<void> {
    const fail = (why: string): never => {
      throw new KernelForgeError(
        "invalid_policy_checkpoint",
        `Cannot restore the ${TRAINER_NAME} policy: ${why}`,
        {
          hint: `Pass a checkpoint written by ${TRAINER_NAME}'s checkpoint(), unmodified.`,
        },
      );
    };
    if (checkpoint.trainer !== TRAINER_NAME)
      fail(`the checkpoint is from trainer ${JSON.stringify(checkpoint.trainer)}`);
    if (checkpoint.apiVersion !== API_VERSION)
      fail(`the checkpoint is for plugin API ${checkpoint.apiVersion}`);
    const parsed = checkpointStateSchema.safeParse(checkpoint.state);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return fail(
        `its state is malformed at ${issue?.path.join(".") || "state"}: ${issue?.message ?? "invalid"}`,
      );
    }
    const state = parsed.data;
    if (state.features.join(",") !== FEATURE_NAMES.join(",")) {
      fail(`it was trained on the features ${state.features.join(", ")}, not ${FEATURE_NAMES.join(", ")}`);
    }
    const shape: ModelShape = { hiddenSize: state.hiddenSize, seed: state.seed };
    const current = modelFromState(shape, state.choices, fail);
    const reference = modelFromState(shape, state.reference, fail);
    for (const [name, parameters] of current.choices) {
      const other = reference.choices.get(name);
      if (!other || JSON.stringify(other.options) !== JSON.stringify(parameters.options)) {
        fail(`its reference does not hold choice ${JSON.stringify(name)} with the same options`);
      }
    }
    if (reference.choices.size !== current.choices.size)
      fail("its reference holds choices the policy does not");
    const offers = new Map<string, Map<string, number[]>>();
    for (const [choice, perTask] of Object.entries(state.offers)) {
      const size = current.choices.get(choice)?.options.length;
      if (size === undefined) fail(`it records offers for the unknown choice ${JSON.stringify(choice)}`);
      const map = new Map<string, number[]>();
      for (const [key, indices] of Object.entries(perTask)) {
        if (indices.some((index) => index >= (size as number))) fail(`an offer of ${choice} is out of range`);
        map.set(key, [...indices]);
      }
      offers.set(choice, map);
    }
    if (current.version() !== checkpoint.version) {
      fail(`its parameters hash to ${current.version()}, not to the recorded version ${checkpoint.version}`);
    }
    this.#current = current;
    this.#reference = this.policyOptions.resetReferenceOnRestore ? current.clone() : reference;
    this.#offers = offers;
    this.#updates = state.updates;
  }

  /** Makes the current parameters the reference of the KL penalty. */
  resetReference(): void {
    this.#reference = this.#current.clone();
  }

  #register(task: GemmTask, choice: string, options: readonly OptionValue[]): number[] {
    const strict = this.policyOptions.newOptions === "strict";
    const indices = this.#current.ensureChoice(choice, options, strict);
    this.#reference.ensureChoice(choice, options, false);
    let perTask = this.#offers.get(choice);
    if (!perTask) {
      perTask = new Map();
      this.#offers.set(choice, perTask);
    }
    perTask.set(taskKey(task), [...indices]);
    return indices;
  }

  #taskFeatures(task: GemmTask): number[] {
    const key = taskKey(task);
    let features = this.#features.get(key);
    if (!features) {
      if (this.#features.size >= FEATURE_CACHE_LIMIT) this.#features.clear();
      features = taskFeatures(task);
      this.#features.set(key, features);
    }
    return features;
  }

  #prepare(
    group: PolicyGroup,
    counts: { samples: number; skippedSamples: number; unrecordedOffers: number },
  ): PreparedSample[] {
    const key = taskKey(group.task);
    const features = this.#taskFeatures(group.task);
    const prepared: PreparedSample[] = [];
    for (const sample of group.samples) {
      const policySample = sample.candidate.provenance.policySample;
      const advantage = sample.advantage.advantage;
      if (!policySample || !Number.isFinite(policySample.logProbability) || !Number.isFinite(advantage)) {
        counts.skippedSamples++;
        continue;
      }
      const choices: PreparedChoice[] = [];
      let usable = true;
      let unrecorded = 0;
      for (const name of Object.keys(policySample.choices).sort()) {
        const parameters = this.#current.choices.get(name);
        const option = parameters?.options.indexOf(policySample.choices[name] as OptionValue) ?? -1;
        if (!parameters || option < 0) {
          usable = false;
          break;
        }
        let offered: readonly number[] | undefined = this.#offers.get(name)?.get(key);
        if (!offered?.includes(option)) {
          offered = parameters.options.map((_, index) => index);
          unrecorded++;
        }
        choices.push({ name, option, offered });
      }
      if (!usable || choices.length === 0) {
        counts.skippedSamples++;
        continue;
      }
      counts.unrecordedOffers += unrecorded;
      counts.samples++;
      prepared.push({ features, choices, oldLogProbability: policySample.logProbability, advantage });
    }
    return prepared;
  }

  /** Applies one clipped gradient step to `model`; returns the gradient's norm before clipping. */
  #step(model: PolicyModel, gradients: Map<string, ChoiceGradient>): number {
    const names = [...gradients.keys()].sort();
    let squared = 0;
    for (const name of names) {
      const gradient = gradients.get(name) as ChoiceGradient;
      for (const values of [gradient.linear, gradient.hiddenIn, gradient.hiddenOut]) {
        for (const value of values) squared += value * value;
      }
    }
    const norm = Math.sqrt(squared);
    if (norm === 0) return 0;
    const scale = this.grpo.learningRate * (norm > this.grpo.maxGradNorm ? this.grpo.maxGradNorm / norm : 1);
    for (const name of names) {
      const gradient = gradients.get(name) as ChoiceGradient;
      const parameters = model.choices.get(name) as ChoiceParameters;
      let changed = false;
      const apply = (target: number[], source: number[]) => {
        for (let i = 0; i < target.length; i++) {
          const g = source[i] as number;
          if (g === 0) continue;
          target[i] = (target[i] as number) - scale * g;
          changed = true;
        }
      };
      apply(parameters.linear, gradient.linear);
      apply(parameters.hiddenIn, gradient.hiddenIn);
      apply(parameters.hiddenOut, gradient.hiddenOut);
      if (changed) parameters.trained = true;
    }
    return norm;
  }
}

/** A trainer built outside a container (scripts, tests): options as in the config, seed defaulting to 1. */
export function createDesignSpaceTrainer(options: GrpoPluginOptionsInput = {}): DesignSpaceGrpoTrainer {
  return new DesignSpaceGrpoTrainer(grpoPluginOptionsSchema.parse(options), defaultConfig());
}

function modelState(model: PolicyModel): DesignSpaceCheckpointState["choices"] {
  const state: DesignSpaceCheckpointState["choices"] = {};
  for (const name of model.sortedNames()) {
    const parameters = model.choices.get(name) as ChoiceParameters;
    state[name] = {
      options: [...parameters.options],
      linear: [...parameters.linear],
      hiddenIn: [...parameters.hiddenIn],
      hiddenOut: [...parameters.hiddenOut],
      trained: parameters.trained,
    };
  }
  return state;
}

function modelFromState(
  shape: ModelShape,
  choices: DesignSpaceCheckpointState["choices"],
  fail: (why: string) => never,
): PolicyModel {
  const map = new Map<string, ChoiceParameters>();
  for (const name of Object.keys(choices).sort()) {
    const state = choices[name] as DesignSpaceCheckpointState["choices"][string];
    const options = state.options.length;
    if (new Set(state.options).size !== options) fail(`choice ${JSON.stringify(name)} lists an option twice`);
    if (
      state.linear.length !== options * FEATURE_COUNT ||
      state.hiddenIn.length !== shape.hiddenSize * FEATURE_COUNT ||
      state.hiddenOut.length !== options * shape.hiddenSize
    ) {
      fail(`the parameters of choice ${JSON.stringify(name)} do not have the sizes its options imply`);
    }
    if (![state.linear, state.hiddenIn, state.hiddenOut].every((values) => values.every(Number.isFinite))) {
      fail(`the parameters of choice ${JSON.stringify(name)} are not all finite`);
    }
    map.set(name, {
      options: [...state.options],
      linear: [...state.linear],
      hiddenIn: [...state.hiddenIn],
      hiddenOut: [...state.hiddenOut],
      trained: state.trained,
    });
  }
  return new PolicyModel(shape, map);
}
