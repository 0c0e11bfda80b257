import { KernelForgeError } from "../errors/kernelforge-error.js";

/**
 * A plugin could not be resolved, imported, validated or loaded. `plugin` is the name (or the specifier, when
 * the name is not known yet) so that the user knows which entry of the config to look at.
 */
export class PluginLoadError extends KernelForgeError {
  readonly plugin: string;

  constructor(
    code: string,
    plugin: string,
    message: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(code, `Plugin ${JSON.stringify(plugin)}: ${message}`, options);
    this.plugin = plugin;
  }
}
