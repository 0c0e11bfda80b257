import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { type EvaluationRecord, KernelForgeError } from "@kernelforge/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ARCHIVE_TABLES, type LanceRunArchive, openRunArchive } from "../src/index.js";
import {
  candidateFor,
  checkpointFor,
  evaluationFor,
  LINEAR_KEY,
  runFor,
  SQUARE_KEY,
  TASK_LINEAR,
  TASK_SQUARE,
  tiledSource,
  WMMA_SOURCE,
} from "./fixtures.js";

let directory: string;
const open: LanceRunArchive[] = [];

async function archiveAt(location = directory, options?: { embeddingDimensions?: number }) {
  const archive = await openRunArchive(location, options);
  open.push(archive);
  return archive;
}

/** Resolves to the KernelForgeError a promise rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<KernelForgeError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(KernelForgeError);
  return error as KernelForgeError;
}

beforeEach(() => {
  directory = mkdtempSync(path.join(tmpdir(), "kforge-archive-"));
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((archive) => archive.close()));
  rmSync(directory, { recursive: true, force: true });
});

describe("opening", () => {
  it("creates the directory and the four tables, and reports where it lives", async () => {
    const location = path.join(directory, "nested", "archive");
    const archive = await archiveAt(location);
    expect(archive.location).toBe(location);
    expect(archive.embeddingDimensions).toBe(256);
    const entries = (await readdir(location)).sort();
    expect(entries).toEqual(
      Object.values(ARCHIVE_TABLES)
        .map((name) => `${name}.lance`)
        .sort(),
    );
  });

  it("resolves relative paths from the working directory and accepts file:// URLs", async () => {
    const relative = path.relative(process.cwd(), path.join(directory, "relative"));
    const archive = await archiveAt(relative);
    expect(archive.location).toBe(path.join(directory, "relative"));
    const viaUrl = await archiveAt(pathToFileURL(path.join(directory, "url")).href);
    expect(viaUrl.location).toBe(path.join(directory, "url"));
  });

  it("fails with a clear error for a location under a regular file", async () => {
    const file = path.join(directory, "not-a-directory");
    writeFileSync(file, "plain file\n");
    const location = path.join(file, "archive");
    const error = await rejection(openRunArchive(location));
    expect(error.code).toBe("archive_unavailable");
    expect(error.message).toContain(location);
    expect(error.message).toMatch(/ENOTDIR|not a directory/i);
    expect(error.hint).toMatch(/directory you can create and write/);
  });

  it("keeps the embedding size it was created with", async () => {
    const first = await archiveAt(directory, { embeddingDimensions: 64 });
    await first.close();
    const again = await archiveAt(directory);
    expect(again.embeddingDimensions).toBe(64);
    await again.close();
    const error = await rejection(openRunArchive(directory, { embeddingDimensions: 128 }));
    expect(error.code).toBe("archive_embedding_mismatch");
    expect(error.message).toContain("64-dimensional");
    expect((await rejection(openRunArchive(directory, { embeddingDimensions: 0 }))).code).toBe(
      "archive_invalid_option",
    );
  });
});

describe("round trips", () => {
  it("returns every record kind equal to what was written", async () => {
    const archive = await archiveAt();
    const run = runFor("run-a", "2025-06-01T09:00:00.000Z");
    await archive.createRun(run);
    expect(await archive.getRun("run-a")).toStrictEqual(run);

    const ok = evaluationFor(candidateFor(TASK_SQUARE, tiledSource(32)), { runId: "run-a", speedup: 1.07 });
    const failed = evaluationFor(candidateFor(TASK_SQUARE, tiledSource(48)), {
      runId: "run-a",
      groupIndex: 1,
      status: "compile_error",
    });
    delete failed.advantage;
    // Figures plain JSON would mangle.
    ok.reward.components.logRatio = Number.NEGATIVE_INFINITY;
    ok.reward.components.spread = Number.NaN;
    ok.reward.components.offset = -0;
    await archive.addEvaluations([ok, failed]);
    expect(await archive.listEvaluations({ runId: "run-a" })).toStrictEqual([ok, failed]);

    const failures = [
      {
        runId: "run-a",
        round: 0,
        taskKey: SQUARE_KEY,
        code: "no_code",
        reason: "the reply held no ```cuda block",
        output: "I'd use a 128×128 tile…",
        archivedAt: "2025-06-01T10:00:07.000Z",
      },
      {
        runId: "run-a",
        round: 1,
        taskKey: LINEAR_KEY,
        code: "timeout",
        reason: "generation exceeded 120 s",
        archivedAt: "2025-06-01T10:05:00.000Z",
      },
    ];
    await archive.addGenerationFailures(failures);
    expect(await archive.listGenerationFailures("run-a")).toStrictEqual(failures);

    const checkpoint = checkpointFor("run-a", 0);
    const withoutReport = checkpointFor("run-a", 1);
    delete withoutReport.report;
    await archive.saveCheckpoint(checkpoint);
    expect(await archive.latestCheckpoint("run-a")).toStrictEqual(checkpoint);
    await archive.saveCheckpoint(withoutReport);
    expect(await archive.latestCheckpoint("run-a")).toStrictEqual(withoutReport);
  });

  it("keeps everything across close and reopen", async () => {
    const first = await archiveAt();
    const run = runFor("run-persist", "2025-06-02T08:00:00.000Z");
    const record = evaluationFor(candidateFor(TASK_LINEAR, tiledSource(64)), { runId: "run-persist" });
    const checkpoint = checkpointFor("run-persist", 3);
    await first.createRun(run);
    await first.addEvaluations([record]);
    await first.saveCheckpoint(checkpoint);
    await first.close();

    const second = await archiveAt();
    expect(await second.getRun("run-persist")).toStrictEqual(run);
    expect(await second.listEvaluations({ runId: "run-persist" })).toStrictEqual([record]);
    expect(await second.latestCheckpoint("run-persist")).toStrictEqual(checkpoint);
    const similar = await second.similarKernels(record.candidate.source, { limit: 1 });
    expect(similar[0]?.record).toStrictEqual(record);
  });
});

describe("addEvaluations", () => {
  it("archives a candidate once, whether repeated in a call, in a later call or after a reopen", async () => {
    const candidate = candidateFor(TASK_SQUARE, tiledSource(32));
    const record = evaluationFor(candidate, { runId: "run-idem" });
    const other = evaluationFor(candidateFor(TASK_SQUARE, tiledSource(64)), {
      runId: "run-idem",
      groupIndex: 1,
    });
    const first = await archiveAt();
    await first.addEvaluations([record, record, { ...record, archivedAt: "2025-06-01T11:00:00.000Z" }]);
    await first.addEvaluations([record, other]);
    expect((await first.listEvaluations({ runId: "run-idem" })).map((r) => r.candidate.id)).toEqual([
      candidate.id,
      other.candidate.id,
    ]);
    await first.close();

    const second = await archiveAt();
    await second.addEvaluations([record, other]);
    const archived = await second.listEvaluations({ runId: "run-idem" });
    expect(archived).toStrictEqual([record, other]);

    // The same candidate in another round or run is another evaluation.
    await second.addEvaluations([
      { ...record, round: 1 },
      { ...record, runId: "run-idem-2" },
    ]);
    expect(await second.listEvaluations({ runId: "run-idem" })).toHaveLength(3);
    expect(await second.listEvaluations({ runId: "run-idem-2" })).toHaveLength(1);
  });

  it("serializes concurrent writes so that none is lost or doubled", async () => {
    const archive = await archiveAt();
    const records = [16, 32, 64, 128].flatMap((tile, index) =>
      [0, 1, 2].map((round) =>
        evaluationFor(candidateFor(TASK_SQUARE, tiledSource(tile)), {
          runId: "run-conc",
          round,
          groupIndex: index,
        }),
      ),
    );
    await Promise.all([
      ...records.map((record) => archive.addEvaluations([record])),
      archive.addEvaluations(records),
    ]);
    expect(await archive.listEvaluations({ runId: "run-conc" })).toHaveLength(records.length);
  });
});

describe("queries", () => {
  async function seeded(): Promise<{ archive: LanceRunArchive; records: EvaluationRecord[] }> {
    const archive = await archiveAt();
    const statuses = ["ok", "wrong", "compile_error", "ok"] as const;
    const records: EvaluationRecord[] = [];
    for (const round of [1, 0]) {
      for (const task of [TASK_LINEAR, TASK_SQUARE]) {
        statuses.forEach((status, groupIndex) => {
          const source = `${tiledSource(16 * (groupIndex + 1))}int variant_${round};\n`;
          records.push(
            evaluationFor(candidateFor(task, source), { runId: "run-q", round, groupIndex, status }),
          );
        });
      }
    }
    // Groups arrive in reverse so that the order must come from the query.
    await archive.addEvaluations(records.slice(8));
    await archive.addEvaluations(records.slice(0, 8).reverse());
    await archive.addEvaluations([
      evaluationFor(candidateFor(TASK_SQUARE, WMMA_SOURCE), { runId: "run-other" }),
    ]);
    return { archive, records };
  }

  it("orders by round, task, then group index and filters by run, task, status and round", async () => {
    const { archive } = await seeded();
    const all = await archive.listEvaluations({ runId: "run-q" });
    expect(all.map((r) => [r.round, r.taskKey, r.groupIndex])).toEqual(
      [0, 1].flatMap((round) =>
        [LINEAR_KEY, SQUARE_KEY].flatMap((key) => [0, 1, 2, 3].map((index) => [round, key, index])),
      ),
    );
    expect(await archive.listEvaluations()).toHaveLength(17);

    const square = await archive.listEvaluations({ runId: "run-q", taskKey: SQUARE_KEY });
    expect(square).toHaveLength(8);
    expect(new Set(square.map((r) => r.taskKey))).toEqual(new Set([SQUARE_KEY]));

    const ok = await archive.listEvaluations({ runId: "run-q", status: "ok" });
    expect(ok.map((r) => r.result.status)).toEqual(Array(8).fill("ok"));
    const failing = await archive.listEvaluations({
      runId: "run-q",
      status: ["wrong", "compile_error"],
      round: 1,
    });
    expect(failing.map((r) => [r.taskKey, r.result.status])).toEqual([
      [LINEAR_KEY, "wrong"],
      [LINEAR_KEY, "compile_error"],
      [SQUARE_KEY, "wrong"],
      [SQUARE_KEY, "compile_error"],
    ]);
    expect(await archive.listEvaluations({ runId: "run-q", status: [] })).toEqual([]);

    const limited = await archive.listEvaluations({ runId: "run-q", limit: 3 });
    expect(limited).toStrictEqual(all.slice(0, 3));
    expect(await archive.listEvaluations({ runId: "run-none" })).toEqual([]);
  });

  it("refuses ids that are not identifiers instead of building a filter from them", async () => {
    const { archive } = await seeded();
    const error = await rejection(archive.listEvaluations({ runId: "run-q' OR '1'='1" }));
    expect(error.code).toBe("archive_invalid_id");
    expect(error.message).toContain("run id");
    expect((await rejection(archive.getRun(""))).code).toBe("archive_invalid_id");
    expect((await rejection(archive.listEvaluations({ status: "fast" as "ok" }))).code).toBe(
      "archive_invalid_query",
    );
    const bad = evaluationFor(candidateFor(TASK_SQUARE, tiledSource(32)), { runId: "run q" });
    expect((await rejection(archive.addEvaluations([bad]))).code).toBe("archive_invalid_id");
  });
});

describe("runs", () => {
  it("lists runs newest first and returns undefined for an unknown id", async () => {
    const archive = await archiveAt();
    await archive.createRun(runFor("run-middle", "2025-06-02T12:00:00.000Z"));
    await archive.createRun(runFor("run-newest", "2025-06-03T08:30:00.000Z"));
    await archive.createRun(runFor("run-oldest", "2025-05-30T23:59:59.000Z"));
    expect((await archive.listRuns()).map((run) => run.runId)).toEqual([
      "run-newest",
      "run-middle",
      "run-oldest",
    ]);
    expect(await archive.getRun("run-missing")).toBeUndefined();
    const duplicate = await rejection(archive.createRun(runFor("run-middle", "2025-06-04T00:00:00.000Z")));
    expect(duplicate.code).toBe("archive_run_exists");
    expect((await archive.getRun("run-middle"))?.createdAt).toBe("2025-06-02T12:00:00.000Z");
  });

  it("replaces the named fields, sets updatedAt, and clears an error set to undefined", async () => {
    const archive = await archiveAt();
    const run = runFor("run-upd", "2025-06-01T09:00:00.000Z");
    await archive.createRun(run);
    const before = Date.now();
    const error = { code: "device_lost", message: 'the harness lost the GPU: it\'s "gone" \\ retry\nlater' };
    await archive.updateRun("run-upd", {
      status: "failed",
      error,
      devices: ["NVIDIA H200 (sm90)"],
      rounds: 6,
    });
    const failed = await archive.getRun("run-upd");
    expect(failed).toStrictEqual({
      ...run,
      status: "failed",
      error,
      devices: ["NVIDIA H200 (sm90)"],
      rounds: 6,
      updatedAt: failed?.updatedAt,
    });
    expect(Date.parse(failed?.updatedAt ?? "")).toBeGreaterThanOrEqual(before - 1000);
    expect(failed?.updatedAt).not.toBe(run.updatedAt);

    await archive.updateRun("run-upd", {
      status: "running",
      error: undefined,
      skippedTaskKeys: [SQUARE_KEY],
      usage: { requests: 9, inputTokens: 12_345, outputTokens: 6_789 },
    });
    const resumed = await archive.getRun("run-upd");
    expect(resumed?.status).toBe("running");
    expect(resumed).not.toHaveProperty("error");
    expect(resumed?.skippedTaskKeys).toStrictEqual([SQUARE_KEY]);
    expect(resumed?.usage).toStrictEqual({ requests: 9, inputTokens: 12_345, outputTokens: 6_789 });
    expect(resumed?.config).toStrictEqual(run.config);

    const missing = await rejection(archive.updateRun("run-nope", { status: "finished" }));
    expect(missing.code).toBe("archive_run_not_found");
  });
});

describe("checkpoints", () => {
  it("returns the highest round's checkpoint, the latest save of a round winning", async () => {
    const archive = await archiveAt();
    expect(await archive.latestCheckpoint("run-ck")).toBeUndefined();
    for (const round of [0, 2, 1]) await archive.saveCheckpoint(checkpointFor("run-ck", round));
    await archive.saveCheckpoint(checkpointFor("run-other", 5));
    expect((await archive.latestCheckpoint("run-ck"))?.round).toBe(2);
    const redone = { ...checkpointFor("run-ck", 2), createdAt: "2025-06-05T00:00:00.000Z" };
    redone.checkpoint.version = "v3-redone";
    await archive.saveCheckpoint(redone);
    expect(await archive.latestCheckpoint("run-ck")).toStrictEqual(redone);
    expect((await archive.latestCheckpoint("run-other"))?.round).toBe(5);
  });
});

describe("similarKernels", () => {
  it("ranks a near-duplicate above unrelated kernels and honours the task and run prefilters", async () => {
    const archive = await archiveAt();
    const tiled = evaluationFor(candidateFor(TASK_SQUARE, tiledSource(64)), {
      runId: "run-sim",
      groupIndex: 0,
    });
    const wmma = evaluationFor(candidateFor(TASK_SQUARE, WMMA_SOURCE), { runId: "run-sim", groupIndex: 1 });
    const linearTiled = evaluationFor(candidateFor(TASK_LINEAR, tiledSource(32)), { runId: "run-sim-2" });
    await archive.addEvaluations([tiled, wmma, linearTiled]);

    const query = tiledSource(128, "a close variant");
    const everywhere = await archive.similarKernels(query);
    expect(everywhere).toHaveLength(3);
    expect(everywhere[2]?.record.candidate.id).toBe(wmma.candidate.id);
    const distances = everywhere.map((hit) => hit.distance);
    expect(distances).toEqual([...distances].sort((a, b) => a - b));
    expect(distances[0]).toBeLessThan(0.2);
    expect(distances[2]).toBeGreaterThan(1);

    const square = await archive.similarKernels(query, { taskKey: SQUARE_KEY });
    expect(square.map((hit) => hit.record.candidate.id)).toEqual([tiled.candidate.id, wmma.candidate.id]);
    expect(square[0]?.record).toStrictEqual(tiled);

    const exact = await archive.similarKernels(WMMA_SOURCE, { runId: "run-sim", limit: 1 });
    expect(exact).toHaveLength(1);
    expect(exact[0]?.record.candidate.id).toBe(wmma.candidate.id);
    expect(exact[0]?.distance).toBeCloseTo(0, 5);

    const otherRun = await archive.similarKernels(query, { runId: "run-sim-2", taskKey: SQUARE_KEY });
    expect(otherRun).toEqual([]);
  });
});

describe("maintenance and closing", () => {
  it("compacts the fragments of many small writes without changing the data", async () => {
    const archive = await archiveAt();
    const records = [16, 32, 64, 128, 256].map((tile, groupIndex) =>
      evaluationFor(candidateFor(TASK_SQUARE, tiledSource(tile)), { runId: "run-opt", groupIndex }),
    );
    for (const record of records) await archive.addEvaluations([record]);
    const summary = await archive.optimize();
    expect(summary.fragmentsRemoved).toBeGreaterThanOrEqual(records.length);
    expect(summary.fragmentsAdded).toBeGreaterThanOrEqual(1);
    expect(await archive.listEvaluations({ runId: "run-opt" })).toStrictEqual(records);
  });

  it("finishes queued writes on close, closes once, and refuses use afterwards", async () => {
    const archive = await archiveAt();
    const record = evaluationFor(candidateFor(TASK_SQUARE, tiledSource(32)), { runId: "run-close" });
    const pending = archive.addEvaluations([record]);
    const listing = archive.listEvaluations({ runId: "run-close" });
    const closing = archive.close();
    expect(archive.close()).toBe(closing);
    await Promise.all([pending, closing]);
    // A read called before close sees the write called before it, and finishes.
    expect(await listing).toStrictEqual([record]);
    const error = await rejection(archive.listEvaluations());
    expect(error.code).toBe("archive_closed");
    expect(error.message).toContain(directory);
    expect((await rejection(archive.addEvaluations([record]))).code).toBe("archive_closed");

    const reopened = await archiveAt();
    expect(await reopened.listEvaluations({ runId: "run-close" })).toStrictEqual([record]);
  });
});

describe("older layouts", () => {
  it("adds the optional columns a later version introduced to an existing runs table, keeping its rows", async () => {
    const lancedb = await import("@lancedb/lancedb");
    const { Schema } = await import("apache-arrow");
    const { runsSchema, runToRow } = await import("../src/tables.js");
    const current = runsSchema();
    const older = new Schema(
      current.fields.filter((field) => field.name !== "usage" && field.name !== "skippedTaskKeys"),
      current.metadata,
    );
    const run = runFor("run-old", "2025-06-01T09:00:00.000Z");
    const row = runToRow(run);
    delete row.usage;
    delete row.skippedTaskKeys;
    const connection = await lancedb.connect(directory);
    const table = await connection.createEmptyTable("runs", older);
    await table.add([row]);
    table.close();
    connection.close();

    const archive = await archiveAt();
    expect(await archive.getRun("run-old")).toStrictEqual(run);
    await archive.updateRun("run-old", { usage: { requests: 1, inputTokens: 2, outputTokens: 3 } });
    expect((await archive.getRun("run-old"))?.usage).toStrictEqual({
      requests: 1,
      inputTokens: 2,
      outputTokens: 3,
    });
  });
});
