import { pathToFileURL } from "node:url";
import { type Container, ContainerModule, type ServiceIdentifier } from "inversify";
import { API_VERSION } from "../api-version.js";
import { ConfigError, joinPath } from "../config/config-issue.js";
import type { PluginReference } from "../config/config-schema.js";
import { validateWithSchema } from "../config/validate-with-schema.js";
import { CONTRACT_TOKENS, type ContractName } from "../container/tokens.js";
import { describeError } from "../errors/kernelforge-error.js";
import { type KernelForgePlugin, pluginOptionsToken } from "./plugin.js";
import { PluginLoadError } from "./plugin-error.js";
import { type ResolvedPluginEntry, resolvePluginEntry } from "./resolve-plugin-entry.js";

/** What the loader knows about a plugin it loaded. */
export interface LoadedPlugin {
  name: string;
  description?: string;
  apiVersion: string;
  /** As written in the config. */
  specifier: string;
  /** `package` (from node_modules), `path`, or `builtin` (shipped inside the running program). */
  kind: "package" | "path" | "builtin";
  /** The module that was imported. */
  entryFile: string;
  packageName?: string;
  packageVersion?: string;
  /** The contracts this plugin bound implementations for. */
  provides: ContractName[];
  /** Validated options. */
  options: unknown;
}

export interface LoadPluginsOptions {
  /** Directories to resolve specifiers from, first first: the config's directory, then the CLI's own. */
  searchDirectories: readonly string[];
  /** Prefix of option paths in error messages. Default `plugins`. */
  configPath?: string;
  /**
   * Plugins the running program ships inside itself, by package name (a bundled CLI on a host without
   * node_modules). A config entry naming one uses it when the package is not installed.
   */
  builtins?: ReadonlyMap<string, { plugin: KernelForgePlugin; version?: string }>;
}

/**
 * Resolves, imports, validates and loads the plugins named in the config into one container, in order.
 *
 * Each plugin's default export must be a KernelForgePlugin of this core's API version; its `options` are
 * validated with its own schema (errors name the config key, e.g. `plugins[1].options.limit`) and bound to
 * `pluginOptionsToken(name)`; then its ContainerModule is loaded. Any failure throws a PluginLoadError (or a
 * ConfigError for bad options) naming the plugin. Checks that need no side effect (resolution, import, API
 * version, options) all run before anything of that plugin is bound; a module that throws while loading may
 * leave partial bindings, so after any failure the container is to be discarded, not used.
 */
export async function loadPlugins(
  container: Container,
  references: readonly PluginReference[],
  options: LoadPluginsOptions,
): Promise<LoadedPlugin[]> {
  const loaded: LoadedPlugin[] = [];
  const configPath = options.configPath ?? "plugins";
  for (const [index, reference] of references.entries()) {
    const specifier = typeof reference === "string" ? reference : reference.from;
    const rawOptions = typeof reference === "string" ? undefined : reference.options;
    let entry: ResolvedPluginEntry;
    let builtin: { plugin: KernelForgePlugin; version?: string } | undefined;
    try {
      entry = resolvePluginEntry(specifier, options.searchDirectories);
    } catch (error) {
      // An installed package wins; the built-in copy serves where none is installed.
      builtin = options.builtins?.get(specifier);
      if (!builtin || !(error instanceof PluginLoadError) || error.code !== "plugin_not_found") throw error;
      entry = {
        specifier,
        kind: "package",
        entryFile: "(built in)",
        packageDirectory: "",
        packageName: specifier,
        ...(builtin.version ? { packageVersion: builtin.version } : {}),
      };
    }
    const plugin = builtin ? checkPlugin(builtin.plugin, specifier) : await importPlugin(entry);
    const duplicate = loaded.find((other) => other.name === plugin.name);
    if (duplicate) {
      throw new PluginLoadError(
        "plugin_duplicate",
        plugin.name,
        `is listed twice (${duplicate.specifier} and ${specifier})`,
        {
          hint: "Remove one of the two entries from `plugins`.",
        },
      );
    }
    const optionsPath = joinPath(`${configPath}[${index}]`, "options");
    const validation = await validateWithSchema(plugin.configSchema, rawOptions ?? {});
    if (!validation.success) {
      throw new ConfigError(
        `the options of plugin "${plugin.name}"`,
        validation.issues.map((issue) => ({ ...issue, path: joinPath(optionsPath, issue.path) })),
        { hint: `See the README of ${entry.packageName ?? specifier} for its options.` },
      );
    }
    container.bind(pluginOptionsToken(plugin.name)).toConstantValue(validation.value);
    const bound = new Set<ServiceIdentifier>();
    const recordingModule = new ContainerModule((loadOptions) =>
      plugin.module.load({
        ...loadOptions,
        bind: (serviceIdentifier) => {
          bound.add(serviceIdentifier);
          return loadOptions.bind(serviceIdentifier);
        },
      }),
    );
    try {
      await container.load(recordingModule);
    } catch (error) {
      throw new PluginLoadError(
        "plugin_module_failed",
        plugin.name,
        `its module threw while loading: ${describeError(error)}`,
        {
          hint: "This is a fault in the plugin; report it to its author, or remove it from `plugins`.",
          cause: error,
        },
      );
    }
    const provides = (Object.entries(CONTRACT_TOKENS) as [ContractName, ServiceIdentifier][])
      .filter(([, token]) => bound.has(token))
      .map(([name]) => name);
    loaded.push({
      name: plugin.name,
      ...(plugin.description === undefined ? {} : { description: plugin.description }),
      apiVersion: plugin.apiVersion,
      specifier,
      kind: builtin ? "builtin" : entry.kind,
      entryFile: entry.entryFile,
      ...(entry.packageName === undefined ? {} : { packageName: entry.packageName }),
      ...(entry.packageVersion === undefined ? {} : { packageVersion: entry.packageVersion }),
      provides,
      options: validation.value,
    });
  }
  return loaded;
}

async function importPlugin(entry: ResolvedPluginEntry): Promise<KernelForgePlugin> {
  const label = entry.packageName ?? entry.specifier;
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(entry.entryFile).href)) as Record<string, unknown>;
  } catch (error) {
    throw new PluginLoadError(
      "plugin_import_failed",
      label,
      `could not be imported from ${entry.entryFile}: ${describeError(error)}`,
      {
        cause: error,
      },
    );
  }
  return checkPlugin(namespace.default, label);
}

/** Checks that a value is a plugin this core can load: the shape, the API version, the schema and the module. */
function checkPlugin(candidate: unknown, label: string): KernelForgePlugin {
  if (candidate === null || typeof candidate !== "object") {
    throw new PluginLoadError("plugin_invalid_export", label, "has no default export object", {
      hint: "A plugin's default export is { name, apiVersion, configSchema, module } (see definePlugin).",
    });
  }
  const plugin = candidate as Partial<KernelForgePlugin>;
  const name = typeof plugin.name === "string" && plugin.name.length > 0 ? plugin.name : undefined;
  if (!name) {
    throw new PluginLoadError("plugin_invalid_export", label, "default export has no `name` string");
  }
  if (plugin.apiVersion !== API_VERSION) {
    throw new PluginLoadError(
      "plugin_incompatible",
      name,
      `was built for plugin API ${JSON.stringify(plugin.apiVersion)}, but this @kernelforge/core speaks ${JSON.stringify(API_VERSION)}`,
      {
        hint: `Install a version of ${label} built for API ${API_VERSION}, or a @kernelforge/core matching the plugin.`,
      },
    );
  }
  const schema = plugin.configSchema as { "~standard"?: { validate?: unknown } } | undefined;
  if (!schema || typeof schema["~standard"]?.validate !== "function") {
    throw new PluginLoadError(
      "plugin_invalid_export",
      name,
      "`configSchema` is not a Standard Schema (e.g. a zod 4 schema)",
    );
  }
  if (!(plugin.module instanceof ContainerModule)) {
    const looksLikeModule = typeof (plugin.module as { load?: unknown } | undefined)?.load === "function";
    throw new PluginLoadError(
      "plugin_invalid_export",
      name,
      looksLikeModule
        ? "`module` comes from another copy of inversify"
        : "`module` is not an inversify ContainerModule",
      {
        hint: "List inversify and @kernelforge/core as peerDependencies of the plugin so one copy is shared.",
      },
    );
  }
  return plugin as KernelForgePlugin;
}
