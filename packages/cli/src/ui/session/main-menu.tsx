import { Box, Text } from "ink";
import { SelectList } from "./select-list.js";

export type MenuChoice = "start" | "runs" | "search" | "bench" | "quit";

const CHOICES: readonly MenuChoice[] = ["start", "runs", "search", "bench", "quit"];

export interface MainMenuProps {
  configSummary: string;
  onChoose: (choice: MenuChoice) => void;
  initialIndex?: number;
  onMove?: (index: number) => void;
}

/** The first screen of `kforge` with no arguments. */
export function MainMenu({ configSummary, onChoose, initialIndex, onMove }: MainMenuProps) {
  const labels: Record<MenuChoice, string> = {
    start: `Start a run (${configSummary})`,
    runs: "Browse runs",
    search: "Search docs",
    bench: "Bench a kernel file",
    quit: "Quit",
  };
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>kforge</Text> · search for CUDA HGEMM kernels faster than cuBLAS
      </Text>
      <Box marginTop={1}>
        <SelectList
          items={CHOICES.map((choice) => ({ key: choice, label: labels[choice] }))}
          numberShortcuts
          onSelect={(index) => onChoose(CHOICES[index] as MenuChoice)}
          onKey={(input) => {
            if (input === "q") onChoose("quit");
          }}
          {...(initialIndex === undefined ? {} : { initialIndex })}
          {...(onMove ? { onMove } : {})}
        />
      </Box>
      <Box marginTop={1}>
        <Text dimColor>↑↓ move · enter choose · 1–5 shortcut · q quit</Text>
      </Box>
    </Box>
  );
}
