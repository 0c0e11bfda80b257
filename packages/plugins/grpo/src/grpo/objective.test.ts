import { describe, expect, it } from "vitest";
import { type ChoiceGradient, PolicyModel } from "../policy/model.js";
import { createRng } from "../random.js";
import { grpoObjective, type PreparedSample } from "./objective.js";

const FEATURES = 21;

function features(seed: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: FEATURES }, (_, index) => (index === 0 ? 1 : rng.normal() * 0.7));
}

describe("the GRPO objective", () => {
  it("matches a hand-computed case", () => {
    const model = new PolicyModel({ hiddenSize: 0, seed: 1 });
    model.ensureChoice("tile", [64, 128], false);
    const reference = model.clone();
    const x = features(1);
    const sample: PreparedSample = {
      features: x,
      choices: [{ name: "tile", option: 0, offered: [0, 1] }],
      oldLogProbability: Math.log(0.5),
      advantage: 1,
    };
    const gradients = new Map<string, ChoiceGradient>();
    const stats = grpoObjective(
      model,
      reference,
      [sample],
      { clipEpsilon: 0.2, klCoefficient: 0.5 },
      gradients,
    );
    // Uniform policy, ratio 1, A = 1, KL 0: loss = −1, ∂loss/∂z = −(e₀ − p) = [−0.5, 0.5].
    expect(stats).toMatchObject({ loss: -1, surrogate: 1, kl: 0, meanRatio: 1, clipFraction: 0, samples: 1 });
    expect(stats.entropy).toBeCloseTo(Math.log(2), 14);
    const gradient = gradients.get("tile") as ChoiceGradient;
    expect(gradient.linear.slice(0, FEATURES)).toEqual(x.map((value) => expect.closeTo(-0.5 * value, 14)));
    expect(gradient.linear.slice(FEATURES)).toEqual(x.map((value) => expect.closeTo(0.5 * value, 14)));
  });

  it.each([0, 3])(
    "has hand-written gradients that agree with finite differences (hidden size %i)",
    (hiddenSize) => {
      const model = new PolicyModel({ hiddenSize, seed: 7 });
      model.ensureChoice("family", ["tc", "skinny"], false);
      model.ensureChoice("tc.tile", [64, 128, 256, 512], false);
      model.ensureChoice("tc.stages", [2, 3, 4], false);
      model.ensureChoice("skinny.split", [1, 2, 4, 8, 16], false);
      const rng = createRng(11 + hiddenSize);
      for (const parameters of model.choices.values()) {
        for (const values of [parameters.linear, parameters.hiddenIn, parameters.hiddenOut]) {
          for (let i = 0; i < values.length; i++) values[i] = rng.normal() * 0.4;
        }
      }
      const reference = model.clone();
      for (const parameters of reference.choices.values()) {
        for (let i = 0; i < parameters.linear.length; i++)
          parameters.linear[i] = (parameters.linear[i] as number) + rng.normal() * 0.3;
      }
      const settings = { clipEpsilon: 0.2, klCoefficient: 0.3 };
      // Samples: some inside the clip range, some clipped (zero surrogate gradient), one with a restricted offer.
      const draft: Omit<PreparedSample, "oldLogProbability">[] = [
        {
          features: features(2),
          choices: [
            { name: "family", option: 0, offered: [0, 1] },
            { name: "tc.tile", option: 2, offered: [0, 1, 2, 3] },
            { name: "tc.stages", option: 1, offered: [0, 1, 2] },
          ],
          advantage: 1.3,
        },
        {
          features: features(3),
          choices: [
            { name: "family", option: 1, offered: [0, 1] },
            { name: "skinny.split", option: 3, offered: [1, 3, 4] },
          ],
          advantage: -0.8,
        },
        {
          features: features(4),
          choices: [
            { name: "family", option: 0, offered: [0, 1] },
            { name: "tc.tile", option: 0, offered: [0, 1, 2, 3] },
            { name: "tc.stages", option: 2, offered: [0, 1, 2] },
          ],
          advantage: 0.6,
        },
        {
          features: features(5),
          choices: [
            { name: "family", option: 1, offered: [1] },
            { name: "skinny.split", option: 0, offered: [0, 1, 2, 3, 4] },
          ],
          advantage: -1.1,
        },
      ];
      // Log-ratios chosen away from the clip boundaries: ±0.05 inside, +0.7 / −0.7 outside.
      const logRatios = [0.05, -0.05, 0.7, -0.7];
      const current = grpoObjective(
        model,
        reference,
        draft.map((sample) => ({ ...sample, oldLogProbability: 0 })),
        settings,
      );
      expect(current.samples).toBe(4);
      const samples: PreparedSample[] = draft.map((sample, index) => {
        const alone = grpoObjective(model, reference, [{ ...sample, oldLogProbability: 0 }], {
          ...settings,
          klCoefficient: 0,
        });
        // With old log-probability 0 and A ≠ 0, the surrogate recovers ρ = π_θ; shift so ρ = exp(logRatio).
        const logProbability = Math.log(alone.meanRatio);
        return { ...sample, oldLogProbability: logProbability - (logRatios[index] as number) };
      });
      const gradients = new Map<string, ChoiceGradient>();
      const stats = grpoObjective(model, reference, samples, settings, gradients);
      expect(stats.meanRatio).toBeCloseTo(
        (Math.exp(0.05) + Math.exp(-0.05) + Math.exp(0.7) + Math.exp(-0.7)) / 4,
        10,
      );
      expect(stats.clipFraction).toBe(0.5);
      const step = 1e-6;
      let differenceSquared = 0;
      let analyticSquared = 0;
      let numericSquared = 0;
      let checked = 0;
      for (const [name, parameters] of model.choices) {
        const gradient = gradients.get(name) as ChoiceGradient;
        for (const key of ["linear", "hiddenIn", "hiddenOut"] as const) {
          const values = parameters[key];
          for (let i = 0; i < values.length; i++) {
            const original = values[i] as number;
            values[i] = original + step;
            const plus = grpoObjective(model, reference, samples, settings).loss;
            values[i] = original - step;
            const minus = grpoObjective(model, reference, samples, settings).loss;
            values[i] = original;
            const numeric = (plus - minus) / (2 * step);
            const analytic = gradient[key][i] as number;
            differenceSquared += (analytic - numeric) ** 2;
            analyticSquared += analytic ** 2;
            numericSquared += numeric ** 2;
            if (Math.abs(numeric) > 1e-4)
              expect(Math.abs(analytic - numeric) / Math.abs(numeric)).toBeLessThan(1e-4);
            checked++;
          }
        }
      }
      expect(checked).toBeGreaterThan(250);
      expect(Math.sqrt(analyticSquared)).toBeGreaterThan(0.01);
      const relative =
        Math.sqrt(differenceSquared) / Math.max(Math.sqrt(analyticSquared), Math.sqrt(numericSquared));
      expect(relative).toBeLessThan(1e-4);
    },
  );
});
