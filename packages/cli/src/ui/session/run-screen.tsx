import type { EvaluationRecord, RunArchive, RunRecord, TimingMode } from "@kernelforge/core";
import { Box, Text, useInput } from "ink";
import {
  BASELINE_LABELS,
  fit,
  formatSpeedup,
  formatTimestamp,
  plural,
  taskParts,
} from "../../dashboard/format.js";
import { MeasurementBadge } from "../measurement-badge.js";
import { formatStatusCounts, summarizeRun, type TaskSummary } from "./run-summary.js";
import { SelectList } from "./select-list.js";
import { useLoad } from "./use-load.js";

export interface RunScreenProps {
  archive: Pick<RunArchive, "getRun" | "listEvaluations">;
  runId: string;
  onOpenTask: (run: RunRecord, task: TaskSummary) => void;
  onBack: () => void;
  initialIndex?: number;
  onMove?: (index: number) => void;
}

const W = { shape: 17, layout: 7, n: 5, ok: 6, speedup: 12 };

function Speedup({ value }: { value: number | undefined }) {
  const text = formatSpeedup(value).padStart(W.speedup);
  if (value === undefined) return <Text dimColor>{text}</Text>;
  return <Text color={value > 1 ? "green" : undefined}>{text}</Text>;
}

function speedupsOf(record: EvaluationRecord | undefined, mode: TimingMode) {
  const speedups = record?.result.speedups?.[mode];
  return {
    cublas: speedups?.perBaseline.cublas,
    best: speedups?.best.speedup,
    baseline: speedups?.best.baseline,
  };
}

function TaskRow({ task, selected }: { task: TaskSummary; selected: boolean }) {
  const parts = taskParts(task.taskKey);
  const cold = speedupsOf(task.best, "cold");
  const hot = speedupsOf(task.best, "hot");
  return (
    <Box flexDirection="column">
      <Box>
        <Text color={selected ? "cyan" : undefined} bold={selected}>
          {fit(parts.shape, W.shape)}
          {fit(parts.layout, W.layout)}
          {String(task.candidates.length).padStart(W.n)}
          {String(task.statusCounts.ok ?? 0).padStart(W.ok)}
        </Text>
        <Speedup value={cold.cublas} />
        <Speedup value={cold.best} />
        <Speedup value={hot.cublas} />
        <Speedup value={hot.best} />
      </Box>
      <Text dimColor>
        {"  "}
        {formatStatusCounts(task.statusCounts)}
        {cold.baseline ? ` · fastest baseline cold: ${BASELINE_LABELS[cold.baseline]}` : ""}
        {task.best ? ` · best ${task.best.candidate.id.slice(0, 12)}` : ""}
        {task.otherMeasurement ? ` · ${task.otherMeasurement} of the other measurement kind not shown` : ""}
      </Text>
    </Box>
  );
}

function RunHeader({ run }: { run: RunRecord }) {
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>Run </Text>
        <Text bold color="cyan">
          {run.runId}
        </Text>{" "}
        · {run.status} · <MeasurementBadge kind={run.measurement} />
      </Text>
      <Text dimColor wrap="truncate-end">
        {formatTimestamp(run.createdAt)} · {plural(run.rounds, "round")} ×{" "}
        {plural(run.taskKeys.length, "task")} × {run.groupSize} · generator {run.components.generator} ·
        evaluator {run.components.evaluator}
        {run.devices.length ? ` · ${run.devices.join(", ")}` : ""}
      </Text>
      {run.error ? (
        <Text color="red">
          ✖ {run.error.code}: {run.error.message}
        </Text>
      ) : null}
    </Box>
  );
}

/** One run: its best kernel per task, with the speedups cold and hot over cuBLAS and the best baseline. */
export function RunScreen({ archive, runId, onOpenTask, onBack, initialIndex, onMove }: RunScreenProps) {
  const loaded = useLoad(
    async () => {
      const [run, records] = await Promise.all([archive.getRun(runId), archive.listEvaluations({ runId })]);
      return run ? { run, tasks: summarizeRun(run, records) } : undefined;
    },
    archive,
    runId,
  );
  const ready = loaded.state === "ready" && loaded.value !== undefined && loaded.value.tasks.length > 0;
  useInput(
    (input, key) => {
      if (key.escape || input === "b" || input === "q") onBack();
    },
    { isActive: !ready },
  );
  if (loaded.state === "loading") return <Text dimColor>reading run {runId}…</Text>;
  if (loaded.state === "error")
    return (
      <Text color="red">
        ✖ could not read run {runId}: {loaded.message}
      </Text>
    );
  if (!loaded.value) return <Text color="red">✖ no run {runId} in the archive (esc back)</Text>;
  const { run, tasks } = loaded.value;
  return (
    <Box flexDirection="column">
      <RunHeader run={run} />
      <Box marginTop={1} flexDirection="column">
        <Text bold>
          {"  "}
          {"task".padEnd(W.shape)}
          {"layout".padEnd(W.layout)}
          {"n".padStart(W.n)}
          {"ok".padStart(W.ok)}
          {"cold×cuBLAS".padStart(W.speedup)}
          {"cold×best".padStart(W.speedup)}
          {"hot×cuBLAS".padStart(W.speedup)}
          {"hot×best".padStart(W.speedup)}
          {run.measurement === "estimated" ? <Text color="yellow"> (estimated)</Text> : null}
        </Text>
        {tasks.length ? (
          <SelectList
            items={tasks.map((task) => ({
              key: task.taskKey,
              label: (selected: boolean) => <TaskRow task={task} selected={selected} />,
            }))}
            onSelect={(index) => {
              const task = tasks[index];
              if (task) onOpenTask(run, task);
            }}
            onBack={onBack}
            maxVisible={8}
            {...(initialIndex === undefined ? {} : { initialIndex })}
            {...(onMove ? { onMove } : {})}
          />
        ) : (
          <Text dimColor>This run has no tasks.</Text>
        )}
      </Box>
      <Box marginTop={1}>
        <Text dimColor>best kernel per task · ↑↓ move · enter inspect · esc back</Text>
      </Box>
    </Box>
  );
}
