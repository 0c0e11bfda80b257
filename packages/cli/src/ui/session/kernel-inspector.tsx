import type { RunRecord } from "@kernelforge/core";
import { Box, Text, useInput } from "ink";
import { useMemo, useState } from "react";
import { MeasurementBadge } from "../measurement-badge.js";
import { inspectorLines, inspectorTitle } from "./inspector-lines.js";
import type { TaskSummary } from "./run-summary.js";
import { ScrollView } from "./scroll-view.js";

export interface KernelInspectorProps {
  run: RunRecord;
  task: TaskSummary;
  onBack: () => void;
  /** Lines of the scrolling part (default: from the terminal's height). */
  height?: number;
}

/**
 * One task's kernels, best first: provenance, compile report, correctness checks, timings against each
 * baseline and the source, scrolled with ↑/↓ and the page keys; ←/→ go to the next or previous candidate.
 */
export function KernelInspector({ run, task, onBack, height }: KernelInspectorProps) {
  const [index, setIndex] = useState(0);
  const record = task.candidates[index];
  const lines = useMemo(() => (record ? inspectorLines(record) : []), [record]);
  useInput((input, key) => {
    if (key.rightArrow || input === "n")
      setIndex((current) => Math.min(task.candidates.length - 1, current + 1));
    else if (key.leftArrow || input === "p") setIndex((current) => Math.max(0, current - 1));
    else if (!record && (key.escape || input === "b")) onBack();
  });
  if (!record)
    return (
      <Box flexDirection="column">
        <Text>No kernel of this task was archived in run {run.runId}.</Text>
        <Text dimColor>esc back</Text>
      </Box>
    );
  const rank =
    task.best && index === 0
      ? "best kernel"
      : `candidate ${index + 1} of ${task.candidates.length}, best first`;
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">
        {inspectorTitle(record)}
      </Text>
      <Text>
        <Text color={record.result.status === "ok" ? "green" : "red"}>{record.result.status}</Text> · {rank} ·
        run {run.runId} · <MeasurementBadge kind={record.result.measurement} />
      </Text>
      <Box marginTop={1}>
        <ScrollView
          key={record.candidate.id}
          lines={lines}
          reserve={6}
          onBack={onBack}
          help="←→ other candidates · esc back"
          {...(height === undefined ? {} : { height })}
        />
      </Box>
    </Box>
  );
}
