import { definePlugin, TOKENS } from "@kernelforge/core";
import { ContainerModule } from "inversify";
import { ContrastiveContextSelector } from "./context/contrastive-context-selector.js";
import { grpoPluginOptionsSchema, PLUGIN_NAME } from "./options.js";
import { DesignSpaceGrpoTrainer } from "./policy/design-space-trainer.js";
import { SpeedupReward } from "./reward/speedup-reward.js";

export * from "./context/contrastive-context.js";
export * from "./context/contrastive-context-selector.js";
export * from "./grpo/grpo-math.js";
export * from "./grpo/objective.js";
export * from "./options.js";
export * from "./policy/design-space-trainer.js";
export * from "./policy/features.js";
export * from "./policy/model.js";
export * from "./random.js";
export * from "./reward/speedup.js";
export * from "./reward/speedup-reward.js";
export * from "./trajectory/trajectory.js";

export default definePlugin({
  name: PLUGIN_NAME,
  apiVersion: "v1",
  description:
    "Speedup reward model (log speedup gated by correctness), a GRPO trainer for the design-space policy, and the contrastive context of generations",
  configSchema: grpoPluginOptionsSchema,
  module: new ContainerModule(({ bind }) => {
    bind(TOKENS.rewardModel).to(SpeedupReward).inSingletonScope();
    bind(TOKENS.policyTrainer).to(DesignSpaceGrpoTrainer).inSingletonScope();
    bind(TOKENS.contextSelector).to(ContrastiveContextSelector).inSingletonScope();
  }),
});
