import {
  ConfigError,
  type KernelForgeConfig,
  type LoadedPlugin,
  validateWithSchema,
} from "@kernelforge/core";
import { type QueueEvaluatorOptions, queueEvaluatorOptionsSchema } from "@kernelforge/plugin-queue-evaluator";

export const QUEUE_PLUGIN_PACKAGE = "@kernelforge/plugin-queue-evaluator";
export const QUEUE_PLUGIN_NAME = "queue-evaluator";

/**
 * The queue-evaluator plugin's options as a config gives them (validated, defaults filled in), or its defaults
 * when the config does not list the plugin: what `kforge worker` and `kforge doctor` need to find the queue.
 */
export async function queueOptionsFromConfig(
  config: KernelForgeConfig,
  source: string,
  loaded: readonly LoadedPlugin[] = [],
): Promise<QueueEvaluatorOptions> {
  const plugin = loaded.find((entry) => entry.name === QUEUE_PLUGIN_NAME);
  if (plugin) return plugin.options as QueueEvaluatorOptions;
  const index = config.plugins.findIndex(
    (entry) => (typeof entry === "string" ? entry : entry.from) === QUEUE_PLUGIN_PACKAGE,
  );
  const entry = config.plugins[index];
  const options = entry === undefined || typeof entry === "string" ? {} : (entry.options ?? {});
  const validated = await validateWithSchema(queueEvaluatorOptionsSchema, options);
  if (!validated.success) {
    throw new ConfigError(
      source,
      validated.issues.map((issue) => ({ ...issue, path: `plugins[${index}].options.${issue.path}` })),
    );
  }
  return validated.value;
}
