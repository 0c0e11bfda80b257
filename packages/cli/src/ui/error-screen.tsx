import { Box, Text } from "ink";

/** An error as the user sees it: what was wrong, then what to do. */
export function ErrorScreen({ message, hint }: { message: string; hint?: string | undefined }) {
  return (
    <Box flexDirection="column">
      <Text color="red">✖ {message}</Text>
      {hint ? <Text dimColor>↳ {hint}</Text> : null}
    </Box>
  );
}
