import {
  backwardChoice,
  type ChoiceGradient,
  type ChoiceParameters,
  type PolicyModel,
  zeroGradient,
} from "../policy/model.js";
import { categoricalKl, clippedSurrogate, entropy, klLogitGradient, logSoftmaxAt } from "./grpo-math.js";

/** One choice a sample made: the choice's name, the chosen vocabulary index and the offered indices. */
export interface PreparedChoice {
  name: string;
  option: number;
  offered: readonly number[];
}

/** One sample, ready for the objective: task features, its choices, the old log-probability and its advantage. */
export interface PreparedSample {
  features: readonly number[];
  choices: readonly PreparedChoice[];
  oldLogProbability: number;
  advantage: number;
}

export interface ObjectiveSettings {
  clipEpsilon: number;
  klCoefficient: number;
}

/** The value of the objective over a batch and the figures reported with it (means over the samples). */
export interface ObjectiveStats {
  /** −mean(L) + β·mean(KL): what a step descends. */
  loss: number;
  /** mean(L), the clipped surrogate. */
  surrogate: number;
  /** mean over samples of Σ over the sample's choices of KL(π_θ ‖ π_ref). */
  kl: number;
  meanRatio: number;
  /** Fraction of samples whose ratio lies outside [1 − ε, 1 + ε]. */
  clipFraction: number;
  /** mean over samples of Σ over the sample's choices of the entropy of π_θ. */
  entropy: number;
  samples: number;
}

/**
 * The GRPO objective of a batch under `model`, with the KL toward `reference`, and, when `gradients` is given,
 * its gradient with respect to every parameter of the choices involved (accumulated into the map):
 *
 *   loss = −(1/N) Σᵢ min(ρᵢ Aᵢ, clip(ρᵢ, 1 − ε, 1 + ε) Aᵢ) + β (1/N) Σᵢ Σ_c KL(π_θ(·|xᵢ, c) ‖ π_ref(·|xᵢ, c))
 *
 * with ρᵢ = exp(Σ_c ln π_θ(aᵢ_c | xᵢ) − ln π_old,ᵢ). For choice c of sample i, with p = π_θ(·|xᵢ, c) over the
 * offered options and q the reference's:
 *
 *   ∂loss/∂z = −(1/N) gᵢ (e_a − p) + (β/N) p ⊙ (ln p − ln q − KL(p ‖ q)),   gᵢ = ∂Lᵢ/∂ln π_θ,ᵢ.
 */
export function grpoObjective(
  model: PolicyModel,
  reference: PolicyModel,
  samples: readonly PreparedSample[],
  settings: ObjectiveSettings,
  gradients?: Map<string, ChoiceGradient>,
): ObjectiveStats {
  const count = samples.length;
  const stats: ObjectiveStats = {
    loss: 0,
    surrogate: 0,
    kl: 0,
    meanRatio: 0,
    clipFraction: 0,
    entropy: 0,
    samples: count,
  };
  if (count === 0) return stats;
  const hiddenSize = model.shape.hiddenSize;
  for (const sample of samples) {
    const passes = sample.choices.map((choice) => {
      const parameters = model.choices.get(choice.name) as ChoiceParameters;
      const forward = model.forward(choice.name, sample.features, choice.offered);
      const referenceForward = reference.forward(choice.name, sample.features, choice.offered);
      const position = choice.offered.indexOf(choice.option);
      const kl = categoricalKl(forward.probabilities, referenceForward.probabilities);
      return { choice, parameters, forward, reference: referenceForward, position, kl };
    });
    let logProbability = 0;
    let sampleKl = 0;
    for (const pass of passes) {
      logProbability += logSoftmaxAt(pass.forward.logits, pass.position);
      sampleKl += pass.kl;
      stats.entropy += entropy(pass.forward.probabilities);
    }
    const term = clippedSurrogate(
      logProbability,
      sample.oldLogProbability,
      sample.advantage,
      settings.clipEpsilon,
    );
    stats.surrogate += term.value;
    stats.kl += sampleKl;
    stats.meanRatio += term.ratio;
    if (term.outsideClip) stats.clipFraction += 1;
    if (!gradients) continue;
    for (const pass of passes) {
      const p = pass.forward.probabilities;
      const klGradient = klLogitGradient(p, pass.reference.probabilities, pass.kl);
      const logitGradient = p.map((pj, j) => {
        const indicator = j === pass.position ? 1 : 0;
        return (
          (-term.gradient * (indicator - pj) + settings.klCoefficient * (klGradient[j] as number)) / count
        );
      });
      let gradient = gradients.get(pass.choice.name);
      if (!gradient) {
        gradient = zeroGradient(pass.parameters);
        gradients.set(pass.choice.name, gradient);
      }
      backwardChoice(pass.parameters, hiddenSize, sample.features, pass.forward, logitGradient, gradient);
    }
  }
  stats.surrogate /= count;
  stats.kl /= count;
  stats.meanRatio /= count;
  stats.clipFraction /= count;
  stats.entropy /= count;
  stats.loss = -stats.surrogate + settings.klCoefficient * stats.kl;
  return stats;
}
