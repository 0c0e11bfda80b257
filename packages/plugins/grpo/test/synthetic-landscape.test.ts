import { describe, expect, it } from "vitest";
import { createDesignSpaceTrainer } from "../src/policy/design-space-trainer.js";
import {
  allPoints,
  expectedReward,
  greedyPoint,
  HELD_OUT_TASKS,
  optimum,
  samePoint,
  TRAIN_TASKS,
  trainOnLandscape,
  trueReward,
} from "./support/synthetic-space.js";

const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

describe("GRPO on a synthetic landscape with a known, shape-dependent optimum", () => {
  it("has the optimum where the landscape says", () => {
    for (const task of [...TRAIN_TASKS, ...HELD_OUT_TASKS]) {
      const best = optimum(task);
      expect(trueReward(task, best)).toBe(0);
      for (const point of allPoints(task)) expect(trueReward(task, point)).toBeLessThanOrEqual(0);
    }
    // Held-out shapes are new, and cover both families and every option of the tc tile.
    const keys = new Set(TRAIN_TASKS.map((task) => `${task.m}x${task.n}x${task.k}`));
    for (const task of HELD_OUT_TASKS) expect(keys.has(`${task.m}x${task.n}x${task.k}`)).toBe(false);
    expect(new Set(HELD_OUT_TASKS.map((task) => optimum(task).values.tile ?? "skinny"))).toEqual(
      new Set(["skinny", 64, 128, 256]),
    );
  });

  it.each([
    { seed: 1, hiddenSize: 8 },
    { seed: 2, hiddenSize: 8 },
    { seed: 3, hiddenSize: 8 },
    { seed: 1, hiddenSize: 0 },
  ])(
    "raises the expected reward well above uniform sampling's and transfers to unseen shapes (seed $seed, hidden $hiddenSize)",
    async ({ seed, hiddenSize }) => {
      const trainer = createDesignSpaceTrainer({ policy: { seed, hiddenSize } });
      const reports = await trainOnLandscape(trainer, { seed, rounds: 30, groupSize: 8, noise: 0.15 });
      expect(reports.every((report) => report.steps === 4 * TRAIN_TASKS.length)).toBe(true);
      const policy = trainer.policy();
      const trainedReward = mean(TRAIN_TASKS.map((task) => expectedReward(task, policy)));
      const uniformReward = mean(TRAIN_TASKS.map((task) => expectedReward(task)));
      const heldOutReward = mean(HELD_OUT_TASKS.map((task) => expectedReward(task, policy)));
      const heldOutUniform = mean(HELD_OUT_TASKS.map((task) => expectedReward(task)));
      // Uniform sampling averages about −1.1; the optimum is 0.
      expect(trainedReward - uniformReward).toBeGreaterThan(0.6);
      expect(heldOutReward - heldOutUniform).toBeGreaterThan(0.5);
      // The greedy point on shapes never trained on is the optimum far more often than chance (1/18 or 1/32).
      const chance = mean(HELD_OUT_TASKS.map((task) => 1 / allPoints(task).length)) * HELD_OUT_TASKS.length;
      const hits = HELD_OUT_TASKS.filter((task) =>
        samePoint(greedyPoint(trainer, task), optimum(task)),
      ).length;
      expect(chance).toBeLessThan(0.4);
      expect(hits).toBeGreaterThanOrEqual(3);
      const trainHits = TRAIN_TASKS.filter((task) =>
        samePoint(greedyPoint(trainer, task), optimum(task)),
      ).length;
      expect(trainHits).toBeGreaterThanOrEqual(5);
    },
  );
});
