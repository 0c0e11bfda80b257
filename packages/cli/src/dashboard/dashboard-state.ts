import type {
  BaselineName,
  EvaluationResult,
  EvaluationStatus,
  EvaluationWorkerStatus,
  MeasurementKind,
  RunEvents,
  RunEventType,
  TimingMode,
} from "@kernelforge/core";
import { sanitizeText } from "./format.js";

/** One run event as a tagged value: what the bus's `onAny` listener receives, as one argument. */
export type RunEventMessage = {
  [Type in RunEventType]: { type: Type; payload: RunEvents[Type] };
}[RunEventType];

/** A baseline, or `best`: the fastest baseline of the mode for that candidate. */
export type SpeedupKey = BaselineName | "best";

export const SPEEDUP_KEYS: readonly SpeedupKey[] = [
  "cublas",
  "cublaslt-heuristic",
  "cublaslt-autotuned",
  "best",
];

/** Best speedups seen so far, per timing mode and per baseline (each maximum taken on its own). */
export type BestSpeedups = Record<TimingMode, Partial<Record<SpeedupKey, number>>>;

export interface TaskView {
  taskKey: string;
  /** Candidates evaluated, restored ones included. */
  evaluated: number;
  ok: number;
  /** Evaluated with any status but `ok`. */
  failed: number;
  /** `ok`, but flagged suspect (not counted in `best`). */
  suspect: number;
  generationFailures: number;
  best: BestSpeedups;
  skipped: boolean;
}

export interface RoundView {
  round: number;
  /** Sample slots done in the round: candidates evaluated (restored included) and generations that failed. */
  done: number;
  /** `round-finished` was seen. */
  complete: boolean;
  rewardSum: number;
  rewardCount: number;
  rewardMax?: number;
  /** From `round-finished`, by task key. */
  bestSpeedups?: Record<string, number>;
}

export interface FailureView {
  /** Sequence number among the run's failures (a stable key for lists). */
  id: number;
  taskKey: string;
  round: number;
  /** An evaluation status, `generation` for a sample that produced no kernel, or `suspect`. */
  status: EvaluationStatus | "generation" | "suspect";
  code?: string;
  reason?: string;
  candidateId?: string;
}

export interface GeneratorStream {
  taskKey: string;
  candidateIndex: number;
  /** The last lines; the last one may still be growing. */
  lines: string[];
}

export interface LogView {
  level: "warn" | "error";
  source: string;
  message: string;
}

export interface InFlightView {
  taskKey: string;
  round: number;
  startedAt: number;
  count: number;
}

export type DashboardStatus = "waiting" | "running" | "finished" | "cancelled" | "failed";

export interface DashboardState {
  status: DashboardStatus;
  runId?: string;
  measurement?: MeasurementKind;
  resumed: boolean;
  components?: RunEvents["run-started"]["components"];
  devices: string[];
  rounds: number;
  groupSize: number;
  taskKeys: string[];
  /** 0 when the loop numbers rounds from 0, 1 when from 1 (inferred from the round numbers seen). */
  roundBase: number;
  /** The first round this process worked on (later than the base for a resumed run). */
  firstRound?: number;
  currentRound?: number;
  /** By round number. */
  roundViews: Record<number, RoundView>;
  tasks: Record<string, TaskView>;
  /** Task rounds started and not yet done, in start order; the last is the task being worked on. */
  activeTasks: { taskKey: string; round: number; done: number }[];
  evaluated: number;
  restored: number;
  generationFailures: number;
  /** Model requests and tokens reported by the generator (LLM generators), summed over this process's run. */
  usage?: { requests: number; inputTokens: number; outputTokens: number };
  /** Arrival times of the evaluations done by this process (restored excluded), within the throughput window. */
  evaluationTimes: number[];
  /** Σ deviceMilliseconds over evaluations that report it (restored excluded), and how many did. */
  deviceMilliseconds: number;
  deviceSamples: number;
  /** By candidate id. */
  inFlight: Record<string, InFlightView>;
  /** Round of each evaluated candidate whose reward has not arrived yet. */
  pendingRewardRounds: Record<string, number>;
  failures: FailureView[];
  /** Failures seen in all (the list keeps the last few). */
  failureCount: number;
  generator: GeneratorStream[];
  logs: LogView[];
  paused: boolean;
  stopping: boolean;
  /** The evaluator's live workers as last published (queue mode), and when; absent for a local evaluator. */
  workers?: { evaluator: string; list: EvaluationWorkerStatus[]; updatedAt: number };
  /** Evaluations in flight when the stop was asked for. */
  stoppingInFlight?: number;
  startedAt?: number;
  endedAt?: number;
  /** From `run-finished`: the run's duration and candidates evaluated (over all its processes). */
  durationMilliseconds?: number;
  finalEvaluated?: number;
  error?: { code: string; message: string };
}

/** How far back the candidates-per-minute figure looks. */
export const THROUGHPUT_WINDOW_MILLISECONDS = 3 * 60_000;
export const MAX_FAILURES = 6;
export const MAX_GENERATOR_LINES = 8;
const MAX_GENERATOR_STREAMS = 4;
const MAX_LOGS = 4;
const MAX_LINE_CHARACTERS = 400;

export function initialDashboardState(): DashboardState {
  return {
    status: "waiting",
    resumed: false,
    devices: [],
    rounds: 0,
    groupSize: 0,
    taskKeys: [],
    roundBase: 0,
    roundViews: {},
    tasks: {},
    activeTasks: [],
    evaluated: 0,
    restored: 0,
    generationFailures: 0,
    evaluationTimes: [],
    deviceMilliseconds: 0,
    deviceSamples: 0,
    inFlight: {},
    pendingRewardRounds: {},
    failures: [],
    failureCount: 0,
    generator: [],
    logs: [],
    paused: false,
    stopping: false,
  };
}

function emptyTask(taskKey: string): TaskView {
  return {
    taskKey,
    evaluated: 0,
    ok: 0,
    failed: 0,
    suspect: 0,
    generationFailures: 0,
    best: { cold: {}, hot: {} },
    skipped: false,
  };
}

function emptyRound(round: number): RoundView {
  return { round, done: 0, complete: false, rewardSum: 0, rewardCount: 0 };
}

function withTask(
  state: DashboardState,
  taskKey: string,
  change: (task: TaskView) => TaskView,
): DashboardState {
  const task = state.tasks[taskKey] ?? emptyTask(taskKey);
  return {
    ...state,
    tasks: { ...state.tasks, [taskKey]: change(task) },
    taskKeys: state.taskKeys.includes(taskKey) ? state.taskKeys : [...state.taskKeys, taskKey],
  };
}

function withRound(
  state: DashboardState,
  round: number,
  change: (view: RoundView) => RoundView,
): DashboardState {
  return {
    ...state,
    roundViews: { ...state.roundViews, [round]: change(state.roundViews[round] ?? emptyRound(round)) },
  };
}

/** One more slot of (round, task) done: the task round leaves the active list once its group is complete. */
function countSlot(state: DashboardState, round: number, taskKey: string): DashboardState {
  const next = withRound(state, round, (view) => ({ ...view, done: view.done + 1 }));
  const activeTasks = next.activeTasks
    .map((entry) =>
      entry.taskKey === taskKey && entry.round === round ? { ...entry, done: entry.done + 1 } : entry,
    )
    .filter((entry) => next.groupSize <= 0 || entry.done < next.groupSize);
  return { ...next, activeTasks };
}

function pushFailure(state: DashboardState, failure: Omit<FailureView, "id">): DashboardState {
  const id = state.failureCount + 1;
  return {
    ...state,
    failureCount: id,
    failures: [...state.failures, { id, ...failure }].slice(-MAX_FAILURES),
  };
}

function improvedBest(best: BestSpeedups, result: EvaluationResult): BestSpeedups {
  const next: BestSpeedups = { cold: { ...best.cold }, hot: { ...best.hot } };
  for (const mode of ["cold", "hot"] as const) {
    const speedups = result.speedups?.[mode];
    if (!speedups) continue;
    const values: Partial<Record<SpeedupKey, number>> = {
      ...speedups.perBaseline,
      best: speedups.best.speedup,
    };
    for (const key of SPEEDUP_KEYS) {
      const value = values[key];
      if (value === undefined || !Number.isFinite(value)) continue;
      const current = next[mode][key];
      if (current === undefined || value > current) next[mode][key] = value;
    }
  }
  return next;
}

function observeRound(state: DashboardState, round: number): DashboardState {
  // Rounds are numbered from 0 or from 1; a round numbered `rounds` can only exist when counting from 1.
  if (state.rounds > 0 && round >= state.rounds && state.roundBase === 0) return { ...state, roundBase: 1 };
  return state;
}

function appendGeneratorText(
  streams: GeneratorStream[],
  taskKey: string,
  candidateIndex: number,
  text: string,
) {
  const clean = sanitizeText(text);
  const index = streams.findIndex(
    (entry) => entry.taskKey === taskKey && entry.candidateIndex === candidateIndex,
  );
  const stream = index >= 0 ? (streams[index] as GeneratorStream) : { taskKey, candidateIndex, lines: [""] };
  const lines = [...stream.lines];
  const pieces = clean.split("\n");
  lines[lines.length - 1] = `${lines[lines.length - 1] ?? ""}${pieces[0] ?? ""}`.slice(-MAX_LINE_CHARACTERS);
  for (const piece of pieces.slice(1)) lines.push(piece.slice(-MAX_LINE_CHARACTERS));
  const others = streams.filter((_, position) => position !== index);
  // The stream written to last goes last: it is the one shown.
  return [...others, { taskKey, candidateIndex, lines: lines.slice(-MAX_GENERATOR_LINES) }].slice(
    -MAX_GENERATOR_STREAMS,
  );
}

/**
 * Folds one run event into the dashboard's state. Pure: returns a new state and leaves `state` untouched.
 * `nowMilliseconds` is the event's arrival time, used for throughput and elapsed time.
 */
export function reduceDashboard(
  state: DashboardState,
  event: RunEventMessage,
  nowMilliseconds: number,
): DashboardState {
  switch (event.type) {
    case "run-started": {
      const { payload } = event;
      const tasks: Record<string, TaskView> = {};
      for (const key of payload.taskKeys) tasks[key] = emptyTask(key);
      return {
        ...initialDashboardState(),
        status: "running",
        runId: payload.runId,
        measurement: payload.measurement,
        resumed: payload.resumed,
        components: payload.components,
        devices: [...payload.devices],
        rounds: payload.rounds,
        groupSize: payload.groupSize,
        taskKeys: [...payload.taskKeys],
        tasks,
        startedAt: nowMilliseconds,
        logs: state.logs,
        // The evaluator publishes its workers from the moment it connects, before the run starts.
        ...(state.workers ? { workers: state.workers } : {}),
      };
    }
    case "round-started": {
      const { round } = event.payload;
      let next = observeRound(state, round);
      if (next.firstRound === undefined) {
        // A fresh run's first round tells how rounds are numbered; a resumed run starts later.
        next = { ...next, firstRound: round, ...(!next.resumed && round === 1 ? { roundBase: 1 } : {}) };
      }
      next = withRound(next, round, (view) => view);
      return { ...next, currentRound: round };
    }
    case "task-started": {
      const { round, taskKey } = event.payload;
      let next = observeRound(state, round);
      if (next.currentRound === undefined) next = { ...next, currentRound: round };
      if (!next.tasks[taskKey]) next = withTask(next, taskKey, (task) => task);
      if (next.tasks[taskKey]?.skipped) return next;
      if (next.activeTasks.some((entry) => entry.taskKey === taskKey && entry.round === round)) return next;
      return { ...next, activeTasks: [...next.activeTasks, { taskKey, round, done: 0 }] };
    }
    case "passages-retrieved":
    case "candidate-generated":
    case "policy-updated":
      return state;
    case "generator-text": {
      const { taskKey, candidateIndex, text } = event.payload;
      return { ...state, generator: appendGeneratorText(state.generator, taskKey, candidateIndex, text) };
    }
    case "generation-finished": {
      const { usage } = event.payload;
      if (!usage) return state;
      const total = state.usage ?? { requests: 0, inputTokens: 0, outputTokens: 0 };
      return {
        ...state,
        usage: {
          requests: total.requests + usage.requests,
          inputTokens: total.inputTokens + usage.inputTokens,
          outputTokens: total.outputTokens + usage.outputTokens,
        },
      };
    }
    case "generation-failed": {
      const { round, taskKey, failure } = event.payload;
      let next = withTask(state, taskKey, (task) => ({
        ...task,
        generationFailures: task.generationFailures + 1,
      }));
      next = countSlot(next, round, taskKey);
      next = { ...next, generationFailures: next.generationFailures + 1 };
      return pushFailure(next, {
        taskKey,
        round,
        status: "generation",
        code: failure.code,
        reason: failure.reason,
      });
    }
    case "evaluation-started": {
      const { round, taskKey, candidateId } = event.payload;
      const current = state.inFlight[candidateId];
      return {
        ...state,
        inFlight: {
          ...state.inFlight,
          [candidateId]: current
            ? { ...current, count: current.count + 1 }
            : { taskKey, round, startedAt: nowMilliseconds, count: 1 },
        },
      };
    }
    case "candidate-evaluated": {
      const { round, result, restored } = event.payload;
      let next = observeRound(state, round);
      const inFlight = { ...next.inFlight };
      const entry = inFlight[result.candidateId];
      if (entry && !restored) {
        if (entry.count > 1) inFlight[result.candidateId] = { ...entry, count: entry.count - 1 };
        else delete inFlight[result.candidateId];
      }
      const isSuspect = result.status === "ok" && result.suspect !== undefined;
      next = withTask({ ...next, inFlight }, result.taskKey, (task) => ({
        ...task,
        evaluated: task.evaluated + 1,
        ok: task.ok + (result.status === "ok" ? 1 : 0),
        failed: task.failed + (result.status === "ok" ? 0 : 1),
        suspect: task.suspect + (isSuspect ? 1 : 0),
        best: result.status === "ok" && !isSuspect ? improvedBest(task.best, result) : task.best,
      }));
      next = countSlot(next, round, result.taskKey);
      next = {
        ...next,
        evaluated: next.evaluated + 1,
        restored: next.restored + (restored ? 1 : 0),
        pendingRewardRounds: { ...next.pendingRewardRounds, [result.candidateId]: round },
      };
      if (!restored) {
        const cutoff = nowMilliseconds - THROUGHPUT_WINDOW_MILLISECONDS;
        next = {
          ...next,
          evaluationTimes: [...next.evaluationTimes.filter((time) => time >= cutoff), nowMilliseconds],
        };
        if (result.deviceMilliseconds !== undefined && Number.isFinite(result.deviceMilliseconds)) {
          next = {
            ...next,
            deviceMilliseconds: next.deviceMilliseconds + result.deviceMilliseconds,
            deviceSamples: next.deviceSamples + 1,
          };
        }
      }
      if (result.status !== "ok" && result.status !== "compiled") {
        next = pushFailure(next, {
          taskKey: result.taskKey,
          round,
          status: result.status,
          ...(result.reasonCode ? { code: result.reasonCode } : {}),
          ...(result.reason ? { reason: result.reason } : {}),
          candidateId: result.candidateId,
        });
      } else if (isSuspect) {
        next = pushFailure(next, {
          taskKey: result.taskKey,
          round,
          status: "suspect",
          reason: result.suspect?.reason ?? "",
          candidateId: result.candidateId,
        });
      }
      return next;
    }
    case "reward-computed": {
      const { reward } = event.payload;
      const round = state.pendingRewardRounds[reward.candidateId] ?? state.currentRound;
      if (round === undefined) return state;
      const pendingRewardRounds = { ...state.pendingRewardRounds };
      delete pendingRewardRounds[reward.candidateId];
      const next = { ...state, pendingRewardRounds };
      if (!Number.isFinite(reward.reward)) return next;
      return withRound(next, round, (view) => ({
        ...view,
        rewardSum: view.rewardSum + reward.reward,
        rewardCount: view.rewardCount + 1,
        rewardMax: view.rewardMax === undefined ? reward.reward : Math.max(view.rewardMax, reward.reward),
      }));
    }
    case "round-finished": {
      const { round, bestSpeedups } = event.payload;
      const next = withRound(observeRound(state, round), round, (view) => ({
        ...view,
        complete: true,
        bestSpeedups: { ...bestSpeedups },
      }));
      return { ...next, activeTasks: next.activeTasks.filter((entry) => entry.round !== round) };
    }
    case "run-paused":
      return { ...state, paused: true };
    case "run-resumed":
      return { ...state, paused: false };
    case "task-skipped": {
      const { taskKey } = event.payload;
      const next = withTask(state, taskKey, (task) => ({ ...task, skipped: true }));
      return { ...next, activeTasks: next.activeTasks.filter((entry) => entry.taskKey !== taskKey) };
    }
    case "run-stopping":
      return { ...state, stopping: true, stoppingInFlight: event.payload.inFlight };
    case "run-finished":
      return {
        ...state,
        status: event.payload.status,
        paused: false,
        activeTasks: [],
        inFlight: {},
        endedAt: nowMilliseconds,
        durationMilliseconds: event.payload.durationMilliseconds,
        finalEvaluated: event.payload.evaluated,
      };
    case "run-failed":
      return {
        ...state,
        status: "failed",
        paused: false,
        activeTasks: [],
        inFlight: {},
        endedAt: nowMilliseconds,
        error: { code: event.payload.error.code, message: sanitizeText(event.payload.error.message) },
      };
    case "workers-updated": {
      const { evaluator, workers } = event.payload;
      return { ...state, workers: { evaluator, list: [...workers], updatedAt: nowMilliseconds } };
    }
    case "log": {
      const { level, source, message } = event.payload;
      if (level !== "warn" && level !== "error") return state;
      return {
        ...state,
        logs: [...state.logs, { level, source, message: sanitizeText(message) }].slice(-MAX_LOGS),
      };
    }
    default:
      return state;
  }
}

/* ---------------------------------------------------------------- selectors: figures derived for display */

/** Sample slots in one round: tasks × group size. */
export function slotsPerRound(state: DashboardState): number {
  return state.taskKeys.length * state.groupSize;
}

/** Display number of a round, counting from 1. */
export function roundOrdinal(state: DashboardState, round: number): number {
  return round - state.roundBase + 1;
}

export interface Progress {
  done: number;
  total: number;
  fraction: number;
}

function progress(done: number, total: number): Progress {
  return { done, total, fraction: total > 0 ? Math.min(1, done / total) : 0 };
}

/** Progress of the current round (a finished round is complete even when skipped tasks left slots open). */
export function currentRoundProgress(state: DashboardState): Progress | undefined {
  if (state.currentRound === undefined) return undefined;
  const slots = slotsPerRound(state);
  const view = state.roundViews[state.currentRound];
  if (state.status === "finished") return progress(slots, slots);
  if (!view) return progress(0, slots);
  return progress(view.complete ? slots : Math.min(view.done, slots), slots);
}

/** Progress of the whole run: rounds × tasks × group size; rounds done before a resume count as complete. */
export function overallProgress(state: DashboardState): Progress {
  const slots = slotsPerRound(state);
  const total = state.rounds * slots;
  if (state.status === "finished") return progress(total, total);
  const before = state.firstRound === undefined ? 0 : Math.max(0, state.firstRound - state.roundBase);
  let done = before * slots;
  for (const view of Object.values(state.roundViews))
    done += view.complete ? slots : Math.min(view.done, slots);
  return progress(Math.min(done, total), total);
}

/** The task the loop is working on: the last one started whose group is not done (undefined between tasks). */
export function currentTaskKey(state: DashboardState): string | undefined {
  return state.activeTasks[state.activeTasks.length - 1]?.taskKey;
}

export function inFlightCount(state: DashboardState): number {
  let count = 0;
  for (const entry of Object.values(state.inFlight)) count += entry.count;
  return count;
}

/** Wall time since the run started (until it ended), or undefined before `run-started`. */
export function elapsedMilliseconds(state: DashboardState, nowMilliseconds: number): number | undefined {
  if (state.startedAt === undefined) return undefined;
  return Math.max(0, (state.endedAt ?? nowMilliseconds) - state.startedAt);
}

/**
 * Candidates evaluated per minute over the last THROUGHPUT_WINDOW (restored results excluded), or undefined
 * before the first evaluation.
 */
export function candidatesPerMinute(state: DashboardState, nowMilliseconds: number): number | undefined {
  if (state.startedAt === undefined || state.evaluationTimes.length === 0) return undefined;
  const end = state.endedAt ?? nowMilliseconds;
  const windowStart = Math.max(state.startedAt, end - THROUGHPUT_WINDOW_MILLISECONDS);
  const span = end - windowStart;
  if (span <= 0) return undefined;
  const count = state.evaluationTimes.filter((time) => time >= windowStart && time <= end).length;
  return (count / span) * 60_000;
}

/**
 * Share of wall time the devices spent on candidates: Σ deviceMilliseconds ÷ (wall time × devices), in percent.
 * Undefined when no result reported device time.
 */
export function deviceBusyPercent(state: DashboardState, nowMilliseconds: number): number | undefined {
  const elapsed = elapsedMilliseconds(state, nowMilliseconds);
  if (state.deviceSamples === 0 || elapsed === undefined || elapsed <= 0) return undefined;
  return (100 * state.deviceMilliseconds) / (elapsed * Math.max(1, state.devices.length));
}

export interface RewardPoint {
  round: number;
  meanReward: number;
  /** Highest reward seen up to and including this round. */
  bestSoFar: number;
}

/** Mean reward per round (rounds with rewards only, in round order) and the best reward so far. */
export function rewardCurve(state: DashboardState): RewardPoint[] {
  const points: RewardPoint[] = [];
  let best = Number.NEGATIVE_INFINITY;
  const views = Object.values(state.roundViews).sort((a, b) => a.round - b.round);
  for (const view of views) {
    if (view.rewardCount === 0) continue;
    best = Math.max(best, view.rewardMax ?? Number.NEGATIVE_INFINITY);
    points.push({ round: view.round, meanReward: view.rewardSum / view.rewardCount, bestSoFar: best });
  }
  return points;
}

/** The generator stream written to last, when there is text. */
export function latestGeneratorStream(state: DashboardState): GeneratorStream | undefined {
  const stream = state.generator[state.generator.length - 1];
  return stream?.lines.some((line) => line.trim() !== "") ? stream : undefined;
}

/** How the live workers are shown: how many, their slots in use, and each worker in a few words. */
export interface WorkersView {
  count: number;
  busy: number;
  slots: number;
  /** `gpu-a: 2× NVIDIA H200, 3/18 busy`, one per worker, by id. */
  entries: string[];
}

/** The live workers of a queue-mode evaluator, or undefined when the evaluator published none (local mode). */
export function workersView(state: DashboardState): WorkersView | undefined {
  const workers = state.workers?.list;
  if (!workers) return undefined;
  return {
    count: workers.length,
    busy: workers.reduce((sum, worker) => sum + worker.busy, 0),
    slots: workers.reduce((sum, worker) => sum + worker.slots, 0),
    entries: workers.map((worker) => {
      const counts = new Map<string, number>();
      for (const device of worker.devices) {
        const model = device.replace(/ \(GPU \d+\)$/, "");
        counts.set(model, (counts.get(model) ?? 0) + 1);
      }
      const devices = [...counts]
        .map(([model, count]) => (count > 1 ? `${count}× ${model}` : model))
        .join(", ");
      return `${worker.id}: ${devices || "no device"}, ${worker.busy}/${worker.slots} busy`;
    }),
  };
}

/** Whether the run is over (finished, cancelled or failed). */
export function isRunOver(state: DashboardState): boolean {
  return state.status === "finished" || state.status === "cancelled" || state.status === "failed";
}
