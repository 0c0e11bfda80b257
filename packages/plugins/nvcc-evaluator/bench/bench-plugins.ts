import {
  createContainer,
  defaultConfig,
  type KernelGenerator,
  loadPluginObjects,
  resolveNamed,
  TOKENS,
} from "@kernelforge/core";
import templateGeneratorPlugin from "@kernelforge/plugin-template-generator";
import nvccEvaluatorPlugin, { type NvccEvaluator } from "../src/index.js";

/**
 * The nvcc evaluator (with `evaluatorOptions`) and the template generator, loaded through the plugin loader
 * as built-in plugins — as a bundled bench tool has them, with no node_modules — into a fresh container.
 */
export async function loadBenchPlugins(
  evaluatorOptions: Record<string, unknown>,
): Promise<{ evaluator: NvccEvaluator; generator: KernelGenerator }> {
  const container = createContainer(defaultConfig());
  await loadPluginObjects(container, [
    { plugin: templateGeneratorPlugin },
    { plugin: nvccEvaluatorPlugin, options: evaluatorOptions },
  ]);
  return {
    evaluator: resolveNamed(
      container,
      TOKENS.gpuEvaluator,
      "nvcc-evaluator",
      "GPU evaluator",
    ) as NvccEvaluator,
    generator: resolveNamed(container, TOKENS.kernelGenerator, "template", "kernel generator"),
  };
}
