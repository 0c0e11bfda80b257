import { definePlugin, TOKENS } from "@kernelforge/core";
import { ContainerModule } from "inversify";
import { NvccEvaluator } from "./nvcc-evaluator.js";
import { nvccEvaluatorOptionsSchema, PLUGIN_NAME } from "./options.js";

export * from "./estimate/candidate-workload.js";
export * from "./estimate/cost-model.js";
export * from "./estimate/device-figures.js";
export * from "./estimate/estimate-timings.js";
export * from "./estimate/vendor-model.js";
export { NvccEvaluator } from "./nvcc-evaluator.js";
export {
  type EvaluationMode,
  evaluationModeSchema,
  type NvccEvaluatorOptions,
  nvccEvaluatorOptionsSchema,
} from "./options.js";
export * from "./to-evaluation-result.js";

export default definePlugin({
  name: PLUGIN_NAME,
  apiVersion: "v1",
  description:
    "Compiles with nvcc, checks the machine code, verifies and times candidates against cuBLAS/cuBLASLt (or, without a GPU, estimates their times with a labelled cost model)",
  configSchema: nvccEvaluatorOptionsSchema,
  module: new ContainerModule(({ bind }) => {
    bind(TOKENS.gpuEvaluator).to(NvccEvaluator).inSingletonScope();
  }),
});
