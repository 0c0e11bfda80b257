import { Box, Text } from "ink";
import {
  COMMANDS,
  type CommandName,
  type FlagSpecification,
  GLOBAL_FLAGS,
} from "../arguments/command-table.js";

function flagLabel(name: string, flag: FlagSpecification): string {
  const short = flag.short ? `-${flag.short}, ` : "";
  return `${short}--${name}${flag.value ? ` <${flag.value}>` : ""}`;
}

function FlagList({ flags }: { flags: Record<string, FlagSpecification> }) {
  const entries = Object.entries(flags);
  const width = Math.max(...entries.map(([name, flag]) => flagLabel(name, flag).length));
  return (
    <Box flexDirection="column">
      {entries.map(([name, flag]) => (
        <Text key={name}>
          {"  "}
          {flagLabel(name, flag).padEnd(width + 2)}
          {flag.description}
        </Text>
      ))}
    </Box>
  );
}

/** `kforge --help` and `kforge help <command>`. */
export function HelpScreen({ version, topic }: { version: string; topic?: CommandName | undefined }) {
  if (topic) {
    const command = COMMANDS[topic];
    return (
      <Box flexDirection="column">
        <Text bold>{command.usage}</Text>
        <Text>{command.summary}</Text>
        {Object.keys(command.flags).length ? (
          <>
            <Text bold>{"\n"}Flags</Text>
            <FlagList flags={command.flags} />
          </>
        ) : null}
        <Text bold>{"\n"}Global flags</Text>
        <FlagList flags={GLOBAL_FLAGS} />
      </Box>
    );
  }
  const names = Object.keys(COMMANDS) as CommandName[];
  const width = Math.max(...names.map((name) => name.length));
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>kforge</Text> {version}: search for GPU kernels that beat the vendor library
      </Text>
      <Text bold>{"\n"}Usage</Text>
      <Text>{"  "}kforge &lt;command&gt; [flags]</Text>
      <Text bold>{"\n"}Commands</Text>
      {names.map((name) => (
        <Text key={name}>
          {"  "}
          {name.padEnd(width + 2)}
          {COMMANDS[name].summary}
        </Text>
      ))}
      <Text bold>{"\n"}Global flags</Text>
      <FlagList
        flags={{
          ...GLOBAL_FLAGS,
          version: { type: "boolean", short: "v", description: "print the version" },
        }}
      />
      <Text>
        {"\n"}Without a terminal every command prints plain text (kforge run: JSON lines, or readable lines
        with --plain); with --json, JSON.
      </Text>
    </Box>
  );
}
