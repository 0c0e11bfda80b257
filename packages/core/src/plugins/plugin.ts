import type { ContainerModule, ServiceIdentifier } from "inversify";
import type { ApiVersion } from "../api-version.js";
import type { AnySchema } from "../config/validate-with-schema.js";

/**
 * What a plugin package's default export is: a name, the specification version it was written for, a
 * schema for its own section of the config (any Standard Schema; zod 4 recommended), and an inversify
 * `ContainerModule` that binds its implementations to core's tokens.
 *
 * A plugin lists `@kernelforge/core` and `inversify` as peer dependencies, so the whole process shares one
 * copy of each, and injects with explicit `@inject(TOKEN)` on every constructor parameter.
 */
export interface KernelForgePlugin<Options = unknown> {
  /** Unique, short, kebab-case name, used in messages and for the plugin's options token. */
  readonly name: string;
  /**
   * The plugin API the package was written for. Write it as a literal (`"v1"`), not as core's
   * `API_VERSION`: the constant would always equal the version of whichever core loads the plugin.
   */
  readonly apiVersion: ApiVersion;
  /** Validates `options` from the plugin's entry in the config; its output is bound to `pluginOptionsToken(name)`. */
  readonly configSchema: AnySchema<Options>;
  readonly module: ContainerModule;
  /** One line saying what the plugin provides. */
  readonly description?: string;
}

/** Types a plugin definition (identity at run time). */
export function definePlugin<Options>(plugin: KernelForgePlugin<Options>): KernelForgePlugin<Options> {
  return plugin;
}

/**
 * The identifier under which the loader binds a plugin's validated options. Inject it in the plugin's own
 * classes: `@inject(pluginOptionsToken<MyOptions>("my-plugin")) options: MyOptions`.
 */
export function pluginOptionsToken<Options>(pluginName: string): ServiceIdentifier<Options> {
  return Symbol.for(`kernelforge.v1.PluginOptions:${pluginName}`) as ServiceIdentifier<Options>;
}
