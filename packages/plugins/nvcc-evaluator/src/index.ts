import { definePlugin, TOKENS } from "@kernelforge/core";
import { ContainerModule } from "inversify";
import { NvccEvaluator } from "./nvcc-evaluator.js";
import { nvccEvaluatorOptionsSchema, PLUGIN_NAME } from "./options.js";

export { NvccEvaluator } from "./nvcc-evaluator.js";
export { type NvccEvaluatorOptions, nvccEvaluatorOptionsSchema } from "./options.js";
export * from "./to-evaluation-result.js";

export default definePlugin({
  name: PLUGIN_NAME,
  apiVersion: "v1",
  description:
    "Compiles with nvcc, checks the machine code, verifies and times candidates against cuBLAS/cuBLASLt",
  configSchema: nvccEvaluatorOptionsSchema,
  module: new ContainerModule(({ bind }) => {
    bind(TOKENS.gpuEvaluator).to(NvccEvaluator).inSingletonScope();
  }),
});
