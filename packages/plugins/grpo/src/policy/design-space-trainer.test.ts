import { createGemmTask, type PolicyGroup, taskKey } from "@kernelforge/core";
import { describe, expect, it } from "vitest";
import type { GrpoPluginOptionsInput } from "../options.js";
import { candidate } from "../testing/fixtures.js";
import { createDesignSpaceTrainer, type DesignSpaceGrpoTrainer } from "./design-space-trainer.js";

const skinnyTask = createGemmTask({ m: 16, n: 4096, k: 4096 });
const squareTask = createGemmTask({ m: 4096, n: 4096, k: 4096 });

/** One group in which the policy's own samples of `tile` get the advantages given, per option. */
function group(
  trainer: DesignSpaceGrpoTrainer,
  task = skinnyTask,
  advantages: Record<number, number> = { 64: 1, 128: -1, 256: 0 },
  id = "g",
): PolicyGroup {
  const policy = trainer.policy();
  const options = [64, 128, 256];
  const probabilities = policy.probabilities(task, "tile", options);
  return {
    task,
    groupId: id,
    samples: options.map((tile, index) => {
      const kernel = candidate(task, `// tile ${tile} ${id}`, {
        policy: policy.version,
        choices: { tile },
        logProbability: Math.log(probabilities[index] as number),
      });
      const advantage = advantages[tile] ?? 0;
      return {
        candidate: kernel,
        advantage: { candidateId: kernel.id, groupId: id, reward: advantage, advantage },
      };
    }),
  };
}

const trainer = (options: GrpoPluginOptionsInput = {}) => createDesignSpaceTrainer(options);

describe("the design-space policy", () => {
  it("starts uniform, discovering choices lazily, answering in the order of the options", () => {
    const policy = trainer().policy();
    expect(policy.kind).toBe("design-space");
    expect(policy.version).toMatch(/^[0-9a-f]{16}$/);
    expect(policy.probabilities(skinnyTask, "tc.tile", [64, 128, 256])).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expect(policy.probabilities(skinnyTask, "family", ["tc"])).toEqual([1]);
  });

  it("renormalizes over the options offered for a task, and extends a choice offered a new option", async () => {
    const subject = trainer({ grpo: { learningRate: 1 } });
    await subject.update([group(subject)]);
    const policy = subject.policy();
    const full = policy.probabilities(skinnyTask, "tile", [64, 128, 256]);
    const subset = policy.probabilities(skinnyTask, "tile", [256, 64]);
    expect(subset[0]).toBeCloseTo((full[2] as number) / ((full[0] as number) + (full[2] as number)), 14);
    expect(subset[1]).toBeCloseTo((full[0] as number) / ((full[0] as number) + (full[2] as number)), 14);
    const extended = policy.probabilities(skinnyTask, "tile", [64, 128, 256, 512]);
    expect(extended).toHaveLength(4);
    expect(extended.reduce((sum, value) => sum + value, 0)).toBeCloseTo(1, 14);
    expect(subject.knownChoices().tile).toEqual([64, 128, 256, 512]);
    // The old options keep their relative odds: a new option starts with the logit an untrained one has.
    expect((extended[0] as number) / (extended[1] as number)).toBeCloseTo(
      (full[0] as number) / (full[1] as number),
      12,
    );
  });

  it("says which choice changed when options change under the strict setting, and refuses bad option lists", () => {
    const policy = trainer({ policy: { newOptions: "strict" } }).policy();
    policy.probabilities(skinnyTask, "tc.stages", [2, 3, 4]);
    expect(policy.probabilities(skinnyTask, "tc.stages", [4, 2])).toHaveLength(2);
    expect(() => policy.probabilities(skinnyTask, "tc.stages", [2, 3, 5])).toThrow(
      /"tc\.stages".*new: \[5\]/,
    );
    expect(() => policy.probabilities(skinnyTask, "tc.stages", ["2", 3])).toThrow(/tc\.stages/);
    expect(() => policy.probabilities(skinnyTask, "x", [1, 1])).toThrow(/same option twice/);
    expect(() => policy.probabilities(skinnyTask, "x", [])).toThrow(/no options/);
  });

  it("moves probability toward options with positive advantages, and keeps each policy's version frozen", async () => {
    const subject = trainer();
    const before = subject.policy();
    const initialVersion = before.version;
    before.probabilities(squareTask, "another.choice", ["a", "b"]);
    expect(subject.version).toBe(initialVersion);
    const report = await subject.update([group(subject)]);
    expect(report.steps).toBe(4);
    expect(report.version).not.toBe(initialVersion);
    expect(report.version).toBe(subject.version);
    expect(Object.keys(report.metrics)).toEqual(
      expect.arrayContaining([
        "surrogateLoss",
        "kl",
        "meanRatio",
        "clipFraction",
        "entropy",
        "samples",
        "skippedSamples",
      ]),
    );
    expect(report.metrics.samples).toBe(3);
    expect(report.metrics.kl).toBeGreaterThan(0);
    expect(report.metrics.entropy).toBeLessThan(Math.log(3));
    const after = subject.policy().probabilities(skinnyTask, "tile", [64, 128, 256]);
    expect(after[0]).toBeGreaterThan(1 / 3);
    expect(after[1]).toBeLessThan(1 / 3);
    expect(before.version).toBe(initialVersion);
    expect(before.probabilities(skinnyTask, "tile", [64, 128, 256])).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });

  it("skips samples it cannot learn from, and counts them", async () => {
    const subject = trainer();
    const usable = group(subject);
    const task = skinnyTask;
    const without = candidate(task, "// no policy sample");
    const unknown = candidate(task, "// unknown choice", {
      policy: "x",
      choices: { nothing: 1 },
      logProbability: -1,
    });
    const unknownOption = candidate(task, "// unknown option", {
      policy: "x",
      choices: { tile: 48 },
      logProbability: -1,
    });
    const advantage = (id: string) => ({ candidateId: id, groupId: "g", reward: 1, advantage: 1 });
    const report = await subject.update([
      {
        ...usable,
        samples: [
          ...usable.samples,
          ...[without, unknown, unknownOption].map((kernel) => ({
            candidate: kernel,
            advantage: advantage(kernel.id),
          })),
        ],
      },
      { task, groupId: "empty", samples: [{ candidate: without, advantage: advantage(without.id) }] },
    ]);
    expect(report.metrics).toMatchObject({ samples: 3, skippedSamples: 4, groups: 1 });
    expect(report.steps).toBe(4);
    const nothing = await trainer().update([{ task, groupId: "x", samples: [] }]);
    expect(nothing).toMatchObject({ steps: 0, metrics: { samples: 0 } });
    await expect(subject.update([usable], { signal: AbortSignal.abort() })).rejects.toThrow();
  });

  it("returns the most probable point, reading `family` as the design space does", async () => {
    const subject = trainer({ grpo: { learningRate: 1 } });
    for (let round = 0; round < 3; round++)
      await subject.update([group(subject, skinnyTask, { 64: 1, 128: -1, 256: -1 }, `r${round}`)]);
    expect(subject.greedy(skinnyTask, { tile: [64, 128, 256], stages: [2, 3] }).choices).toEqual({
      tile: 64,
      stages: 2,
    });
    // Hierarchical: the family and its own dimensions only.
    const point = subject.greedy(skinnyTask, {
      family: ["tc", "skinny"],
      "tc.tile": [64, 128],
      "skinny.rows": [1, 2, 4],
    });
    expect(point.choices).toEqual({ family: "tc", "tc.tile": 64 });
    expect(point.logProbability).toBeCloseTo(Math.log(0.5) + Math.log(0.5), 12);
  });
});

describe("checkpoints and determinism", () => {
  async function trained(seed: number, hiddenSize = 8) {
    const subject = trainer({ policy: { seed, hiddenSize } });
    for (let round = 0; round < 3; round++) {
      const first = group(subject, skinnyTask, { 64: 1, 128: -0.5, 256: -0.5 }, `a${round}`);
      const second = group(subject, squareTask, { 64: -1, 128: 0, 256: 1 }, `b${round}`);
      await subject.update([first, second]);
    }
    return subject;
  }

  it("round-trips a checkpoint through JSON exactly", async () => {
    const subject = await trained(5);
    const checkpoint = await subject.checkpoint();
    expect(checkpoint).toMatchObject({
      trainer: "design-space-grpo",
      apiVersion: "v1",
      version: subject.version,
    });
    const json = JSON.parse(JSON.stringify(checkpoint));
    const restored = trainer({ policy: { hiddenSize: 0 } });
    await restored.restore(json);
    expect(await restored.checkpoint()).toEqual(checkpoint);
    expect(restored.version).toBe(subject.version);
    expect(restored.updates).toBe(3);
    const options = [64, 128, 256];
    expect(restored.policy().probabilities(squareTask, "tile", options)).toEqual(
      subject.policy().probabilities(squareTask, "tile", options),
    );
    // The same update from the same checkpoint gives the same policy.
    const next = group(subject, skinnyTask, { 64: -1, 128: 1, 256: 0 }, "next");
    const a = await subject.update([next]);
    const b = await restored.update([next]);
    expect(b).toEqual(a);
    expect(await restored.checkpoint()).toEqual(await subject.checkpoint());
  });

  it("refuses a checkpoint that is not its own or was altered", async () => {
    const checkpoint = await (await trained(5)).checkpoint();
    const subject = trainer();
    await expect(subject.restore({ ...checkpoint, trainer: "other" })).rejects.toThrow(/trainer "other"/);
    const altered = JSON.parse(JSON.stringify(checkpoint));
    altered.state.choices.tile.linear[3] += 1e-9;
    await expect(subject.restore(altered)).rejects.toThrow(/hash/);
    const truncated = JSON.parse(JSON.stringify(checkpoint));
    truncated.state.choices.tile.linear.pop();
    await expect(subject.restore(truncated)).rejects.toThrow(/sizes/);
    await expect(subject.restore({ ...checkpoint, state: { format: "x" } })).rejects.toThrow(/malformed/);
  });

  it("starts a new run from a checkpoint when asked, with the restored policy as the KL reference", async () => {
    const checkpoint = await (await trained(5)).checkpoint();
    const resumed = trainer();
    await resumed.restore(checkpoint);
    const fresh = trainer({ policy: { resetReferenceOnRestore: true } });
    await fresh.restore(checkpoint);
    const probe = group(resumed, squareTask, { 64: 0, 128: 0, 256: 0 }, "probe");
    expect((await fresh.update([probe])).metrics.kl).toBe(0);
    expect((await resumed.update([probe])).metrics.kl).toBeGreaterThan(0.01);
  });

  it("gives the same parameters for the same seed, and other hidden weights for another", async () => {
    const a = await (await trained(9)).checkpoint();
    const b = await (await trained(9)).checkpoint();
    expect(b).toEqual(a);
    const c = await (await trained(10)).checkpoint();
    expect(c.version).not.toBe(a.version);
    const linearA = await (await trained(9, 0)).checkpoint();
    const linearB = await (await trained(10, 0)).checkpoint();
    expect(linearB.state).toMatchObject({ choices: (linearA.state as { choices: unknown }).choices });
  });

  it("records the options offered per task, so updates use the same support the sampler did", async () => {
    const subject = trainer();
    subject.policy().probabilities(squareTask, "family", ["tc"]);
    subject.policy().probabilities(skinnyTask, "family", ["tc", "skinny"]);
    const state = (await subject.checkpoint()).state as { offers: Record<string, Record<string, number[]>> };
    expect(state.offers.family).toEqual({ [taskKey(squareTask)]: [0], [taskKey(skinnyTask)]: [0, 1] });
  });
});
