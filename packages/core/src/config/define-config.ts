import type { KernelForgeConfigInput } from "./config-schema.js";

/**
 * Types a `kforge.config.ts`. Returns its argument unchanged: validation happens when the config is loaded,
 * so that every error can name the file it came from.
 *
 * @example
 * export default defineConfig({ search: { rounds: 8 } });
 */
export function defineConfig(config: KernelForgeConfigInput): KernelForgeConfigInput {
  return config;
}
