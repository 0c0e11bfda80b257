import { configSchema, type KernelForgeConfig } from "./config-schema.js";

/** The embedded defaults: what a run uses when no config file is found. */
export function defaultConfig(): KernelForgeConfig {
  return configSchema.parse({});
}
