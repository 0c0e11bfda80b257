import type { RunControl, RunEventBus } from "@kernelforge/core";
import { Box, Text, useInput, useStdout } from "ink";
import { useEffect, useRef, useState } from "react";
import {
  candidatesPerMinute,
  currentRoundProgress,
  currentTaskKey,
  type DashboardState,
  deviceBusyPercent,
  elapsedMilliseconds,
  inFlightCount,
  isRunOver,
  latestGeneratorStream,
  overallProgress,
  type Progress,
  rewardCurve,
  roundOrdinal,
  type TaskView,
  workersView,
} from "../dashboard/dashboard-state.js";
import { createDashboardStore, type DashboardStore } from "../dashboard/dashboard-store.js";
import {
  fit,
  formatDuration,
  formatSpeedup,
  percent,
  plural,
  progressBar,
  shorten,
  sparkline,
  taskLabel,
  taskParts,
} from "../dashboard/format.js";
import { MeasurementBadge } from "./measurement-badge.js";

/** Why the dashboard asks to be closed. */
export type DashboardExitReason =
  /** The run is over and the user closed the dashboard (q, enter or escape). */
  | "done"
  /** Ctrl+C a second time while the run was already stopping: the caller should abort it. */
  | "interrupt";

export interface RunDashboardProps {
  events: RunEventBus;
  control: RunControl;
  /** Clock for arrival times and elapsed time (default Date.now). */
  now?: () => number;
  /** Settles when the run loop has returned; a rejection is shown as the run's error. */
  done?: Promise<unknown>;
  onExit?: (reason: DashboardExitReason) => void;
  /**
   * A store already subscribed to `events` (see createDashboardStore), for callers that must not lose the events
   * emitted before the first render. Without one, the dashboard subscribes when it is first rendered.
   */
  store?: DashboardStore;
  /** Shortest time between two renders (default 100 ms: at most ~10 frames a second). */
  frameIntervalMilliseconds?: number;
}

const MAX_TASK_ROWS = 10;
const REWARD_POINTS = 40;

/** Follows the store, re-rendering at most once per interval however fast events arrive. */
function useThrottledState(store: DashboardStore, intervalMilliseconds: number): DashboardState {
  const [state, setState] = useState(() => store.getState());
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last = 0;
    const flush = () => {
      timer = undefined;
      last = Date.now();
      setState(store.getState());
    };
    const unsubscribe = store.subscribe(() => {
      if (timer) return;
      timer = setTimeout(flush, Math.max(0, intervalMilliseconds - (Date.now() - last)));
    });
    // Events folded in between the first render and this effect.
    setState(store.getState());
    return () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }, [store, intervalMilliseconds]);
  return state;
}

/**
 * The live view of a run: progress, per-task best speedups, reward curve, throughput, failures and the
 * generator's output, with keys to pause, skip the current task and stop cleanly.
 */
export function RunDashboard({
  events,
  control,
  now = Date.now,
  done,
  onExit,
  store: givenStore,
  frameIntervalMilliseconds = 100,
}: RunDashboardProps) {
  // A store of its own is created (and subscribed) during the first render, not after mounting.
  const [ownStore] = useState(() => (givenStore ? undefined : createDashboardStore(events, now)));
  const store = givenStore ?? (ownStore as DashboardStore);
  useEffect(() => () => ownStore?.close(), [ownStore]);

  const state = useThrottledState(store, frameIntervalMilliseconds);
  const [, setTick] = useState(0);
  const [stopRequested, setStopRequested] = useState(false);
  const [notice, setNotice] = useState<string | undefined>();
  const [outcome, setOutcome] = useState<{ error?: string } | undefined>();
  const stopRequestedRef = useRef(false);

  useEffect(() => {
    if (!done) return;
    let live = true;
    done.then(
      () => {
        if (live) setOutcome({});
      },
      (error: unknown) => {
        if (live) setOutcome({ error: error instanceof Error ? error.message : String(error) });
      },
    );
    return () => {
      live = false;
    };
  }, [done]);

  const over = outcome !== undefined || isRunOver(state);

  // Elapsed time and throughput move without events: refresh once a second while the run is live.
  useEffect(() => {
    if (over) return;
    const timer = setInterval(() => setTick((tick) => tick + 1), 1000);
    return () => clearInterval(timer);
  }, [over]);

  const requestStop = () => {
    stopRequestedRef.current = true;
    setStopRequested(true);
    control.stop();
  };

  useInput((input, key) => {
    const interrupt = key.ctrl && input === "c";
    if (over) {
      if (input === "q" || key.return || key.escape || interrupt) onExit?.("done");
      return;
    }
    if (interrupt) {
      if (stopRequestedRef.current || control.stopping) onExit?.("interrupt");
      else requestStop();
      return;
    }
    if (input === "q") {
      requestStop();
      return;
    }
    if (input === "p") {
      if (control.paused) control.resume();
      else control.pause();
      setNotice(undefined);
      setTick((tick) => tick + 1);
      return;
    }
    if (input === "s") {
      const current = currentTaskKey(store.getState());
      if (!current) {
        setNotice("no task is being worked on");
        return;
      }
      control.skipTask(current);
      setNotice(`skipping ${taskLabel(current)}`);
    }
  });

  const { stdout } = useStdout();
  const columns = Math.min(120, Math.max(60, stdout?.columns ?? 100));
  return (
    <RunDashboardView
      state={state}
      nowMilliseconds={now()}
      columns={columns}
      paused={!over && (control.paused || state.paused)}
      stopping={!over && (stopRequested || control.stopping || state.stopping)}
      over={over}
      {...(outcome?.error ? { error: outcome.error } : {})}
      {...(notice ? { notice } : {})}
    />
  );
}

export interface RunDashboardViewProps {
  state: DashboardState;
  nowMilliseconds: number;
  /** Terminal width to lay out for (80–120 works best). */
  columns: number;
  paused: boolean;
  stopping: boolean;
  /** The run loop has returned (or the state says the run ended). */
  over: boolean;
  /** Error the run loop returned with. */
  error?: string;
  /** A short message after a key press. */
  notice?: string;
}

/** The dashboard as a pure function of the state, for rendering once (plain output, tests). */
export function RunDashboardView({
  state,
  nowMilliseconds,
  columns,
  paused,
  stopping,
  over,
  error,
  notice,
}: RunDashboardViewProps) {
  if (state.runId === undefined) {
    return (
      <Box flexDirection="column">
        <Text dimColor>waiting for the run to start…</Text>
        {error ? <Text color="red">✖ {error}</Text> : null}
      </Box>
    );
  }
  const current = currentTaskKey(state);
  return (
    <Box flexDirection="column" width={columns}>
      <Header state={state} />
      <StateLine
        state={state}
        nowMilliseconds={nowMilliseconds}
        paused={paused}
        stopping={stopping}
        over={over}
        {...(error ? { error } : {})}
      />
      <ProgressLines state={state} columns={columns} />
      <TaskTable state={state} current={current} />
      <RewardLine state={state} />
      <ThroughputLine state={state} nowMilliseconds={nowMilliseconds} />
      <WorkersLine state={state} columns={columns} />
      <Failures state={state} columns={columns} />
      <GeneratorPane state={state} columns={columns} />
      <Logs state={state} columns={columns} />
      {notice ? <Text color="cyan">{notice}</Text> : null}
      <KeyHelp current={current} paused={paused} stopping={stopping} over={over} />
    </Box>
  );
}

function Header({ state }: { state: DashboardState }) {
  const components = state.components;
  const parts = components
    ? [
        `generator ${components.generator}`,
        `evaluator ${components.evaluator}`,
        ...(components.rewardModel ? [`reward ${components.rewardModel}`] : []),
        ...(components.policyTrainer ? [`trainer ${components.policyTrainer}`] : []),
      ]
    : [];
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold>kforge run </Text>
        <Text bold color="cyan">
          {state.runId}
        </Text>
        {state.resumed ? <Text dimColor> (resumed)</Text> : null}
        <Text> </Text>
        {state.measurement ? <MeasurementBadge kind={state.measurement} /> : null}
      </Text>
      <Text dimColor wrap="truncate-end">
        {state.devices.length ? state.devices.join(", ") : "no device"} ·{" "}
        {`${plural(state.rounds, "round")} × ${plural(state.taskKeys.length, "task")} × ${plural(state.groupSize, "candidate")}`}
      </Text>
      {parts.length ? (
        <Text dimColor wrap="truncate-end">
          {parts.join(" · ")}
        </Text>
      ) : null}
    </Box>
  );
}

function StateLine({
  state,
  nowMilliseconds,
  paused,
  stopping,
  over,
  error,
}: {
  state: DashboardState;
  nowMilliseconds: number;
  paused: boolean;
  stopping: boolean;
  over: boolean;
  error?: string;
}) {
  const elapsed = formatDuration(
    state.durationMilliseconds ?? elapsedMilliseconds(state, nowMilliseconds) ?? 0,
  );
  if (state.status === "failed" || error) {
    const message = state.error ? `${state.error.code}: ${state.error.message}` : (error ?? "");
    return (
      <Text color="red" bold>
        ✖ run failed after {elapsed}: {message}
      </Text>
    );
  }
  if (state.status === "finished")
    return (
      <Text color="green" bold>
        ✔ finished in {elapsed}: {state.finalEvaluated ?? state.evaluated} candidates evaluated
      </Text>
    );
  if (state.status === "cancelled")
    return (
      <Text color="yellow" bold>
        ■ stopped after {elapsed}: {state.finalEvaluated ?? state.evaluated} candidates evaluated; the run can
        be resumed
      </Text>
    );
  if (over)
    return (
      <Text color="yellow" bold>
        ■ run ended after {elapsed}
      </Text>
    );
  if (stopping)
    return (
      <Text color="yellow" bold>
        ■ stopping: finishing {inFlightCount(state)} in flight
      </Text>
    );
  if (paused)
    return (
      <Text color="yellow" bold>
        ❚❚ PAUSED: {inFlightCount(state)} in flight finishing, nothing new starts
      </Text>
    );
  return <Text color="green">▶ running · {elapsed}</Text>;
}

function Bar({ label, progress, width }: { label: string; progress: Progress; width: number }) {
  return (
    <Text>
      {label.padEnd(12)}
      <Text color="cyan">{progressBar(progress.fraction, width)}</Text>{" "}
      {percent(progress.fraction).padStart(4)}{" "}
      <Text dimColor>
        {progress.done}/{progress.total}
      </Text>
    </Text>
  );
}

function ProgressLines({ state, columns }: { state: DashboardState; columns: number }) {
  const width = Math.max(10, Math.min(60, columns - 32));
  const round = currentRoundProgress(state);
  return (
    <Box flexDirection="column" marginTop={1}>
      {round && state.currentRound !== undefined ? (
        <Bar
          label={`round ${roundOrdinal(state, state.currentRound)}/${state.rounds}`}
          progress={round}
          width={width}
        />
      ) : null}
      <Bar label="overall" progress={overallProgress(state)} width={width} />
    </Box>
  );
}

const COLUMNS = {
  marker: 2,
  shape: 17,
  layout: 7,
  n: 5,
  ok: 5,
  cold: 12,
  coldLtHeuristic: 13,
  coldLt: 13,
  hot: 10,
};

function SpeedupCell({ value, width }: { value: number | undefined; width: number }) {
  const text = formatSpeedup(value).padStart(width);
  if (value === undefined) return <Text dimColor>{text}</Text>;
  return <Text color={value > 1 ? "green" : undefined}>{text}</Text>;
}

/** Tasks shown when there are more than fit: a window that keeps the current task in view. */
function visibleTasks(keys: string[], current: string | undefined): { keys: string[]; hidden: number } {
  if (keys.length <= MAX_TASK_ROWS) return { keys, hidden: 0 };
  const index = current ? Math.max(0, keys.indexOf(current)) : 0;
  const start = Math.min(Math.max(0, index - Math.floor(MAX_TASK_ROWS / 2)), keys.length - MAX_TASK_ROWS);
  return { keys: keys.slice(start, start + MAX_TASK_ROWS), hidden: keys.length - MAX_TASK_ROWS };
}

function TaskRow({ task, current }: { task: TaskView; current: boolean }) {
  const parts = taskParts(task.taskKey);
  const dim = task.skipped;
  return (
    <Box>
      <Text color="cyan">{(current ? "▶" : " ").padEnd(COLUMNS.marker)}</Text>
      <Text dimColor={dim} bold={current}>
        {fit(parts.shape, COLUMNS.shape)}
        {fit(parts.layout, COLUMNS.layout)}
        {String(task.evaluated).padStart(COLUMNS.n)}
        {String(task.ok).padStart(COLUMNS.ok)}
      </Text>
      <SpeedupCell value={task.best.cold.cublas} width={COLUMNS.cold} />
      <SpeedupCell value={task.best.cold["cublaslt-heuristic"]} width={COLUMNS.coldLtHeuristic} />
      <SpeedupCell value={task.best.cold["cublaslt-autotuned"]} width={COLUMNS.coldLt} />
      <SpeedupCell value={task.best.hot.best} width={COLUMNS.hot} />
      {task.skipped ? <Text color="yellow"> skipped</Text> : null}
      {task.suspect ? <Text color="yellow"> {task.suspect} suspect</Text> : null}
    </Box>
  );
}

function TaskTable({ state, current }: { state: DashboardState; current: string | undefined }) {
  const { keys, hidden } = visibleTasks(state.taskKeys, current);
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold>
        {" ".repeat(COLUMNS.marker)}
        {"task".padEnd(COLUMNS.shape)}
        {"layout".padEnd(COLUMNS.layout)}
        {"n".padStart(COLUMNS.n)}
        {"ok".padStart(COLUMNS.ok)}
        {"cold×cuBLAS".padStart(COLUMNS.cold)}
        {"cold×Lt-heur".padStart(COLUMNS.coldLtHeuristic)}
        {"cold×Lt-auto".padStart(COLUMNS.coldLt)}
        {"hot×best".padStart(COLUMNS.hot)}
        {state.measurement === "estimated" ? <Text color="yellow"> (estimated)</Text> : null}
      </Text>
      {keys.map((key) => {
        const task = state.tasks[key];
        return task ? <TaskRow key={key} task={task} current={key === current} /> : null;
      })}
      {hidden ? <Text dimColor> … {hidden} more tasks</Text> : null}
    </Box>
  );
}

function signed(value: number): string {
  return `${value < 0 ? "−" : ""}${Math.abs(value).toFixed(3)}`;
}

function RewardLine({ state }: { state: DashboardState }) {
  const curve = rewardCurve(state).slice(-REWARD_POINTS);
  const last = curve[curve.length - 1];
  if (!last) return null;
  return (
    <Box marginTop={1}>
      <Text>
        {"reward".padEnd(12)}
        <Text color="magenta">{sparkline(curve.map((point) => point.meanReward))}</Text> mean{" "}
        {signed(last.meanReward)} (round {roundOrdinal(state, last.round)}) · best so far{" "}
        {signed(last.bestSoFar)}
      </Text>
    </Box>
  );
}

function ThroughputLine({ state, nowMilliseconds }: { state: DashboardState; nowMilliseconds: number }) {
  const rate = candidatesPerMinute(state, nowMilliseconds);
  const busy = deviceBusyPercent(state, nowMilliseconds);
  const parts = [
    `${rate === undefined ? "—" : rate.toFixed(1)} cand/min`,
    ...(busy === undefined
      ? []
      : [
          `device busy ${Math.round(busy)}%${state.devices.length > 1 ? ` (${state.devices.length} devices)` : ""}`,
        ]),
    `${inFlightCount(state)} in flight`,
    `${state.evaluated} evaluated${state.restored ? ` (${state.restored} restored)` : ""}`,
    ...(state.generationFailures ? [plural(state.generationFailures, "generation failure")] : []),
    ...(state.usage
      ? [
          `${plural(state.usage.requests, "model request")}, ${state.usage.inputTokens.toLocaleString("en-US")} tokens in / ${state.usage.outputTokens.toLocaleString("en-US")} out`,
        ]
      : []),
  ];
  return <Text>{`${"throughput".padEnd(12)}${parts.join(" · ")}`}</Text>;
}

/** Queue mode: the live workers, their slots in use, and each worker in a few words as far as they fit. */
function WorkersLine({ state, columns }: { state: DashboardState; columns: number }) {
  const view = workersView(state);
  if (!view) return null;
  if (view.count === 0) {
    return (
      <Text color="yellow">{`${"workers".padEnd(12)}none live: start \`kforge worker\` on a GPU host`}</Text>
    );
  }
  const head = `${"workers".padEnd(12)}${plural(view.count, "live worker")}, ${view.busy}/${view.slots} slots busy`;
  const room = columns - head.length - 3;
  const shown: string[] = [];
  let used = 0;
  for (const entry of view.entries) {
    if (used + entry.length + 3 > room) break;
    shown.push(entry);
    used += entry.length + 3;
  }
  const hidden = view.entries.length - shown.length;
  return (
    <Text wrap="truncate-end">
      {head}
      <Text dimColor>
        {shown.length ? ` · ${shown.join(" · ")}` : ""}
        {hidden ? ` · +${hidden} more` : ""}
      </Text>
    </Text>
  );
}

function Failures({ state, columns }: { state: DashboardState; columns: number }) {
  if (state.failures.length === 0) return null;
  const reasonWidth = Math.max(20, columns - 2 - 21 - 15);
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold>recent failures</Text>
      {[...state.failures].reverse().map((failure) => {
        const reason = [failure.code, failure.reason].filter(Boolean).join(": ");
        return (
          <Text key={failure.id}>
            {"  "}
            {fit(taskLabel(failure.taskKey), 20)}{" "}
            <Text color={failure.status === "suspect" ? "yellow" : "red"}>{fit(failure.status, 14)}</Text>{" "}
            <Text dimColor>{shorten(reason, reasonWidth)}</Text>
          </Text>
        );
      })}
    </Box>
  );
}

function GeneratorPane({ state, columns }: { state: DashboardState; columns: number }) {
  const stream = latestGeneratorStream(state);
  if (!stream) return null;
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold>
        generator · {taskLabel(stream.taskKey)} · sample {stream.candidateIndex + 1}
      </Text>
      {stream.lines.map((line, index) => (
        // Lines have no identity of their own: their position is it.
        // biome-ignore lint/suspicious/noArrayIndexKey: see above.
        <Text key={index} dimColor>
          {"  │ "}
          {fit(line, columns - 4).trimEnd()}
        </Text>
      ))}
    </Box>
  );
}

function Logs({ state, columns }: { state: DashboardState; columns: number }) {
  if (state.logs.length === 0) return null;
  return (
    <Box flexDirection="column" marginTop={1}>
      {state.logs.map((log, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: log lines have no identity beyond their position.
        <Text key={index} color={log.level === "error" ? "red" : "yellow"}>
          {log.level === "error" ? "✖" : "⚠"} {shorten(`${log.source}: ${log.message}`, columns - 2)}
        </Text>
      ))}
    </Box>
  );
}

function KeyHelp({
  current,
  paused,
  stopping,
  over,
}: {
  current: string | undefined;
  paused: boolean;
  stopping: boolean;
  over: boolean;
}) {
  let help: string;
  if (over) help = "q / enter  close";
  else if (stopping) help = "ctrl+c  leave now (abandons the evaluations in flight)";
  else
    help = [
      paused ? "p resume" : "p pause",
      current ? `s skip ${taskLabel(current)}` : "s skip task",
      "q stop (finish in flight)",
    ].join(" · ");
  return (
    <Box marginTop={1}>
      <Text dimColor>{help}</Text>
    </Box>
  );
}
