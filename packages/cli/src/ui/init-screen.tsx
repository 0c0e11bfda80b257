import { Box, Text } from "ink";

export function InitScreen({ file, overwritten }: { file: string; overwritten: boolean }) {
  return (
    <Box flexDirection="column">
      <Text color="green">
        ✔ {overwritten ? "Overwrote" : "Wrote"} {file}
      </Text>
      <Text dimColor>
        ↳ It holds the embedded defaults, commented. Edit it, then check it with `kforge plugins`.
      </Text>
    </Box>
  );
}
