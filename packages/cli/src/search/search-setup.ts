import path from "node:path";
import { openRunArchive } from "@kernelforge/archive";
import {
  createContainer,
  type KernelForgeConfig,
  KernelForgeError,
  loadConfig,
  loadPlugins,
  type RunArchive,
  type RunComponents,
  RunEventBus,
  resolveAll,
  resolveNamed,
  TOKENS,
} from "@kernelforge/core";
import { BUILTIN_PLUGINS } from "../builtin-plugins.js";
import { cliPackageDirectory } from "../cli-version.js";

/** The config file in use and the directory its relative paths are read from. */
export interface LoadedSearchConfig {
  config: KernelForgeConfig;
  directory: string;
  /** The file read, or undefined when the embedded defaults are in use. */
  source: string | undefined;
}

export async function loadSearchConfig(
  cwd: string,
  configPath: string | undefined,
): Promise<LoadedSearchConfig> {
  const loaded = await loadConfig({ cwd, ...(configPath ? { configPath } : {}) });
  return { config: loaded.config, directory: loaded.directory, source: loaded.source };
}

/** A LanceDB URI with a scheme (`s3://`, `db://`...) is used as is; anything else is a directory. */
export function archiveLocation(uri: string, directory: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(uri) ? uri : path.resolve(directory, uri);
}

/** Opens the archive a config names (a plugin may bind its own to TOKENS.runArchive instead). */
export async function openConfiguredArchive(loaded: LoadedSearchConfig): Promise<RunArchive> {
  return openRunArchive(archiveLocation(loaded.config.archive.uri, loaded.directory));
}

/**
 * Loads the config's plugins and picks the implementations a run uses: the generator and evaluator the
 * config names (or the only ones loaded), the reward model, the policy trainer when one is loaded, every
 * retriever, and the archive.
 */
export async function createRunComponents(
  loaded: LoadedSearchConfig,
  events: RunEventBus = new RunEventBus(),
  openArchive?: RunArchive,
): Promise<RunComponents> {
  const { config } = loaded;
  const container = createContainer(config, events);
  await loadPlugins(container, config.plugins, {
    searchDirectories: [loaded.directory, cliPackageDirectory()],
    builtins: BUILTIN_PLUGINS,
  });
  const generator = resolveNamed(
    container,
    TOKENS.kernelGenerator,
    config.search.generator,
    "kernel generator",
  );
  const evaluator = resolveNamed(
    container,
    TOKENS.gpuEvaluator,
    config.evaluation.evaluator,
    "GPU evaluator",
  );
  const rewardModels = resolveAll(container, TOKENS.rewardModel);
  if (rewardModels.length === 0) {
    throw new KernelForgeError("implementation_not_found", "No reward model is loaded", {
      hint: 'A run turns measured speed into rewards: add "@kernelforge/plugin-grpo" to `plugins`.',
    });
  }
  const rewardModel = resolveNamed(container, TOKENS.rewardModel, undefined, "reward model");
  const trainers = resolveAll(container, TOKENS.policyTrainer);
  const policyTrainer =
    trainers.length === 0
      ? undefined
      : resolveNamed(container, TOKENS.policyTrainer, undefined, "policy trainer");
  const archive =
    openArchive ??
    (container.isBound(TOKENS.runArchive)
      ? container.get(TOKENS.runArchive)
      : await openConfiguredArchive(loaded));
  return {
    generator,
    evaluator,
    rewardModel,
    policyTrainer,
    retrievers: resolveAll(container, TOKENS.retriever),
    contextSelector: container.isBound(TOKENS.contextSelector)
      ? container.get(TOKENS.contextSelector)
      : undefined,
    archive,
    events,
  };
}
