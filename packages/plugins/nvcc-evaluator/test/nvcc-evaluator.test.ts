import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  createContainer,
  defaultConfig,
  KernelForgeError,
  loadPlugins,
  resolveNamed,
  TOKENS,
} from "@kernelforge/core";
import { describe, expect, it } from "vitest";

const packageDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function gpuVisible(): boolean {
  try {
    return execFileSync("nvidia-smi", ["-L"], { encoding: "utf8" }).includes("GPU ");
  } catch {
    return false;
  }
}

describe("the nvcc-evaluator plugin", () => {
  it("loads through the real loader and validates its options", async () => {
    const container = createContainer(defaultConfig());
    const [plugin] = await loadPlugins(container, [{ from: packageDirectory, options: { samples: 20 } }], {
      searchDirectories: [packageDirectory],
    });
    expect(plugin).toMatchObject({
      name: "nvcc-evaluator",
      provides: ["gpu-evaluator"],
      options: { samples: 20, seeds: [1, 2], mode: "auto", coldFlush: "write" },
    });
    const evaluator = resolveNamed(container, TOKENS.gpuEvaluator, "nvcc-evaluator", "GPU evaluator");
    expect(evaluator.name).toBe("nvcc-evaluator");
    await expect(
      loadPlugins(createContainer(defaultConfig()), [{ from: packageDirectory, options: { seeds: [1] } }], {
        searchDirectories: [packageDirectory],
      }),
    ).rejects.toThrow(/plugins\[0\]\.options\.seeds/);
    await expect(
      loadPlugins(
        createContainer(defaultConfig()),
        [{ from: packageDirectory, options: { device: 1, devices: [0, 1] } }],
        { searchDirectories: [packageDirectory] },
      ),
    ).rejects.toThrow(/plugins\[0\]\.options\.device: set `devices` or `device`, not both/);
    await expect(
      loadPlugins(
        createContainer(defaultConfig()),
        [{ from: packageDirectory, options: { devices: "some" } }],
        {
          searchDirectories: [packageDirectory],
        },
      ),
    ).rejects.toThrow(/plugins\[0\]\.options\.devices/);
    const [reading] = await loadPlugins(
      createContainer(defaultConfig()),
      [{ from: packageDirectory, options: { coldFlush: "read" } }],
      { searchDirectories: [packageDirectory] },
    );
    expect(reading?.options).toMatchObject({ coldFlush: "read" });
    await expect(
      loadPlugins(
        createContainer(defaultConfig()),
        [{ from: packageDirectory, options: { coldFlush: "zero" } }],
        { searchDirectories: [packageDirectory] },
      ),
    ).rejects.toThrow(/plugins\[0\]\.options\.coldFlush/);
  });

  it.skipIf(gpuVisible())(
    "in measured mode, refuses to evaluate without a GPU, saying so, instead of inventing a result",
    async () => {
      const container = createContainer(defaultConfig());
      await loadPlugins(container, [{ from: packageDirectory, options: { mode: "measured" } }], {
        searchDirectories: [packageDirectory],
      });
      const evaluator = resolveNamed(container, TOKENS.gpuEvaluator, undefined, "GPU evaluator");
      const failure = await evaluator.describe().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(KernelForgeError);
      expect((failure as KernelForgeError).code).toMatch(/^(no_gpu|nvcc_missing)$/);
    },
  );
});
