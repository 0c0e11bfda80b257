import type { RunArchive, RunRecord } from "@kernelforge/core";
import { Box, Text, useInput } from "ink";
import { fit, formatTimestamp } from "../../dashboard/format.js";
import { SelectList } from "./select-list.js";
import { useLoad } from "./use-load.js";

export interface RunsScreenProps {
  archive: Pick<RunArchive, "listRuns">;
  onOpen: (run: RunRecord) => void;
  onBack: () => void;
  initialIndex?: number;
  onMove?: (index: number) => void;
}

const WIDTHS = { id: 28, status: 10, measurement: 11, tasks: 6 };

const STATUS_COLORS: Record<RunRecord["status"], string | undefined> = {
  running: "cyan",
  finished: "green",
  failed: "red",
  cancelled: "yellow",
};

function RunRow({ run, selected }: { run: RunRecord; selected: boolean }) {
  return (
    <Text>
      <Text color={selected ? "cyan" : undefined} bold={selected}>
        {fit(run.runId, WIDTHS.id)}
      </Text>{" "}
      <Text color={STATUS_COLORS[run.status]}>{fit(run.status, WIDTHS.status)}</Text>{" "}
      <Text color={run.measurement === "estimated" ? "yellow" : undefined}>
        {fit(run.measurement, WIDTHS.measurement)}
      </Text>
      {String(run.taskKeys.length).padStart(WIDTHS.tasks)}
      {"  "}
      {formatTimestamp(run.createdAt)}
    </Text>
  );
}

/** The archived runs, newest first. */
export function RunsScreen({ archive, onOpen, onBack, initialIndex, onMove }: RunsScreenProps) {
  const runs = useLoad(() => archive.listRuns(), archive);
  const ready = runs.state === "ready" && runs.value.length > 0;
  useInput(
    (input, key) => {
      if (key.escape || input === "b" || input === "q") onBack();
    },
    { isActive: !ready },
  );
  return (
    <Box flexDirection="column">
      <Text bold>Runs</Text>
      {runs.state === "loading" ? <Text dimColor>reading the archive…</Text> : null}
      {runs.state === "error" ? <Text color="red">✖ could not read the archive: {runs.message}</Text> : null}
      {runs.state === "ready" && runs.value.length === 0 ? (
        <Text dimColor>No runs archived yet. Start one from the menu or with kforge run.</Text>
      ) : null}
      {ready ? (
        <>
          <Text bold dimColor>
            {"  "}
            {"run".padEnd(WIDTHS.id)} {"status".padEnd(WIDTHS.status)}{" "}
            {"measurement".padEnd(WIDTHS.measurement)}
            {"tasks".padStart(WIDTHS.tasks)}
            {"  "}created
          </Text>
          <SelectList
            items={runs.value.map((run) => ({
              key: run.runId,
              label: (selected: boolean) => <RunRow run={run} selected={selected} />,
            }))}
            onSelect={(index) => {
              const run = runs.value[index];
              if (run) onOpen(run);
            }}
            onBack={onBack}
            {...(initialIndex === undefined ? {} : { initialIndex })}
            {...(onMove ? { onMove } : {})}
          />
        </>
      ) : null}
      <Box marginTop={1}>
        <Text dimColor>↑↓ move · enter open · esc back</Text>
      </Box>
    </Box>
  );
}
