import { createGemmTask, type GemmTask, type SamplingPolicy } from "@kernelforge/core";
import { describe, expect, it } from "vitest";
import { archLimits } from "./arch-limits.js";
import { parsePoint, pointHash, serializePoint } from "./design-point.js";
import { DESIGN_SPACE_POLICY_KIND, DesignSpace } from "./design-space.js";
import type { KernelFamily } from "./kernel-family.js";
import { createRandom } from "./random.js";

/** A small family for testing the space itself: 3 × 4 × 2 = 24 points, of which tile 256 × split 2 is invalid. */
const toyFamily: KernelFamily = {
  name: "toy",
  description: "for tests",
  dimensions: [
    { name: "tile", description: "", options: [64, 128, 256] },
    { name: "stages", description: "", options: [2, 3, 4, 5] },
    { name: "split", description: "", options: [1, 2] },
  ],
  appliesTo: (task: GemmTask) => task.m > 1,
  violates: (values) => (values.tile === 256 && values.split === 2 ? "too much shared memory" : undefined),
  render: () => ({ source: "", entry: "k", launch: { grid: [1, 1, 1], block: [32, 1, 1] } }),
};

const task = createGemmTask({ m: 128, n: 128, k: 128 });
const limits = archLimits("sm90");

describe("DesignSpace", () => {
  it("enumerates exactly the valid points of the families that apply", () => {
    const space = new DesignSpace([toyFamily]);
    const points = [...space.enumerate(task, limits)];
    expect(points).toHaveLength(24 - 4);
    expect(points.some((point) => point.values.tile === 256 && point.values.split === 2)).toBe(false);
    expect(space.validPoints(createGemmTask({ m: 1, n: 128, k: 128 }), limits)).toEqual([]);
  });

  it("samples distinct valid points uniformly, reproducibly under a seed", () => {
    const space = new DesignSpace([toyFamily]);
    const first = space.sample(task, limits, 10, createRandom(7));
    const again = space.sample(task, limits, 10, createRandom(7));
    expect(first.map((sample) => serializePoint(sample.point))).toEqual(
      again.map((sample) => serializePoint(sample.point)),
    );
    expect(new Set(first.map((sample) => serializePoint(sample.point))).size).toBe(10);
    expect(first[0]?.logProbability).toBeUndefined();
    expect(space.sample(task, limits, 100, createRandom(1))).toHaveLength(20);
    // Uniformity: over many draws of one point each, every valid point turns up at a similar rate.
    const counts = new Map<string, number>();
    for (let seed = 0; seed < 4000; seed++) {
      const [sample] = space.sample(task, limits, 1, createRandom(seed));
      const key = serializePoint(sample!.point);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(20);
    for (const count of counts.values()) expect(count).toBeGreaterThan(120);
  });

  it("follows a design-space policy, never returning an invalid point", () => {
    const space = new DesignSpace([toyFamily]);
    const policy: SamplingPolicy = {
      kind: DESIGN_SPACE_POLICY_KIND,
      version: "test",
      probabilities: (_task, choice, options) =>
        choice === "toy.tile" ? options.map((option) => (option === 256 ? 1 : 0)) : undefined,
    };
    const samples = space.sample(task, limits, 6, createRandom(3), policy);
    expect(samples).toHaveLength(4);
    for (const sample of samples) {
      expect(sample.point.values.tile).toBe(256);
      expect(sample.point.values.split).toBe(1);
      expect(sample.choices["toy.tile"]).toBe(256);
      expect(sample.logProbability).toBeCloseTo(Math.log(1 / 4) + Math.log(1 / 2), 12);
    }
  });

  it("serializes, parses and hashes points stably", () => {
    const point = { family: "toy", values: { stages: 3, tile: 128, split: 1 } };
    const reordered = { values: { split: 1, tile: 128, stages: 3 }, family: "toy" };
    expect(serializePoint(point)).toBe(serializePoint(reordered));
    expect(pointHash(point)).toBe(pointHash(reordered));
    expect(pointHash(point)).toMatch(/^[0-9a-f]{16}$/);
    expect(parsePoint(serializePoint(point))).toEqual(point);
    expect(() => parsePoint('{"family": 3}')).toThrow(/not a design point/);
  });
});
