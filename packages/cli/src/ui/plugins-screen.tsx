import type { LoadedPlugin } from "@kernelforge/core";
import { Box, Text } from "ink";

export interface PluginsScreenProps {
  configSource: string;
  plugins: readonly LoadedPlugin[];
}

/** The loaded plugins: name and version, what they provide, and where they were loaded from. */
export function PluginsScreen({ configSource, plugins }: PluginsScreenProps) {
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>Config:</Text> {configSource}
      </Text>
      {plugins.length === 0 ? (
        <Text dimColor>
          No plugins configured. Add them under `plugins` in kforge.config.ts (see `kforge init`).
        </Text>
      ) : (
        plugins.map((plugin) => (
          <Box key={plugin.name} flexDirection="column" marginTop={1}>
            <Text>
              <Text bold color="cyan">
                {plugin.name}
              </Text>
              {plugin.packageVersion ? ` ${plugin.packageVersion}` : ""}{" "}
              <Text dimColor>(API {plugin.apiVersion})</Text>
            </Text>
            {plugin.description ? <Text> {plugin.description}</Text> : null}
            <Text>
              {" "}
              provides:{" "}
              {plugin.provides.length ? plugin.provides.join(", ") : "nothing from the five contracts"}
            </Text>
            <Text>
              {" "}
              from: {plugin.specifier} ({plugin.kind}) → {plugin.entryFile}
            </Text>
          </Box>
        ))
      )}
    </Box>
  );
}
