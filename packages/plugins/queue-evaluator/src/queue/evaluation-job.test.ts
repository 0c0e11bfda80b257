import { createCandidate, createGemmTask, type EvaluationResult } from "@kernelforge/core";
import { describe, expect, it } from "vitest";
import { checkReturnedResult, readEvaluationJob } from "./evaluation-job.js";

const task = createGemmTask({ m: 64, n: 64, k: 64 });
const candidate = createCandidate({
  task,
  source: 'extern "C" __global__ void k() {}',
  entry: "k",
  launch: { grid: [1, 1, 1], block: [32, 1, 1] },
  provenance: { generator: "test", parentIds: [], createdAt: "2026-11-21T00:00:00.000Z" },
});
const job = { candidate, task, measurement: "measured", enqueuedAt: "2026-11-21T00:00:00.000Z" };

describe("readEvaluationJob", () => {
  it("accepts a job as the orchestrator writes it, after a trip through JSON", () => {
    const read = readEvaluationJob(JSON.parse(JSON.stringify(job)));
    expect(read).toEqual({ ok: true, job: JSON.parse(JSON.stringify(job)) });
  });

  it("refuses malformed jobs, tampered candidates and mismatched tasks, saying why", () => {
    expect(readEvaluationJob({ ...job, task: { ...task, m: -1 } })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^malformed job: task\.m/),
    });
    expect(readEvaluationJob("nonsense")).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/malformed/),
    });
    expect(readEvaluationJob({ ...job, candidate: { ...candidate, source: "changed" } })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/is not the hash of its content/),
    });
    expect(readEvaluationJob({ ...job, task: createGemmTask({ m: 128, n: 64, k: 64 }) })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/the candidate is for hgemm\.f16f32\.nn\.64x64x64\.sm90/),
    });
  });
});

describe("checkReturnedResult", () => {
  const result = {
    candidateId: candidate.id,
    taskKey: candidate.taskKey,
    status: "ok",
    measurement: "measured",
    environment: {},
    evaluatedAt: "2026-11-21T00:00:00.000Z",
    durationMilliseconds: 1,
  } satisfies EvaluationResult;

  it("passes a result of the candidate and of the run's measurement kind", () => {
    expect(checkReturnedResult(result, candidate, "measured")).toEqual({ ok: true, result });
  });

  it("refuses anything else, and never mixes estimated with measured", () => {
    expect(checkReturnedResult(null, candidate, "measured")).toMatchObject({ ok: false });
    expect(
      checkReturnedResult({ ...result, candidateId: "0".repeat(24) }, candidate, "measured"),
    ).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/result of 0{24}/),
    });
    expect(checkReturnedResult({ ...result, status: "great" }, candidate, "measured")).toMatchObject({
      ok: false,
    });
    expect(checkReturnedResult(result, candidate, "estimated")).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/never mixed/),
    });
  });
});
