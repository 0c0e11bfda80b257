import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type {
  EvaluationQuery,
  EvaluationRecord,
  GenerationFailureRecord,
  PolicyCheckpointRecord,
  RunArchive,
  RunRecord,
  SimilarKernel,
} from "@kernelforge/core";
import {
  DurableDirectory,
  describeError,
  EVALUATION_STATUSES,
  isEvaluationStatus,
  KernelForgeError,
  syncPath,
} from "@kernelforge/core";
import type { Connection, Table } from "@lancedb/lancedb";
import { DataType, type FixedSizeList, type Schema } from "apache-arrow";
import { DEFAULT_EMBEDDING_DIMENSIONS, embedKernelSource } from "./embedding.js";
import { assertId, assertInt32, column, equalsId, sqlString } from "./sql.js";
import {
  ARCHIVE_SCHEMA_VERSION,
  checkpointsSchema,
  checkpointToRow,
  EVALUATION_COLUMNS,
  evaluationsSchema,
  evaluationToRow,
  failureToRow,
  generationFailuresSchema,
  rowToCheckpoint,
  rowToEvaluation,
  rowToFailure,
  rowToRun,
  runPatchToColumns,
  runsSchema,
  runToRow,
  SCHEMA_VERSION_KEY,
  TABLE_NAMES,
  type TableName,
} from "./tables.js";

export interface RunArchiveOptions {
  /**
   * Dimensions of the source embedding, used when the archive is created (default 256). An existing archive
   * keeps the dimensions it was created with; asking for others is an error.
   */
  embeddingDimensions?: number;
}

/** What `optimize` did, summed over the tables. */
export interface ArchiveOptimizeSummary {
  fragmentsRemoved: number;
  fragmentsAdded: number;
  oldVersionsRemoved: number;
}

type Tables = Record<TableName, Table>;

const MAX_EMBEDDING_DIMENSIONS = 8192;
const DEFAULT_SIMILAR_LIMIT = 10;

/** `scheme://…`: a URI handed to LanceDB as is (`s3://`, `gs://`, `az://`, `db://`, `memory://`…). */
const URI_PATTERN = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/** Where an archive lives: a local directory (synced, compacted on close) or a URI LanceDB resolves. */
type Location = { kind: "local"; directory: string } | { kind: "remote"; uri: string };

function resolveLocation(uri: string): Location {
  if (uri.startsWith("file://")) return { kind: "local", directory: fileURLToPath(uri) };
  if (URI_PATTERN.test(uri)) return { kind: "remote", uri };
  return { kind: "local", directory: path.resolve(process.cwd(), uri) };
}

/**
 * The run archive in LanceDB: four tables (`runs`, `evaluations`, `generation_failures`, `checkpoints`) in one
 * database directory or URI. Writes are queued and run one at a time; a write resolves once LanceDB has
 * committed it (and, for a local directory, once the new files are fsynced). Reads wait for the writes queued
 * before them, so an instance always reads its own writes.
 */
export class LanceRunArchive implements RunArchive {
  readonly location: string;
  /** Dimensions of the `vector` column of `evaluations`. */
  readonly embeddingDimensions: number;

  /** The end of the write queue; never rejects (each write's own promise carries its error). */
  private queue: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;
  /** Reads in flight, which `close` lets finish. */
  private readonly reads = new Set<Promise<unknown>>();
  /** Tables written since they were last compacted. */
  private readonly written = new Set<TableName>();

  private constructor(
    location: string,
    private readonly connection: Connection,
    private readonly tables: Tables,
    private readonly durable: DurableDirectory | undefined,
    embeddingDimensions: number,
  ) {
    this.location = location;
    this.embeddingDimensions = embeddingDimensions;
  }

  /**
   * Opens the archive at `uri`, creating the directory (for a local path) and the tables when missing. Throws a
   * KernelForgeError (`archive_unavailable`) naming the location and the cause when it cannot.
   */
  static async open(uri: string, options: RunArchiveOptions = {}): Promise<LanceRunArchive> {
    const requested = options.embeddingDimensions;
    if (
      requested !== undefined &&
      (!Number.isInteger(requested) || requested < 1 || requested > MAX_EMBEDDING_DIMENSIONS)
    ) {
      throw new KernelForgeError("archive_invalid_option", `Invalid embedding dimensions: ${requested}`, {
        hint: `Use an integer from 1 to ${MAX_EMBEDDING_DIMENSIONS} (the default is ${DEFAULT_EMBEDDING_DIMENSIONS}).`,
      });
    }
    const where = resolveLocation(uri);
    const location = where.kind === "local" ? where.directory : where.uri;
    let connection: Connection | undefined;
    try {
      let durable: DurableDirectory | undefined;
      if (where.kind === "local") {
        const created = await mkdir(where.directory, { recursive: true });
        durable = new DurableDirectory(where.directory);
        await durable.snapshot();
        if (created !== undefined) await syncPath(path.dirname(created), true);
      }
      // Loaded on first use: its native binding is only needed once an archive is opened.
      const { connect } = await import("@lancedb/lancedb");
      connection = await connect(where.kind === "local" ? where.directory : where.uri);
      const existing = new Set(await connection.tableNames());
      const dimensions = await existingDimensions(connection, existing, location, requested);
      const tables = {} as Tables;
      const schemas: Record<TableName, Schema> = {
        runs: runsSchema(),
        evaluations: evaluationsSchema(dimensions),
        generation_failures: generationFailuresSchema(),
        checkpoints: checkpointsSchema(),
      };
      for (const name of Object.values(TABLE_NAMES)) {
        const table = existing.has(name)
          ? await connection.openTable(name)
          : await connection.createEmptyTable(name, schemas[name], { mode: "create", existOk: true });
        await checkSchema(table, schemas[name], location);
        tables[name] = table;
      }
      await durable?.syncNew();
      return new LanceRunArchive(location, connection, tables, durable, dimensions);
    } catch (error) {
      connection?.close();
      if (error instanceof KernelForgeError) throw error;
      throw new KernelForgeError(
        "archive_unavailable",
        `Cannot open the run archive at ${location}: ${describeError(error)}`,
        {
          hint: /native binding/i.test(describeError(error))
            ? "LanceDB's native binding for this platform is missing: install the packages with npm on this host, or put node_modules/@lancedb/ beside a bundled kforge (scripts/bundle-gpu-tools.mjs copies it)."
            : where.kind === "local"
              ? "Use a directory you can create and write to (not a file or something under a file), or choose another archive location."
              : "Check the URI and the storage credentials (the object store's environment variables, or the LanceDB Cloud API key), or use a local directory.",
          cause: error,
        },
      );
    }
  }

  async createRun(record: RunRecord): Promise<void> {
    assertId("run id", record.runId);
    checkRunNumbers(record);
    await this.write("create a run", ["runs"], async () => {
      const result = await this.tables.runs
        .mergeInsert("runId")
        .whenNotMatchedInsertAll()
        .execute([runToRow(record)]);
      if (result.numInsertedRows === 0) {
        throw new KernelForgeError("archive_run_exists", `The archive already has a run ${record.runId}`, {
          hint: "Resume the run, or start a new one with another id.",
        });
      }
    });
  }

  async updateRun(runId: string, patch: Partial<Omit<RunRecord, "runId" | "createdAt">>): Promise<void> {
    const filter = equalsId("runId", "run id", runId);
    const columns = runPatchToColumns(patch);
    checkRunNumbers(columns);
    columns.updatedAt = new Date().toISOString();
    await this.write("update a run", ["runs"], async () => {
      const result = await this.tables.runs.update({
        where: filter,
        values: columns as Record<string, string | number | null>,
      });
      if (result.rowsUpdated === 0) {
        throw new KernelForgeError("archive_run_not_found", `The archive has no run ${runId}`, {
          hint: "Create the run before updating it; `listRuns` shows the archived runs.",
        });
      }
    });
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const filter = equalsId("runId", "run id", runId);
    const rows = await this.read("read a run", () =>
      this.tables.runs.query().where(filter).limit(1).toArray(),
    );
    return rows[0] === undefined ? undefined : rowToRun(rows[0]);
  }

  async listRuns(): Promise<RunRecord[]> {
    const rows = await this.read("list runs", () => this.tables.runs.query().toArray());
    return rows.map(rowToRun).sort(newestFirst);
  }

  async addEvaluations(records: readonly EvaluationRecord[]): Promise<void> {
    const unique = new Map<string, EvaluationRecord>();
    for (const record of records) {
      assertId("run id", record.runId);
      assertId("task key", record.taskKey);
      assertId("candidate id", record.candidate?.id);
      assertInt32("round", record.round);
      assertInt32("group index", record.groupIndex);
      const key = evaluationKey(record.runId, record.round, record.taskKey, record.candidate.id);
      if (!unique.has(key)) unique.set(key, record);
    }
    if (unique.size === 0) return;
    const rows = [...unique.values()].map((record) =>
      evaluationToRow(record, embedKernelSource(record.candidate.source, this.embeddingDimensions)),
    );
    // One atomic commit: rows whose (run, round, task, candidate) is already archived are left out.
    await this.write("add evaluations", ["evaluations"], async () => {
      await this.tables.evaluations
        .mergeInsert(["runId", "round", "taskKey", "candidateId"])
        .whenNotMatchedInsertAll()
        .execute(rows);
    });
  }

  async listEvaluations(query: EvaluationQuery = {}): Promise<EvaluationRecord[]> {
    const filters: string[] = [];
    if (query.runId !== undefined) filters.push(equalsId("runId", "run id", query.runId));
    if (query.taskKey !== undefined) filters.push(equalsId("taskKey", "task key", query.taskKey));
    if (query.round !== undefined) {
      assertInt32("round", query.round);
      filters.push(`${column("round")} = ${query.round}`);
    }
    if (query.status !== undefined) {
      const statuses = Array.isArray(query.status) ? query.status : [query.status];
      for (const status of statuses) {
        if (!isEvaluationStatus(status)) {
          throw new KernelForgeError("archive_invalid_query", `Not an evaluation status: ${String(status)}`, {
            hint: `Use one of ${EVALUATION_STATUSES.join(", ")}.`,
          });
        }
      }
      if (statuses.length === 0) return [];
      filters.push(`${column("status")} IN (${statuses.map(sqlString).join(", ")})`);
    }
    if (query.limit !== undefined) {
      assertInt32("limit", query.limit);
      if (query.limit === 0) return [];
    }
    const rows = await this.read("list evaluations", () => {
      let scan = this.tables.evaluations
        .query()
        .select(EVALUATION_COLUMNS)
        .orderBy([
          { columnName: "round" },
          { columnName: "taskKey" },
          { columnName: "groupIndex" },
          { columnName: "candidateId" },
        ]);
      if (filters.length > 0) scan = scan.where(filters.join(" AND "));
      if (query.limit !== undefined) scan = scan.limit(query.limit);
      return scan.toArray();
    });
    return rows.map(rowToEvaluation);
  }

  async addGenerationFailures(records: readonly GenerationFailureRecord[]): Promise<void> {
    for (const record of records) {
      assertId("run id", record.runId);
      assertId("task key", record.taskKey);
      assertInt32("round", record.round);
    }
    if (records.length === 0) return;
    const rows = records.map(failureToRow);
    await this.write("add generation failures", ["generation_failures"], async () => {
      await this.tables.generation_failures.add(rows);
    });
  }

  async listGenerationFailures(runId: string): Promise<GenerationFailureRecord[]> {
    const filter = equalsId("runId", "run id", runId);
    const rows = await this.read("list generation failures", () =>
      this.tables.generation_failures
        .query()
        .where(filter)
        .orderBy([{ columnName: "round" }, { columnName: "taskKey" }, { columnName: "archivedAt" }])
        .toArray(),
    );
    return rows.map(rowToFailure);
  }

  /** Saves the checkpoint of a round; a second save for the same run and round replaces the first. */
  async saveCheckpoint(record: PolicyCheckpointRecord): Promise<void> {
    assertId("run id", record.runId);
    assertInt32("round", record.round);
    const row = checkpointToRow(record);
    await this.write("save a checkpoint", ["checkpoints"], async () => {
      await this.tables.checkpoints
        .mergeInsert(["runId", "round"])
        .whenMatchedUpdateAll()
        .whenNotMatchedInsertAll()
        .execute([row]);
    });
  }

  async latestCheckpoint(runId: string): Promise<PolicyCheckpointRecord | undefined> {
    const filter = equalsId("runId", "run id", runId);
    const rows = await this.read("read the latest checkpoint", () =>
      this.tables.checkpoints
        .query()
        .where(filter)
        .orderBy({ columnName: "round", ascending: false })
        .limit(1)
        .toArray(),
    );
    return rows[0] === undefined ? undefined : rowToCheckpoint(rows[0]);
  }

  /**
   * Archived kernels nearest to `source` by the lexical embedding (see `embedKernelSource`), closest first.
   * `distance` is the squared Euclidean distance between the unit vectors, 2·(1 − cosine similarity): 0 for the
   * same token statistics, 2 for opposite ones. `limit` defaults to 10.
   */
  async similarKernels(
    source: string,
    options: { limit?: number; taskKey?: string; runId?: string } = {},
  ): Promise<SimilarKernel[]> {
    const filters: string[] = [];
    if (options.runId !== undefined) filters.push(equalsId("runId", "run id", options.runId));
    if (options.taskKey !== undefined) filters.push(equalsId("taskKey", "task key", options.taskKey));
    const limit = options.limit ?? DEFAULT_SIMILAR_LIMIT;
    assertInt32("limit", limit);
    if (limit === 0) return [];
    const vector = embedKernelSource(source, this.embeddingDimensions);
    const rows = await this.read("search similar kernels", () => {
      let search = this.tables.evaluations
        .vectorSearch(vector)
        .distanceType("l2")
        .select([...EVALUATION_COLUMNS, "_distance"])
        .limit(limit);
      if (filters.length > 0) search = search.where(filters.join(" AND "));
      return search.toArray();
    });
    return rows.map((row) => ({ record: rowToEvaluation(row), distance: Number(row._distance) }));
  }

  /**
   * Compacts every table's small fragments (one per write) into larger ones and removes versions older than
   * LanceDB's default retention (7 days). Queued behind pending writes. Not available on LanceDB Cloud
   * (`db://`), which compacts on its own.
   */
  async optimize(): Promise<ArchiveOptimizeSummary> {
    const names = Object.values(TABLE_NAMES);
    return this.write("optimize", names, () => this.compact(names), { compaction: true });
  }

  /**
   * Waits for queued writes and reads in flight, then releases the connection. For a local archive it first
   * compacts the tables this instance wrote to (about 0.1 s after a hundred writes; remote stores are left
   * alone, as compaction rewrites objects over the network); a compaction failure leaves the data as it was
   * and is reported as a process warning, not an error. Calling it again returns the same promise;
   * any other method called afterwards throws `archive_closed`.
   */
  close(): Promise<void> {
    if (this.closing === undefined) {
      const pending = [this.queue, ...this.reads];
      this.closing = (async () => {
        await Promise.allSettled(pending);
        try {
          if (this.durable !== undefined && this.written.size > 0) {
            try {
              await this.compact([...this.written]);
              await this.durable.syncNew();
            } catch (error) {
              process.emitWarning(
                `Could not compact the run archive at ${this.location} (the data is intact): ${describeError(error)}`,
                { code: "KFORGE_ARCHIVE_COMPACTION" },
              );
            }
          }
        } finally {
          for (const table of Object.values(this.tables)) table.close();
          this.connection.close();
        }
      })();
    }
    return this.closing;
  }

  private async compact(names: readonly TableName[]): Promise<ArchiveOptimizeSummary> {
    const summary: ArchiveOptimizeSummary = { fragmentsRemoved: 0, fragmentsAdded: 0, oldVersionsRemoved: 0 };
    for (const name of names) {
      const stats = await this.tables[name].optimize();
      summary.fragmentsRemoved += stats.compaction.fragmentsRemoved;
      summary.fragmentsAdded += stats.compaction.fragmentsAdded;
      summary.oldVersionsRemoved += stats.prune.oldVersionsRemoved;
      this.written.delete(name);
    }
    return summary;
  }

  private ensureOpen(): void {
    if (this.closing !== undefined) {
      throw new KernelForgeError("archive_closed", `The run archive at ${this.location} is closed`, {
        hint: "Open the archive again to use it.",
      });
    }
  }

  /**
   * Queues `work` (which writes the tables `names`) behind every earlier write; resolves once it is committed
   * and, locally, fsynced. A compaction does not mark the tables as needing one.
   */
  private write<T>(
    action: string,
    names: readonly TableName[],
    work: () => Promise<T>,
    options: { compaction?: boolean } = {},
  ): Promise<T> {
    this.ensureOpen();
    const run = this.queue.then(async () => {
      let result: T;
      try {
        result = await work();
        if (!options.compaction) for (const name of names) this.written.add(name);
        if (this.durable !== undefined) {
          for (const name of names) await this.durable.syncNew(path.join(this.durable.root, `${name}.lance`));
        }
      } catch (error) {
        throw this.wrap("archive_write_failed", action, error);
      }
      return result;
    });
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Runs a read after the writes queued before it. */
  private read<T>(action: string, work: () => Promise<T>): Promise<T> {
    this.ensureOpen();
    const run = this.queue.then(work).catch((error: unknown) => {
      throw this.wrap("archive_read_failed", action, error);
    });
    this.reads.add(run);
    const forget = () => this.reads.delete(run);
    run.then(forget, forget);
    return run;
  }

  private wrap(code: string, action: string, error: unknown): KernelForgeError {
    if (error instanceof KernelForgeError) return error;
    return new KernelForgeError(
      code,
      `Could not ${action} in the run archive at ${this.location}: ${describeError(error)}`,
      {
        hint: "Check that the archive location is reachable and writable, with space left; then retry or resume the run.",
        cause: error,
      },
    );
  }
}

/** Opens (creating when missing) the run archive at a local directory or a LanceDB URI. */
export function openRunArchive(uri: string, options?: RunArchiveOptions): Promise<LanceRunArchive> {
  return LanceRunArchive.open(uri, options);
}

function evaluationKey(runId: string, round: number, taskKey: string, candidateId: string): string {
  return `${runId}\u0000${round}\u0000${taskKey}\u0000${candidateId}`;
}

function checkRunNumbers(fields: { rounds?: unknown; groupSize?: unknown; seed?: unknown }): void {
  if (fields.rounds !== undefined) assertInt32("round count", fields.rounds);
  if (fields.groupSize !== undefined) assertInt32("group size", fields.groupSize, 1);
  if (fields.seed !== undefined && !Number.isFinite(fields.seed)) {
    throw new KernelForgeError("archive_invalid_record", `Not a valid seed: ${String(fields.seed)}`, {
      hint: "A seed is a finite number.",
    });
  }
}

/** Newest `createdAt` first (by time when both parse, else by text); ties by run id, descending. */
function newestFirst(a: RunRecord, b: RunRecord): number {
  const timeA = Date.parse(a.createdAt);
  const timeB = Date.parse(b.createdAt);
  const byTime =
    Number.isNaN(timeA) || Number.isNaN(timeB) ? b.createdAt.localeCompare(a.createdAt) : timeB - timeA;
  if (byTime !== 0) return byTime;
  return a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0;
}

/** The dimensions of an existing `evaluations` table, checked against the requested ones. */
async function existingDimensions(
  connection: Connection,
  existing: ReadonlySet<string>,
  location: string,
  requested: number | undefined,
): Promise<number> {
  if (!existing.has(TABLE_NAMES.evaluations)) return requested ?? DEFAULT_EMBEDDING_DIMENSIONS;
  const table = await connection.openTable(TABLE_NAMES.evaluations);
  try {
    const type = (await table.schema()).fields.find((field) => field.name === "vector")?.type;
    if (type === undefined || !DataType.isFixedSizeList(type)) {
      throw schemaMismatch(location, "its evaluations table has no vector column");
    }
    const found = (type as FixedSizeList).listSize;
    if (requested !== undefined && requested !== found) {
      throw new KernelForgeError(
        "archive_embedding_mismatch",
        `The run archive at ${location} holds ${found}-dimensional embeddings, not ${requested}`,
        { hint: `Open it with embeddingDimensions ${found} (or leave it unset), or use another archive.` },
      );
    }
    return found;
  } finally {
    table.close();
  }
}

async function checkSchema(table: Table, expected: Schema, location: string): Promise<void> {
  const actual = await table.schema();
  const version = Number(actual.metadata.get(SCHEMA_VERSION_KEY) ?? Number.NaN);
  if (version > ARCHIVE_SCHEMA_VERSION) {
    throw new KernelForgeError(
      "archive_too_new",
      `The run archive at ${location} was written by a newer @kernelforge/archive (layout ${version}; this one reads ${ARCHIVE_SCHEMA_VERSION})`,
      { hint: "Upgrade KernelForge, or use another archive location." },
    );
  }
  const names = new Set(actual.fields.map((field) => field.name));
  const missing = expected.fields.filter((field) => !names.has(field.name));
  // Optional text columns added by later versions of this layout are added to an older archive (empty).
  const addable = missing.filter((field) => field.nullable && field.type.toString() === "Utf8");
  if (addable.length > 0 && addable.length === missing.length) {
    await table.addColumns(addable.map((field) => ({ name: field.name, valueSql: "CAST(NULL AS STRING)" })));
    return;
  }
  if (missing.length > 0) {
    throw schemaMismatch(
      location,
      `its ${table.name} table lacks ${missing.map((field) => field.name).join(", ")}`,
    );
  }
}

function schemaMismatch(location: string, detail: string): KernelForgeError {
  return new KernelForgeError(
    "archive_schema_mismatch",
    `${location} is not a KernelForge run archive: ${detail}`,
    { hint: "Point the archive at an empty directory or at one KernelForge created." },
  );
}
