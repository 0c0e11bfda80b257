import { Text } from "ink";
import type { CheckStatus } from "../doctor/doctor-check.js";

const MARKS: Record<CheckStatus | "pending", { symbol: string; color: string; word: string }> = {
  ok: { symbol: "✔", color: "green", word: "ok" },
  missing: { symbol: "○", color: "yellow", word: "missing" },
  error: { symbol: "✖", color: "red", word: "error" },
  pending: { symbol: "…", color: "gray", word: "checking" },
};

/** A fixed-width status column: symbol and word, coloured where the terminal supports it. */
export function StatusMark({ status }: { status: CheckStatus | "pending" }) {
  const mark = MARKS[status];
  return (
    <Text color={mark.color}>
      {mark.symbol} {mark.word}
    </Text>
  );
}
