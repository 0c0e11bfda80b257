import type {
  EvaluationRecord,
  GenerationFailureRecord,
  PolicyCheckpointRecord,
  RunRecord,
} from "@kernelforge/core";
import { KernelForgeError } from "@kernelforge/core";
import { Field, FixedSizeList, Float32, Float64, Int32, Schema, Utf8 } from "apache-arrow";
import { decodeJson, encodeJson } from "./json.js";

/** Version of the table layout, kept in each table's schema metadata. */
export const ARCHIVE_SCHEMA_VERSION = 1;
export const SCHEMA_VERSION_KEY = "kernelforge.archive.schema";

export const TABLE_NAMES = {
  runs: "runs",
  evaluations: "evaluations",
  generationFailures: "generation_failures",
  checkpoints: "checkpoints",
} as const;
export type TableName = (typeof TABLE_NAMES)[keyof typeof TABLE_NAMES];

const text = (name: string, nullable = false) => new Field(name, new Utf8(), nullable);
const int32 = (name: string) => new Field(name, new Int32(), false);
const float64 = (name: string, nullable = false) => new Field(name, new Float64(), nullable);

function withVersion(fields: Field[]): Schema {
  return new Schema(fields, new Map([[SCHEMA_VERSION_KEY, String(ARCHIVE_SCHEMA_VERSION)]]));
}

/** One row per run: scalars to filter and sort on; taskKeys, config, components, devices, skipped tasks and error as JSON. */
export function runsSchema(): Schema {
  return withVersion([
    text("runId"),
    text("status"),
    text("measurement"),
    int32("rounds"),
    int32("groupSize"),
    float64("seed"),
    text("createdAt"),
    text("updatedAt"),
    text("taskKeys"),
    text("config"),
    text("components"),
    text("devices"),
    text("skippedTaskKeys", true),
    text("usage", true),
    text("error", true),
  ]);
}

/** One row per evaluated candidate; candidate, result, reward and advantage as JSON; the source embedding. */
export function evaluationsSchema(dimensions: number): Schema {
  return withVersion([
    text("runId"),
    int32("round"),
    text("taskKey"),
    text("groupId"),
    int32("groupIndex"),
    text("candidateId"),
    text("status"),
    text("measurement"),
    float64("rewardValue"),
    float64("hotSpeedup", true),
    float64("coldSpeedup", true),
    text("archivedAt"),
    text("candidate"),
    text("result"),
    text("reward"),
    text("advantage", true),
    new Field("vector", new FixedSizeList(dimensions, new Field("item", new Float32(), true)), false),
  ]);
}

export function generationFailuresSchema(): Schema {
  return withVersion([
    text("runId"),
    int32("round"),
    text("taskKey"),
    text("code"),
    text("reason"),
    text("output", true),
    text("archivedAt"),
  ]);
}

export function checkpointsSchema(): Schema {
  return withVersion([
    text("runId"),
    int32("round"),
    text("trainer"),
    text("version"),
    text("checkpoint"),
    text("report", true),
    text("createdAt"),
  ]);
}

/** Every column but the vector: what reads of evaluation records select. */
export const EVALUATION_COLUMNS = evaluationsSchema(1)
  .fields.map((field) => field.name)
  .filter((name) => name !== "vector");

// Rows as LanceDB reads them back: plain objects of strings, numbers and nulls.
type Row = Record<string, unknown>;

function corrupt(table: string, column: string, detail: string): KernelForgeError {
  return new KernelForgeError(
    "archive_corrupt",
    `The archive's ${table} table has a bad ${column}: ${detail}`,
    {
      hint: "The table was written by something other than this version of @kernelforge/archive, or damaged.",
    },
  );
}

function readString(row: Row, table: string, name: string): string {
  const value = row[name];
  if (typeof value !== "string") throw corrupt(table, name, `expected text, found ${typeof value}`);
  return value;
}

function readNumber(row: Row, table: string, name: string): number {
  const value = row[name];
  if (typeof value !== "number") throw corrupt(table, name, `expected a number, found ${typeof value}`);
  return value;
}

function readOptionalString(row: Row, table: string, name: string): string | undefined {
  return row[name] === null || row[name] === undefined ? undefined : readString(row, table, name);
}

function readJson<T>(row: Row, table: string, name: string): T {
  const source = readString(row, table, name);
  try {
    return decodeJson(source) as T;
  } catch (error) {
    throw corrupt(table, name, error instanceof Error ? error.message : String(error));
  }
}

function readOptionalJson<T>(row: Row, table: string, name: string): T | undefined {
  return row[name] === null || row[name] === undefined ? undefined : readJson<T>(row, table, name);
}

export function runToRow(record: RunRecord): Row {
  return {
    runId: record.runId,
    status: record.status,
    measurement: record.measurement,
    rounds: record.rounds,
    groupSize: record.groupSize,
    seed: record.seed,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    taskKeys: encodeJson(record.taskKeys),
    config: encodeJson(record.config),
    components: encodeJson(record.components),
    devices: encodeJson(record.devices),
    skippedTaskKeys: record.skippedTaskKeys === undefined ? null : encodeJson(record.skippedTaskKeys),
    usage: record.usage === undefined ? null : encodeJson(record.usage),
    error: record.error === undefined ? null : encodeJson(record.error),
  };
}

/** The column values that a patch of a run's fields replaces (JSON columns encoded, `error: undefined` → null). */
export function runPatchToColumns(patch: Partial<Omit<RunRecord, "runId" | "createdAt">>): Row {
  const columns: Row = {};
  for (const [key, value] of Object.entries(patch)) {
    switch (key) {
      case "status":
      case "measurement":
      case "rounds":
      case "groupSize":
      case "seed":
      case "updatedAt":
        if (value !== undefined) columns[key] = value;
        break;
      case "taskKeys":
      case "config":
      case "components":
      case "devices":
        if (value !== undefined) columns[key] = encodeJson(value);
        break;
      case "skippedTaskKeys":
      case "usage":
      case "error":
        columns[key] = value === undefined ? null : encodeJson(value);
        break;
      default:
        throw new KernelForgeError(
          "archive_invalid_record",
          `Cannot update the run field ${JSON.stringify(key)}`,
          {
            hint: "updateRun replaces fields of RunRecord other than runId and createdAt.",
          },
        );
    }
  }
  return columns;
}

export function rowToRun(row: Row): RunRecord {
  const table = TABLE_NAMES.runs;
  const record: RunRecord = {
    runId: readString(row, table, "runId"),
    status: readString(row, table, "status") as RunRecord["status"],
    measurement: readString(row, table, "measurement") as RunRecord["measurement"],
    config: readJson(row, table, "config"),
    taskKeys: readJson(row, table, "taskKeys"),
    rounds: readNumber(row, table, "rounds"),
    groupSize: readNumber(row, table, "groupSize"),
    seed: readNumber(row, table, "seed"),
    components: readJson(row, table, "components"),
    devices: readJson(row, table, "devices"),
    createdAt: readString(row, table, "createdAt"),
    updatedAt: readString(row, table, "updatedAt"),
  };
  const skipped = readOptionalJson<string[]>(row, table, "skippedTaskKeys");
  if (skipped !== undefined) record.skippedTaskKeys = skipped;
  const usage = readOptionalJson<RunRecord["usage"]>(row, table, "usage");
  if (usage !== undefined) record.usage = usage;
  const error = readOptionalJson<RunRecord["error"]>(row, table, "error");
  if (error !== undefined) record.error = error;
  return record;
}

export function evaluationToRow(record: EvaluationRecord, vector: Float32Array): Row {
  return {
    runId: record.runId,
    round: record.round,
    taskKey: record.taskKey,
    groupId: record.groupId,
    groupIndex: record.groupIndex,
    candidateId: record.candidate.id,
    status: record.result.status,
    measurement: record.result.measurement,
    rewardValue: record.reward.reward,
    hotSpeedup: record.result.speedups?.hot?.best.speedup ?? null,
    coldSpeedup: record.result.speedups?.cold?.best.speedup ?? null,
    archivedAt: record.archivedAt,
    candidate: encodeJson(record.candidate),
    result: encodeJson(record.result),
    reward: encodeJson(record.reward),
    advantage: record.advantage === undefined ? null : encodeJson(record.advantage),
    vector,
  };
}

export function rowToEvaluation(row: Row): EvaluationRecord {
  const table = TABLE_NAMES.evaluations;
  const record: EvaluationRecord = {
    runId: readString(row, table, "runId"),
    round: readNumber(row, table, "round"),
    taskKey: readString(row, table, "taskKey"),
    groupId: readString(row, table, "groupId"),
    groupIndex: readNumber(row, table, "groupIndex"),
    candidate: readJson(row, table, "candidate"),
    result: readJson(row, table, "result"),
    reward: readJson(row, table, "reward"),
    archivedAt: readString(row, table, "archivedAt"),
  };
  const advantage = readOptionalJson<EvaluationRecord["advantage"]>(row, table, "advantage");
  if (advantage !== undefined) record.advantage = advantage;
  return record;
}

export function failureToRow(record: GenerationFailureRecord): Row {
  return {
    runId: record.runId,
    round: record.round,
    taskKey: record.taskKey,
    code: record.code,
    reason: record.reason,
    output: record.output ?? null,
    archivedAt: record.archivedAt,
  };
}

export function rowToFailure(row: Row): GenerationFailureRecord {
  const table = TABLE_NAMES.generationFailures;
  const record: GenerationFailureRecord = {
    runId: readString(row, table, "runId"),
    round: readNumber(row, table, "round"),
    taskKey: readString(row, table, "taskKey"),
    code: readString(row, table, "code"),
    reason: readString(row, table, "reason"),
    archivedAt: readString(row, table, "archivedAt"),
  };
  const output = readOptionalString(row, table, "output");
  if (output !== undefined) record.output = output;
  return record;
}

export function checkpointToRow(record: PolicyCheckpointRecord): Row {
  return {
    runId: record.runId,
    round: record.round,
    trainer: record.checkpoint.trainer,
    version: record.checkpoint.version,
    checkpoint: encodeJson(record.checkpoint),
    report: record.report === undefined ? null : encodeJson(record.report),
    createdAt: record.createdAt,
  };
}

export function rowToCheckpoint(row: Row): PolicyCheckpointRecord {
  const table = TABLE_NAMES.checkpoints;
  const record: PolicyCheckpointRecord = {
    runId: readString(row, table, "runId"),
    round: readNumber(row, table, "round"),
    checkpoint: readJson(row, table, "checkpoint"),
    createdAt: readString(row, table, "createdAt"),
  };
  const report = readOptionalJson<PolicyCheckpointRecord["report"]>(row, table, "report");
  if (report !== undefined) record.report = report;
  return record;
}
