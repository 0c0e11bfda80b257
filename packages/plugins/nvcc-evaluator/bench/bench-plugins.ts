import {
  createContainer,
  defaultConfig,
  type KernelGenerator,
  loadPlugins,
  resolveNamed,
  TOKENS,
} from "@kernelforge/core";
import templateGeneratorPlugin from "@kernelforge/plugin-template-generator";
import nvccEvaluatorPlugin, { type NvccEvaluator } from "../src/index.js";

const EVALUATOR = "@kernelforge/plugin-nvcc-evaluator";
const GENERATOR = "@kernelforge/plugin-template-generator";

/**
 * The nvcc evaluator (with `evaluatorOptions`) and the template generator, loaded through the plugin loader
 * as built-in plugins — as a bundled bench tool has them, with no node_modules — into a fresh container.
 */
export async function loadBenchPlugins(
  evaluatorOptions: Record<string, unknown>,
): Promise<{ evaluator: NvccEvaluator; generator: KernelGenerator }> {
  const container = createContainer(defaultConfig());
  await loadPlugins(container, [{ from: GENERATOR }, { from: EVALUATOR, options: evaluatorOptions }], {
    searchDirectories: [],
    builtins: new Map([
      [GENERATOR, { plugin: templateGeneratorPlugin }],
      [EVALUATOR, { plugin: nvccEvaluatorPlugin }],
    ]),
  });
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
