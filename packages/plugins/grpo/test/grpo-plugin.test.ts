import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  createContainer,
  createGemmTask,
  defaultConfig,
  loadPlugins,
  resolveNamed,
  TOKENS,
} from "@kernelforge/core";
import { describe, expect, it } from "vitest";
import { evaluation } from "../src/testing/fixtures.js";

const packageDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

describe("the grpo plugin", () => {
  it("loads through the real loader, binding the reward model, the policy trainer and the context selector", async () => {
    const container = createContainer(defaultConfig());
    const [plugin] = await loadPlugins(
      container,
      [
        {
          from: packageDirectory,
          options: { reward: { baseline: "cublas", mode: "hot" }, policy: { seed: 4 } },
        },
      ],
      { searchDirectories: [packageDirectory] },
    );
    expect(plugin).toMatchObject({
      name: "grpo",
      apiVersion: "v1",
      provides: ["reward-model", "policy-trainer", "context-selector"],
      options: {
        reward: { baseline: "cublas", mode: "hot" },
        grpo: { clipEpsilon: 0.2, epochs: 4 },
        policy: { seed: 4 },
      },
    });
    const reward = resolveNamed(container, TOKENS.rewardModel, "speedup-reward", "reward model");
    const record = await reward.score(
      evaluation({ speedups: { hot: { cublas: 2 }, cold: { cublas: 4 } } }),
      createGemmTask({ m: 256, n: 256, k: 256 }),
    );
    expect(record).toMatchObject({ basis: "speedup", reward: Math.log(2) });
    const trainer = resolveNamed(container, TOKENS.policyTrainer, "design-space-grpo", "policy trainer");
    expect(trainer.policy().kind).toBe("design-space");
    expect(((await trainer.checkpoint()).state as { seed: number }).seed).toBe(4);
  });

  it("takes the run's seed when none is set, and reports bad options by their config path", async () => {
    const config = defaultConfig();
    config.search.seed = 77;
    const container = createContainer(config);
    await loadPlugins(container, [{ from: packageDirectory }], { searchDirectories: [packageDirectory] });
    const trainer = resolveNamed(container, TOKENS.policyTrainer, undefined, "policy trainer");
    expect(((await trainer.checkpoint()).state as { seed: number }).seed).toBe(77);
    await expect(
      loadPlugins(
        createContainer(defaultConfig()),
        [{ from: packageDirectory, options: { reward: { penalties: { wrong: 0 } } } }],
        { searchDirectories: [packageDirectory] },
      ),
    ).rejects.toThrow(/plugins\[0\]\.options\.reward\.penalties\.wrong/);
  });
});
