import { Box, Text, useInput, useStdout } from "ink";
import { useState } from "react";
import type { StyledLine } from "./inspector-lines.js";

export interface ScrollViewProps {
  lines: readonly StyledLine[];
  /** Lines shown at once (default: the terminal's height less `reserve`). */
  height?: number;
  /** Lines the rest of the screen takes, when the height comes from the terminal. */
  reserve?: number;
  /** Escape or `b`. */
  onBack?: () => void;
  /** Extra help shown beside the position. */
  help?: string;
}

/** Lines scrolled with ↑/↓ (or k/j), PgUp/PgDn (or space), Home/End (or g/G). Long lines are cut, not wrapped. */
export function ScrollView({ lines, height, reserve = 8, onBack, help }: ScrollViewProps) {
  const { stdout } = useStdout();
  const rows = height ?? Math.max(8, (stdout?.rows ?? 32) - reserve);
  const last = Math.max(0, lines.length - rows);
  const [top, setTop] = useState(0);
  const scroll = (next: number) => setTop(Math.min(Math.max(0, next), last));
  useInput((input, key) => {
    if (key.escape || input === "b") onBack?.();
    else if (key.upArrow || input === "k") scroll(top - 1);
    else if (key.downArrow || input === "j") scroll(top + 1);
    else if (key.pageUp) scroll(top - rows);
    else if (key.pageDown || input === " ") scroll(top + rows);
    else if (key.home || input === "g") scroll(0);
    else if (key.end || input === "G") scroll(last);
  });
  const shown = lines.slice(top, top + rows);
  return (
    <Box flexDirection="column">
      {shown.map((line, offset) => (
        <Text
          // Lines are positions in a fixed document.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above.
          key={top + offset}
          wrap="truncate-end"
          {...(line.color ? { color: line.color } : {})}
          bold={line.bold ?? false}
          dimColor={line.dim ?? false}
        >
          {line.text || " "}
        </Text>
      ))}
      <Text dimColor>
        {lines.length > rows
          ? `lines ${top + 1}–${Math.min(lines.length, top + rows)} of ${lines.length} · ↑↓ PgUp PgDn Home End`
          : `${lines.length} lines`}
        {help ? ` · ${help}` : ""}
      </Text>
    </Box>
  );
}
