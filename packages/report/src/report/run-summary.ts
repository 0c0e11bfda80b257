import type {
  BaselineName,
  EvaluationRecord,
  EvaluationStatus,
  MeasurementKind,
  PolicyCheckpointRecord,
  RunRecord,
  TimingMode,
} from "@kernelforge/core";
import { BASELINES, MODES } from "../constants.js";
import { geometricMean, tflops } from "../format.js";
import { runMeasurement } from "../measurement.js";
import { isEligible, selectBest, speedupOver, speedupOverBest } from "../select-best.js";
import { orderedTaskKeys, type TaskInfo, taskInfo } from "../task-info.js";

/** Best speedups of one mode: per baseline and over the fastest baseline (`best`). */
export type SpeedupFigures = Partial<Record<BaselineName | "best", number>>;

export interface TaskSummary {
  task: TaskInfo;
  /** Evaluation records of the task. */
  candidates: number;
  /** Records with status `ok` (suspect ones included). */
  ok: number;
  suspect: number;
  /** Highest speedup per mode and baseline among eligible (ok, non-suspect) records. */
  bestSpeedups: Record<TimingMode, SpeedupFigures>;
  /** The best kernel by the export's ranking (cold over the best baseline, tie → hot). */
  best?: {
    record: EvaluationRecord;
    medianMicroseconds: Partial<Record<TimingMode, number>>;
    tflops: Partial<Record<TimingMode, number>>;
  };
}

export interface FailureReason {
  status: EvaluationStatus;
  /** `reasonCode`, or the status when there is none. */
  code: string;
  count: number;
  /** One reason text of the group, for the reader. */
  example?: string;
}

export interface RoundSummary {
  round: number;
  evaluations: number;
  /** Geometric mean over tasks of each task's best speedup so far (primary mode, over the best baseline). */
  bestSoFarGeomean?: number;
  /** Tasks with an eligible result up to this round. */
  tasksCovered: number;
  meanReward?: number;
}

export interface Throughput {
  /** From the first to the last `archivedAt`, ms. */
  wallMilliseconds: number;
  candidatesPerMinute?: number;
  /** Σ deviceMilliseconds, when any record has it. */
  deviceMilliseconds?: number;
  /** Records that carry deviceMilliseconds. */
  deviceRecords: number;
  /** Σ deviceMilliseconds ÷ wall time, percent. */
  deviceBusyPercent?: number;
}

export interface RunSummary {
  run: RunRecord;
  measurement: MeasurementKind;
  tasks: TaskSummary[];
  /** Counts per status; `suspect` ok results are counted under `ok` and again in `suspect`. */
  statusCounts: Partial<Record<EvaluationStatus, number>>;
  suspectCount: number;
  failureReasons: FailureReason[];
  suspects: EvaluationRecord[];
  throughput: Throughput;
  /** Geometric mean over tasks of the best speedups, per mode and baseline, with the number of tasks. */
  geomeans: Record<TimingMode, Partial<Record<BaselineName | "best", { value: number; tasks: number }>>>;
  /** The mode the learning curve follows: cold when any eligible result has cold figures, else hot. */
  primaryMode: TimingMode;
  rounds: RoundSummary[];
  checkpoints: PolicyCheckpointRecord[];
}

const STATUS_ORDER: readonly EvaluationStatus[] = [
  "ok",
  "wrong",
  "compile_error",
  "rejected",
  "runtime_error",
  "timeout",
  "compiled",
];

/** Computes every figure of a run report from plain records. Throws when measurement kinds are mixed. */
export function summarizeRun(input: {
  run: RunRecord;
  evaluations: readonly EvaluationRecord[];
  checkpoints?: readonly PolicyCheckpointRecord[];
}): RunSummary {
  const { run, evaluations } = input;
  const measurement = runMeasurement(run, evaluations);
  const byTask = new Map<string, EvaluationRecord[]>();
  for (const record of evaluations) {
    const list = byTask.get(record.taskKey) ?? [];
    list.push(record);
    byTask.set(record.taskKey, list);
  }
  const best = selectBest(evaluations);
  const tasks = orderedTaskKeys(run.taskKeys, byTask.keys()).map((key) =>
    summarizeTask(key, byTask.get(key) ?? [], best.get(key)),
  );

  const statusCounts: Partial<Record<EvaluationStatus, number>> = {};
  for (const status of STATUS_ORDER) {
    const count = evaluations.filter((record) => record.result.status === status).length;
    if (count > 0) statusCounts[status] = count;
  }
  const suspects = evaluations.filter((record) => record.result.status === "ok" && record.result.suspect);

  const primaryMode: TimingMode = evaluations.some(
    (record) => isEligible(record.result) && speedupOverBest(record.result, "cold") !== undefined,
  )
    ? "cold"
    : "hot";

  return {
    run,
    measurement,
    tasks,
    statusCounts,
    suspectCount: suspects.length,
    failureReasons: failureReasons(evaluations),
    suspects,
    throughput: throughput(evaluations),
    geomeans: geomeans(tasks),
    primaryMode,
    rounds: rounds(evaluations, primaryMode),
    checkpoints: [...(input.checkpoints ?? [])].sort((a, b) => a.round - b.round),
  };
}

function summarizeTask(
  key: string,
  records: EvaluationRecord[],
  best: EvaluationRecord | undefined,
): TaskSummary {
  const task = taskInfo(key);
  const eligible = records.filter((record) => isEligible(record.result));
  const bestSpeedups = { cold: {}, hot: {} } as Record<TimingMode, SpeedupFigures>;
  for (const mode of MODES) {
    const figures = bestSpeedups[mode];
    for (const record of eligible) {
      for (const baseline of BASELINES) {
        const value = speedupOver(record.result, mode, baseline);
        if (value !== undefined && value > (figures[baseline] ?? Number.NEGATIVE_INFINITY))
          figures[baseline] = value;
      }
      const value = speedupOverBest(record.result, mode);
      if (value !== undefined && value > (figures.best ?? Number.NEGATIVE_INFINITY)) figures.best = value;
    }
  }
  const summary: TaskSummary = {
    task,
    candidates: records.length,
    ok: records.filter((record) => record.result.status === "ok").length,
    suspect: records.filter((record) => record.result.status === "ok" && record.result.suspect).length,
    bestSpeedups,
  };
  if (best) {
    const medianMicroseconds: Partial<Record<TimingMode, number>> = {};
    const rates: Partial<Record<TimingMode, number>> = {};
    for (const mode of MODES) {
      const median = best.result.timing?.[mode]?.candidate.median;
      if (median === undefined) continue;
      medianMicroseconds[mode] = median;
      const rate = tflops(task.flops, median);
      if (rate !== undefined) rates[mode] = rate;
    }
    summary.best = { record: best, medianMicroseconds, tflops: rates };
  }
  return summary;
}

function failureReasons(evaluations: readonly EvaluationRecord[]): FailureReason[] {
  const groups = new Map<string, FailureReason>();
  for (const { result } of evaluations) {
    if (result.status === "ok") continue;
    const code = result.reasonCode ?? result.status;
    const id = `${result.status}\0${code}`;
    const group = groups.get(id) ?? { status: result.status, code, count: 0 };
    group.count += 1;
    if (group.example === undefined && result.reason) group.example = result.reason;
    groups.set(id, group);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
}

function throughput(evaluations: readonly EvaluationRecord[]): Throughput {
  const times = evaluations.map((record) => Date.parse(record.archivedAt)).filter(Number.isFinite);
  const wallMilliseconds = times.length > 1 ? Math.max(...times) - Math.min(...times) : 0;
  const withDevice = evaluations.filter((record) => record.result.deviceMilliseconds !== undefined);
  const result: Throughput = { wallMilliseconds, deviceRecords: withDevice.length };
  if (wallMilliseconds > 0) result.candidatesPerMinute = evaluations.length / (wallMilliseconds / 60_000);
  if (withDevice.length > 0) {
    const device = withDevice.reduce((sum, record) => sum + (record.result.deviceMilliseconds ?? 0), 0);
    result.deviceMilliseconds = device;
    if (wallMilliseconds > 0) result.deviceBusyPercent = (device / wallMilliseconds) * 100;
  }
  return result;
}

function geomeans(tasks: readonly TaskSummary[]): RunSummary["geomeans"] {
  const result = { cold: {}, hot: {} } as RunSummary["geomeans"];
  for (const mode of MODES) {
    for (const baseline of [...BASELINES, "best"] as const) {
      const values = tasks
        .map((task) => task.bestSpeedups[mode][baseline])
        .filter((value): value is number => value !== undefined);
      const value = geometricMean(values);
      if (value !== undefined) result[mode][baseline] = { value, tasks: values.length };
    }
  }
  return result;
}

function rounds(evaluations: readonly EvaluationRecord[], mode: TimingMode): RoundSummary[] {
  const numbers = [...new Set(evaluations.map((record) => record.round))].sort((a, b) => a - b);
  const bestSoFar = new Map<string, number>();
  return numbers.map((round) => {
    const inRound = evaluations.filter((record) => record.round === round);
    for (const record of inRound) {
      if (!isEligible(record.result)) continue;
      const value = speedupOverBest(record.result, mode);
      if (value !== undefined && value > (bestSoFar.get(record.taskKey) ?? Number.NEGATIVE_INFINITY)) {
        bestSoFar.set(record.taskKey, value);
      }
    }
    const rewards = inRound.map((record) => record.reward.reward).filter(Number.isFinite);
    const summary: RoundSummary = { round, evaluations: inRound.length, tasksCovered: bestSoFar.size };
    const geomean = geometricMean([...bestSoFar.values()]);
    if (geomean !== undefined) summary.bestSoFarGeomean = geomean;
    if (rewards.length > 0)
      summary.meanReward = rewards.reduce((sum, value) => sum + value, 0) / rewards.length;
    return summary;
  });
}
