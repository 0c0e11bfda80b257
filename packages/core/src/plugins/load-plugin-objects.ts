import type { Container } from "inversify";
import type { KernelForgePlugin } from "./plugin.js";
import { type LoadedPlugin, loadPlugins } from "./plugin-loader.js";

/** A plugin the running program holds as an object, and the options to load it with. */
export interface PluginObject {
  plugin: KernelForgePlugin;
  /** Validated by the plugin's own schema, as a config entry's options are. */
  options?: Record<string, unknown>;
}

/**
 * Loads plugins held as objects (a bundled tool's, a script's) through the plugin loader — options validated
 * by each plugin's schema, API version checked, ContainerModule loaded — each named by its own `name`, with no
 * package lookup.
 */
export function loadPluginObjects(
  container: Container,
  plugins: readonly PluginObject[],
): Promise<LoadedPlugin[]> {
  return loadPlugins(
    container,
    plugins.map(({ plugin, options }) => ({
      from: plugin.name,
      ...(options === undefined ? {} : { options }),
    })),
    { searchDirectories: [], builtins: new Map(plugins.map(({ plugin }) => [plugin.name, { plugin }])) },
  );
}
