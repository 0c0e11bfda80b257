import { Box, Text } from "ink";
import type { DoctorCheckResult } from "../doctor/doctor-check.js";
import { StatusMark } from "./status-mark.js";

export interface DoctorScreenProps {
  /** Labels in display order. */
  labels: readonly { id: string; label: string }[];
  /** Results so far, by check id. */
  results: Readonly<Record<string, DoctorCheckResult>>;
}

const STATUS_WIDTH = 11;

/**
 * One line per check: status, label, what was found, then its further lines (the live queue workers) and its
 * hint below it. Pending checks show as checking.
 */
export function DoctorScreen({ labels, results }: DoctorScreenProps) {
  const labelWidth = Math.max(...labels.map((entry) => entry.label.length)) + 2;
  const done = labels.filter((entry) => results[entry.id]).length;
  return (
    <Box flexDirection="column">
      <Text bold>kforge doctor{done < labels.length ? ` (${done}/${labels.length})` : ""}</Text>
      {labels.map((entry) => {
        const result = results[entry.id];
        return (
          <Box key={entry.id} flexDirection="column">
            <Box>
              <Box width={STATUS_WIDTH} flexShrink={0}>
                <StatusMark status={result?.status ?? "pending"} />
              </Box>
              <Box width={labelWidth} flexShrink={0}>
                <Text bold>{entry.label}</Text>
              </Box>
              <Box flexShrink={1}>
                <Text>{result?.summary ?? ""}</Text>
              </Box>
            </Box>
            {(result?.lines ?? []).map((line) => (
              <Box key={line} marginLeft={STATUS_WIDTH + labelWidth}>
                <Text>• {line}</Text>
              </Box>
            ))}
            {result?.hint ? (
              <Box marginLeft={STATUS_WIDTH + labelWidth}>
                <Text dimColor>↳ {result.hint}</Text>
              </Box>
            ) : null}
          </Box>
        );
      })}
    </Box>
  );
}
