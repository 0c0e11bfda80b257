import { Box, Text, useInput } from "ink";

export interface MessageScreenProps {
  title: string;
  lines: readonly string[];
  tone?: "info" | "error";
  onBack: () => void;
}

/** A message, closed with escape, `b`, `q` or enter. */
export function MessageScreen({ title, lines, tone = "info", onBack }: MessageScreenProps) {
  useInput((input, key) => {
    if (key.escape || key.return || input === "b" || input === "q") onBack();
  });
  return (
    <Box flexDirection="column">
      <Text bold color={tone === "error" ? "red" : undefined}>
        {tone === "error" ? "✖ " : ""}
        {title}
      </Text>
      {lines.map((line) => (
        <Text key={line} {...(tone === "error" ? {} : { dimColor: true })}>
          {line}
        </Text>
      ))}
      <Box marginTop={1}>
        <Text dimColor>esc back</Text>
      </Box>
    </Box>
  );
}
