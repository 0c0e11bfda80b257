import { Box, Text, useInput } from "ink";
import { type ReactNode, useState } from "react";

export interface SelectItem {
  key: string;
  /** Text (coloured when highlighted), or a function drawing the row itself (it may hold boxes). */
  label: string | ((selected: boolean) => ReactNode);
}

export interface SelectListProps {
  items: readonly SelectItem[];
  onSelect: (index: number) => void;
  /** Escape or `b`. */
  onBack?: () => void;
  /** Called as the highlight moves, so that a caller can restore it later. */
  onMove?: (index: number) => void;
  initialIndex?: number;
  /** Digits 1–9 choose the item with that number at once. */
  numberShortcuts?: boolean;
  /** Rows shown at once; the list scrolls to keep the highlight in view. */
  maxVisible?: number;
  /** Other keys, for the screen that holds the list. */
  onKey?: (input: string) => void;
}

/** A list navigated with ↑/↓ (or k/j), PgUp/PgDn, Home/End, chosen with enter. */
export function SelectList({
  items,
  onSelect,
  onBack,
  onMove,
  initialIndex = 0,
  numberShortcuts = false,
  maxVisible = 12,
  onKey,
}: SelectListProps) {
  const [index, setIndex] = useState(() =>
    Math.min(Math.max(0, initialIndex), Math.max(0, items.length - 1)),
  );
  const move = (next: number) => {
    const clamped = Math.min(Math.max(0, next), Math.max(0, items.length - 1));
    setIndex(clamped);
    onMove?.(clamped);
  };
  useInput((input, key) => {
    if (key.escape || input === "b") {
      onBack?.();
      return;
    }
    if (items.length === 0) return;
    if (key.upArrow || input === "k") move(index - 1);
    else if (key.downArrow || input === "j") move(index + 1);
    else if (key.pageUp) move(index - maxVisible);
    else if (key.pageDown) move(index + maxVisible);
    else if (key.home) move(0);
    else if (key.end) move(items.length - 1);
    else if (key.return) onSelect(index);
    else if (numberShortcuts && /^[1-9]$/.test(input) && Number(input) <= items.length) {
      move(Number(input) - 1);
      onSelect(Number(input) - 1);
    } else onKey?.(input);
  });
  const start = Math.min(
    Math.max(0, index - Math.floor(maxVisible / 2)),
    Math.max(0, items.length - maxVisible),
  );
  const visible = items.slice(start, start + maxVisible);
  return (
    <Box flexDirection="column">
      {start > 0 ? <Text dimColor> ↑ {start} more</Text> : null}
      {visible.map((item, offset) => {
        const selected = start + offset === index;
        return (
          <Box key={item.key}>
            <Text color="cyan" bold>
              {selected ? "❯ " : "  "}
            </Text>
            {numberShortcuts ? <Text dimColor>{start + offset + 1}. </Text> : null}
            {typeof item.label === "function" ? (
              item.label(selected)
            ) : (
              <Text color={selected ? "cyan" : undefined} bold={selected}>
                {item.label}
              </Text>
            )}
          </Box>
        );
      })}
      {start + maxVisible < items.length ? (
        <Text dimColor> ↓ {items.length - start - maxVisible} more</Text>
      ) : null}
    </Box>
  );
}
