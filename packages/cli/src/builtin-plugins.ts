import type { KernelForgePlugin } from "@kernelforge/core";
import grpo from "@kernelforge/plugin-grpo";
import lancedbRetriever from "@kernelforge/plugin-lancedb-retriever";
import nvccEvaluator from "@kernelforge/plugin-nvcc-evaluator";
import queueEvaluator from "@kernelforge/plugin-queue-evaluator";
import templateGenerator from "@kernelforge/plugin-template-generator";

/**
 * The plugins the CLI ships inside itself (the embedded defaults), used when the config names them and they
 * are not installed beside the config: a bundled `kforge` then runs on a host that has Node and nothing else.
 */
export const BUILTIN_PLUGINS: ReadonlyMap<string, { plugin: KernelForgePlugin }> = new Map([
  ["@kernelforge/plugin-template-generator", { plugin: templateGenerator as KernelForgePlugin }],
  ["@kernelforge/plugin-grpo", { plugin: grpo as KernelForgePlugin }],
  ["@kernelforge/plugin-nvcc-evaluator", { plugin: nvccEvaluator as KernelForgePlugin }],
  ["@kernelforge/plugin-lancedb-retriever", { plugin: lancedbRetriever as KernelForgePlugin }],
  ["@kernelforge/plugin-queue-evaluator", { plugin: queueEvaluator as KernelForgePlugin }],
]);
