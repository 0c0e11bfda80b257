import type { MeasurementKind } from "@kernelforge/core";
import { Text } from "ink";

/**
 * The measurement label of a run or result: a plain green `MEASURED`, or an impossible-to-miss
 * `ESTIMATED — model times, not measurements` (`compact`: just `ESTIMATED`, for table cells).
 */
export function MeasurementBadge({ kind, compact = false }: { kind: MeasurementKind; compact?: boolean }) {
  if (kind === "measured")
    return (
      <Text color="green" bold>
        MEASURED
      </Text>
    );
  return (
    <Text backgroundColor="yellow" color="black" bold>
      {compact ? " ESTIMATED " : " ESTIMATED — model times, not measurements "}
    </Text>
  );
}
