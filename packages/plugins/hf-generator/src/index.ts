import { definePlugin, TOKENS } from "@kernelforge/core";
import { ContainerModule } from "inversify";
import { HfGenerator } from "./hf-generator.js";
import { hfGeneratorOptionsSchema, PLUGIN_NAME } from "./options.js";

export {
  evaluateLaunchExpression,
  LaunchExpressionError,
  resolveLaunch,
  type ShapeVariables,
} from "@kernelforge/core";
export {
  BACKOFF_BASE_SECONDS,
  type ChatOutcome,
  type ChatUsage,
  MAX_RETRY_WAIT_SECONDS,
  parseRetryAfter,
  retryDelaySeconds,
} from "./chat-client.js";
export { type HfGenerationUsage, HfGenerator } from "./hf-generator.js";
export {
  GENERATOR_NAME,
  type HfGeneratorOptions,
  type HfGeneratorOptionsInput,
  hfGeneratorOptionsSchema,
  PLUGIN_NAME,
} from "./options.js";
export {
  fencedBlocks,
  kernelEntries,
  type LaunchSpecification,
  launchSpecificationSchema,
  type ParsedReply,
  parseReply,
  type ReplyFailureCode,
} from "./parse-reply.js";
export {
  type BuiltPrompt,
  buildPrompt,
  CONTEXT_SOURCE_BUDGET,
  defaultTemplatesDirectory,
  KERNEL_ABI_SIGNATURE,
  loadTemplates,
  PLACEHOLDERS,
  type PromptTemplates,
  renderTemplate,
  TEMPLATE_FILES,
} from "./prompt.js";

export default definePlugin({
  name: PLUGIN_NAME,
  apiVersion: "v1",
  description:
    "An LLM (Hugging Face Inference Providers or any OpenAI-compatible endpoint) writes HGEMM kernels from retrieved docs and contrastive examples",
  configSchema: hfGeneratorOptionsSchema,
  module: new ContainerModule(({ bind }) => {
    bind(TOKENS.kernelGenerator).to(HfGenerator).inSingletonScope();
  }),
});
