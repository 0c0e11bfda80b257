import { createHash } from "node:crypto";
import { KernelForgeError, stableStringify } from "@kernelforge/core";
import { softmax } from "../grpo/grpo-math.js";
import { createRng, deriveSeed } from "../random.js";
import { FEATURE_COUNT, FEATURE_NAMES } from "./features.js";

/** A value of one choice (a design-space option). */
export type OptionValue = string | number;

/**
 * The parameters of one named choice with K options (its vocabulary), F features and H hidden units:
 * logits z = V·x + U·tanh(W·x), all row-major. With H = 0 this is a linear softmax.
 */
export interface ChoiceParameters {
  /** The options, in the order they were first offered. */
  options: OptionValue[];
  /** V: K × F. */
  linear: number[];
  /** W: H × F (fixed at its seeded initialization until trained). */
  hiddenIn: number[];
  /** U: K × H. */
  hiddenOut: number[];
  /** Whether an update has changed these parameters (untrained choices do not enter the version). */
  trained: boolean;
}

/** The shape of the parameterization shared by every choice. */
export interface ModelShape {
  hiddenSize: number;
  seed: number;
}

/** Gradients of one choice's parameters, in the same layout. */
export interface ChoiceGradient {
  linear: number[];
  hiddenIn: number[];
  hiddenOut: number[];
}

/** The per-choice parameters of a design-space policy. Copy-on-write: updates work on a `clone()`. */
export class PolicyModel {
  readonly shape: ModelShape;
  readonly choices: Map<string, ChoiceParameters>;

  constructor(shape: ModelShape, choices: Map<string, ChoiceParameters> = new Map()) {
    this.shape = shape;
    this.choices = choices;
  }

  clone(): PolicyModel {
    const copy = new Map<string, ChoiceParameters>();
    for (const [name, parameters] of this.choices) copy.set(name, cloneParameters(parameters));
    return new PolicyModel(this.shape, copy);
  }

  /** Choice names in sorted order: every sum over choices runs in this order, so results never depend on history. */
  sortedNames(): string[] {
    return [...this.choices.keys()].sort();
  }

  /**
   * Makes sure `choice` exists and knows every one of `options`: a new choice starts with V = U = 0 (uniform)
   * and W drawn from N(0, 1/F) under a seed derived from the run seed and the choice name; an unseen option of
   * a known choice is appended with zero rows (the logit an untrained option has), unless `strict`.
   * Returns the vocabulary index of each offered option.
   */
  ensureChoice(choice: string, options: readonly OptionValue[], strict: boolean): number[] {
    checkOptions(choice, options);
    let parameters = this.choices.get(choice);
    const isNew = parameters === undefined;
    if (!parameters) {
      parameters = initialParameters(choice, this.shape);
      this.choices.set(choice, parameters);
    }
    const indices: number[] = [];
    const added: OptionValue[] = [];
    for (const option of options) {
      let index = parameters.options.indexOf(option);
      if (index < 0) {
        if (strict && !isNew) added.push(option);
        else {
          index = parameters.options.length;
          parameters.options.push(option);
          for (let f = 0; f < FEATURE_COUNT; f++) parameters.linear.push(0);
          for (let h = 0; h < this.shape.hiddenSize; h++) parameters.hiddenOut.push(0);
        }
      }
      indices.push(index);
    }
    if (added.length) {
      throw new KernelForgeError(
        "policy_options_changed",
        `The options of choice ${JSON.stringify(choice)} changed: the policy knows ${JSON.stringify(parameters.options)} and was offered ${JSON.stringify(options)} (new: ${JSON.stringify(added)})`,
        {
          hint: 'A design space changed under a trained policy. Start from a fresh policy, or set the grpo plugin\'s policy.newOptions to "extend".',
        },
      );
    }
    return indices;
  }

  /** Forward pass of one choice for features x over the offered vocabulary indices. */
  forward(choice: string, features: readonly number[], offered: readonly number[]): ChoiceForward {
    const parameters = this.choices.get(choice);
    if (!parameters) throw new Error(`unknown choice ${choice}`);
    return forwardChoice(parameters, this.shape.hiddenSize, features, offered);
  }

  /**
   * The policy's version: 16 hex characters of sha256 over the parameterization (features, hidden size,
   * seed) and the trained choices' parameters. Choices still at their deterministic initialization do not
   * count, so discovering a choice does not change the version.
   */
  version(): string {
    const trained: Record<string, ChoiceParameters> = {};
    for (const name of this.sortedNames()) {
      const parameters = this.choices.get(name) as ChoiceParameters;
      if (parameters.trained) trained[name] = parameters;
    }
    const payload = stableStringify({ features: FEATURE_NAMES, shape: this.shape, trained });
    return createHash("sha256").update(payload).digest("hex").slice(0, 16);
  }
}

/** What the forward pass of one choice computed, kept for its backward pass. */
export interface ChoiceForward {
  offered: readonly number[];
  /** tanh(W·x), length H. */
  hidden: number[];
  /** Logits of the offered options. */
  logits: number[];
  /** softmax(logits): probabilities of the offered options. */
  probabilities: number[];
}

export function forwardChoice(
  parameters: ChoiceParameters,
  hiddenSize: number,
  features: readonly number[],
  offered: readonly number[],
): ChoiceForward {
  const hidden: number[] = [];
  for (let h = 0; h < hiddenSize; h++) {
    let sum = 0;
    for (let f = 0; f < FEATURE_COUNT; f++) {
      sum += (parameters.hiddenIn[h * FEATURE_COUNT + f] as number) * (features[f] as number);
    }
    hidden.push(Math.tanh(sum));
  }
  const logits = offered.map((option) => {
    let sum = 0;
    for (let f = 0; f < FEATURE_COUNT; f++) {
      sum += (parameters.linear[option * FEATURE_COUNT + f] as number) * (features[f] as number);
    }
    for (let h = 0; h < hiddenSize; h++) {
      sum += (parameters.hiddenOut[option * hiddenSize + h] as number) * (hidden[h] as number);
    }
    return sum;
  });
  return { offered, hidden, logits, probabilities: softmax(logits) };
}

/**
 * Back-propagates ∂loss/∂logits of the offered options into one choice's gradient:
 * ∂V_k = g_k·x, ∂U_k = g_k·h, ∂W = ((Σ_k g_k U_k) ⊙ (1 − h²))·xᵀ.
 */
export function backwardChoice(
  parameters: ChoiceParameters,
  hiddenSize: number,
  features: readonly number[],
  forward: ChoiceForward,
  logitGradient: readonly number[],
  gradient: ChoiceGradient,
): void {
  const hiddenGradient = new Array<number>(hiddenSize).fill(0);
  forward.offered.forEach((option, position) => {
    const g = logitGradient[position] as number;
    if (g === 0) return;
    for (let f = 0; f < FEATURE_COUNT; f++) {
      gradient.linear[option * FEATURE_COUNT + f] =
        (gradient.linear[option * FEATURE_COUNT + f] as number) + g * (features[f] as number);
    }
    for (let h = 0; h < hiddenSize; h++) {
      gradient.hiddenOut[option * hiddenSize + h] =
        (gradient.hiddenOut[option * hiddenSize + h] as number) + g * (forward.hidden[h] as number);
      hiddenGradient[h] =
        (hiddenGradient[h] as number) + g * (parameters.hiddenOut[option * hiddenSize + h] as number);
    }
  });
  for (let h = 0; h < hiddenSize; h++) {
    const activation = forward.hidden[h] as number;
    const pre = (hiddenGradient[h] as number) * (1 - activation * activation);
    if (pre === 0) continue;
    for (let f = 0; f < FEATURE_COUNT; f++) {
      gradient.hiddenIn[h * FEATURE_COUNT + f] =
        (gradient.hiddenIn[h * FEATURE_COUNT + f] as number) + pre * (features[f] as number);
    }
  }
}

export function zeroGradient(parameters: ChoiceParameters): ChoiceGradient {
  return {
    linear: new Array<number>(parameters.linear.length).fill(0),
    hiddenIn: new Array<number>(parameters.hiddenIn.length).fill(0),
    hiddenOut: new Array<number>(parameters.hiddenOut.length).fill(0),
  };
}

export function cloneParameters(parameters: ChoiceParameters): ChoiceParameters {
  return {
    options: [...parameters.options],
    linear: [...parameters.linear],
    hiddenIn: [...parameters.hiddenIn],
    hiddenOut: [...parameters.hiddenOut],
    trained: parameters.trained,
  };
}

/** A new choice with no options yet (ensureChoice appends them with zero rows) and its seeded W. */
function initialParameters(choice: string, shape: ModelShape): ChoiceParameters {
  const rng = createRng(deriveSeed(shape.seed, "hidden", choice));
  const scale = 1 / Math.sqrt(FEATURE_COUNT);
  const hiddenIn: number[] = [];
  for (let i = 0; i < shape.hiddenSize * FEATURE_COUNT; i++) hiddenIn.push(rng.normal() * scale);
  return { options: [], linear: [], hiddenIn, hiddenOut: [], trained: false };
}

function checkOptions(choice: string, options: readonly OptionValue[]): void {
  if (options.length === 0) {
    throw new KernelForgeError(
      "policy_no_options",
      `Choice ${JSON.stringify(choice)} was offered no options`,
    );
  }
  if (new Set(options).size !== options.length) {
    throw new KernelForgeError(
      "policy_duplicate_options",
      `Choice ${JSON.stringify(choice)} was offered the same option twice: ${JSON.stringify(options)}`,
    );
  }
}
