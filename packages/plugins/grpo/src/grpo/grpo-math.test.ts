import { describe, expect, it } from "vitest";
import {
  categoricalKl,
  clippedSurrogate,
  computeAdvantages,
  entropy,
  groupAdvantages,
  klLogitGradient,
  logSoftmaxAt,
  softmax,
} from "./grpo-math.js";

describe("group-relative advantages", () => {
  it("are (r − mean) / (population std + ε)", () => {
    // mean 2.5, population variance 1.25.
    const advantages = groupAdvantages([1, 2, 3, 4], 0);
    const std = Math.sqrt(1.25);
    expect(advantages.map((value) => value * std)).toEqual(
      [-1.5, -0.5, 0.5, 1.5].map((value) => expect.closeTo(value, 12)),
    );
    const withEpsilon = groupAdvantages([0, 2], 0.5);
    expect(withEpsilon).toEqual([-1 / 1.5, 1 / 1.5]);
    expect(groupAdvantages([3, 3, 3], 1e-6)).toEqual([0, 0, 0]);
    expect(groupAdvantages([5], 1e-6)).toEqual([0]);
    expect(groupAdvantages([], 1e-6)).toEqual([]);
  });

  it("become AdvantageRecords carrying the group and the reward", () => {
    const records = computeAdvantages(
      [
        { candidateId: "a", taskKey: "t", reward: -1, basis: "wrong", components: {} },
        { candidateId: "b", taskKey: "t", reward: 1, basis: "speedup", components: {} },
      ],
      "g1",
      0,
    );
    expect(records).toEqual([
      { candidateId: "a", groupId: "g1", reward: -1, advantage: -1 },
      { candidateId: "b", groupId: "g1", reward: 1, advantage: 1 },
    ]);
  });
});

describe("the clipped surrogate", () => {
  const epsilon = 0.2;
  const at = (ratio: number, advantage: number) => clippedSurrogate(Math.log(ratio), 0, advantage, epsilon);

  it("takes the pessimistic (minimum) of the clipped and unclipped terms", () => {
    // ρ = 1.5, A = 2: clipped 1.2·2 = 2.4 < 3, constant in θ.
    expect(at(1.5, 2)).toMatchObject({ value: expect.closeTo(2.4, 12), gradient: 0, outsideClip: true });
    // ρ = 1.5, A = −1: unclipped −1.5 < −1.2, its gradient ρA flows.
    expect(at(1.5, -1)).toMatchObject({
      value: expect.closeTo(-1.5, 12),
      gradient: expect.closeTo(-1.5, 12),
    });
    // ρ = 0.5, A = 1: unclipped 0.5 < 0.8.
    expect(at(0.5, 1)).toMatchObject({ value: expect.closeTo(0.5, 12), gradient: expect.closeTo(0.5, 12) });
    // ρ = 0.5, A = −1: clipped −0.8 < −0.5, no gradient.
    expect(at(0.5, -1)).toMatchObject({ value: expect.closeTo(-0.8, 12), gradient: 0, outsideClip: true });
    // Inside the clip range both terms agree.
    expect(at(1.1, 1)).toMatchObject({
      value: expect.closeTo(1.1, 12),
      gradient: expect.closeTo(1.1, 12),
      outsideClip: false,
    });
    expect(clippedSurrogate(-1, -1, 0.7, epsilon)).toMatchObject({ ratio: 1, value: 0.7, gradient: 0.7 });
  });

  it("survives a stale log-probability without overflowing", () => {
    const term = clippedSurrogate(0, -1000, -1, epsilon);
    expect(Number.isFinite(term.value)).toBe(true);
    expect(Number.isFinite(term.gradient)).toBe(true);
  });
});

describe("categorical helpers", () => {
  it("compute softmax, log-softmax, KL and entropy", () => {
    const p = softmax([0, Math.log(3)]);
    expect(p[0]).toBeCloseTo(0.25, 14);
    expect(p[1]).toBeCloseTo(0.75, 14);
    expect(logSoftmaxAt([1000, 1000], 0)).toBeCloseTo(Math.log(0.5), 12);
    const q = [0.5, 0.5];
    const kl = categoricalKl(p, q);
    expect(kl).toBeCloseTo(0.25 * Math.log(0.5) + 0.75 * Math.log(1.5), 14);
    expect(categoricalKl(q, q)).toBe(0);
    expect(entropy(q)).toBeCloseTo(Math.log(2), 14);
    expect(entropy([1, 0])).toBe(0);
  });

  it("differentiate KL with respect to the logits in closed form", () => {
    const logits = [0.3, -0.7, 1.1];
    const q = softmax([0.5, 0.2, -0.4]);
    const p = softmax(logits);
    const analytic = klLogitGradient(p, q, categoricalKl(p, q));
    const step = 1e-6;
    logits.forEach((_, j) => {
      const plus = [...logits];
      const minus = [...logits];
      plus[j] = (plus[j] as number) + step;
      minus[j] = (minus[j] as number) - step;
      const numeric = (categoricalKl(softmax(plus), q) - categoricalKl(softmax(minus), q)) / (2 * step);
      expect(analytic[j]).toBeCloseTo(numeric, 8);
    });
  });
});
