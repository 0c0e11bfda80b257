import { definePlugin, TOKENS } from "@kernelforge/core";
import { ContainerModule } from "inversify";
import { PLUGIN_NAME, templateGeneratorOptionsSchema } from "./options.js";
import { TemplateGenerator } from "./template-generator.js";

export { ARCH_LIMITS, type ArchLimits, archLimits } from "./design-space/arch-limits.js";
export {
  type DesignPoint,
  designPointSchema,
  parsePoint,
  pointHash,
  serializePoint,
} from "./design-space/design-point.js";
export {
  choiceName,
  DESIGN_SPACE_POLICY_KIND,
  DesignSpace,
  type SampledPoint,
} from "./design-space/design-space.js";
export type {
  DesignValues,
  Dimension,
  DimensionValue,
  KernelFamily,
  RenderedKernel,
} from "./design-space/kernel-family.js";
export { createRandom, type Random, seedFrom } from "./design-space/random.js";
export {
  type DimensionRestrictions,
  parseRestrictionFlags,
  restrictFamilies,
} from "./design-space/restrict-family.js";
export { ALL_FAMILIES } from "./families/all-families.js";
export { GENERATOR_NAME, type TemplateGeneratorOptions, templateGeneratorOptionsSchema } from "./options.js";
export { TemplateGenerator } from "./template-generator.js";

export default definePlugin({
  name: PLUGIN_NAME,
  apiVersion: "v1",
  description: "Samples a typed HGEMM design space and renders real CUDA (no LLM needed)",
  configSchema: templateGeneratorOptionsSchema,
  module: new ContainerModule(({ bind }) => {
    bind(TOKENS.kernelGenerator).to(TemplateGenerator).inSingletonScope();
  }),
});
