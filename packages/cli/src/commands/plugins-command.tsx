import { createContainer, loadConfig, loadPlugins } from "@kernelforge/core";
import { BUILTIN_PLUGINS } from "../builtin-plugins.js";
import type { CliContext } from "../cli-context.js";
import { cliPackageDirectory } from "../cli-version.js";
import { type OutputMode, present, writeJson } from "../output/present.js";
import { PluginsScreen } from "../ui/plugins-screen.js";

/** Loads the config and every plugin it names, exactly as a run would, and lists them. */
export async function pluginsCommand(
  context: CliContext,
  mode: OutputMode,
  configPath: string | undefined,
): Promise<number> {
  const loaded = await loadConfig({ cwd: context.cwd, ...(configPath ? { configPath } : {}) });
  const container = createContainer(loaded.config);
  const plugins = await loadPlugins(container, loaded.config.plugins, {
    searchDirectories: [loaded.directory, cliPackageDirectory()],
    builtins: BUILTIN_PLUGINS,
  });
  if (mode === "json") writeJson(context, { config: loaded.source, plugins });
  else await present(<PluginsScreen configSource={loaded.source} plugins={plugins} />, context, mode);
  return 0;
}
