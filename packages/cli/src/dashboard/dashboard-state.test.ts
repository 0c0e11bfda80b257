import { describe, expect, it } from "vitest";
import {
  candidatesPerMinute,
  currentRoundProgress,
  currentTaskKey,
  type DashboardState,
  deviceBusyPercent,
  elapsedMilliseconds,
  inFlightCount,
  initialDashboardState,
  latestGeneratorStream,
  overallProgress,
  type RunEventMessage,
  reduceDashboard,
  rewardCurve,
  roundOrdinal,
  workersView,
} from "./dashboard-state.js";
import {
  A,
  a,
  B,
  b,
  evaluated,
  firstRound,
  reward,
  runId,
  started,
  worker,
  workersUpdated,
} from "./testing/run-events.js";
import { failedResult, okResult } from "./testing/run-fixtures.js";

/** Folds timed events into a state, as the store does. */
function fold(events: [number, RunEventMessage][], state: DashboardState = initialDashboardState()) {
  return events.reduce((current, [time, event]) => reduceDashboard(current, event, time), state);
}

describe("reduceDashboard", () => {
  it("starts from an empty waiting state", () => {
    const state = initialDashboardState();
    expect(state.status).toBe("waiting");
    expect(overallProgress(state)).toEqual({ done: 0, total: 0, fraction: 0 });
    expect(currentRoundProgress(state)).toBeUndefined();
  });

  it("follows a round: progress, best speedups per baseline, failures, in flight, throughput", () => {
    const state = fold(firstRound());
    expect(state.runId).toBe(runId);
    expect(state.measurement).toBe("measured");
    expect(state.devices).toEqual(["NVIDIA H100 80GB HBM3 (GPU 0)"]);
    expect(state.components?.generator).toBe("template");

    // 4 of A evaluated, 1 generation failure and 2 evaluations of B: 7 of 2 × 4 slots.
    expect(currentRoundProgress(state)).toEqual({ done: 7, total: 8, fraction: 0.875 });
    expect(overallProgress(state)).toEqual({ done: 7, total: 16, fraction: 0.4375 });
    expect(roundOrdinal(state, state.currentRound!)).toBe(1);

    const taskA = state.tasks[A]!;
    expect(taskA).toMatchObject({ evaluated: 4, ok: 2, failed: 2, skipped: false });
    expect(taskA.best.cold.cublas).toBeCloseTo(1083 / 950, 6);
    expect(taskA.best.cold["cublaslt-heuristic"]).toBeCloseTo(1.05, 6);
    expect(taskA.best.cold["cublaslt-autotuned"]).toBeCloseTo(1021 / 950, 6);
    // The best baseline cold is the autotuned one: 1.021 for a0, 1.0747 for a2.
    expect(taskA.best.cold.best).toBeCloseTo(1021 / 950, 6);
    // Hot: a0 beats both baselines (940/900), a2 does not.
    expect(taskA.best.hot.best).toBeCloseTo(940 / 900, 6);
    expect(taskA.best.hot.cublas).toBeCloseTo(950 / 900, 6);

    const taskB = state.tasks[B]!;
    expect(taskB).toMatchObject({ evaluated: 2, ok: 1, failed: 1, generationFailures: 1 });
    expect(taskB.best.cold.cublas).toBeCloseTo(1.2, 6);
    expect(taskB.best.hot).toEqual({});

    expect(state.failures.map((failure) => [failure.taskKey, failure.status, failure.code])).toEqual([
      [A, "wrong", "unwritten_output"],
      [A, "compile_error", "nvcc"],
      [B, "generation", "no_code"],
      [B, "runtime_error", "illegal_address"],
    ]);

    // b2 is still being evaluated.
    expect(inFlightCount(state)).toBe(1);
    expect(currentTaskKey(state)).toBe(B);

    // 6 evaluations in the first 60 s: 6 per minute; the device was busy 12 s of 60 s.
    expect(candidatesPerMinute(state, 60_000)).toBeCloseTo(6, 6);
    expect(deviceBusyPercent(state, 60_000)).toBeCloseTo(20, 6);
    expect(elapsedMilliseconds(state, 60_000)).toBe(60_000);
  });

  it("computes the reward curve per round with the best reward so far", () => {
    let state = fold(firstRound());
    state = fold(
      [
        [55_000, evaluated(0, 3, okResult(b[2]!, { cold: { candidate: 48, baselines: { cublas: 60 } } }))],
        [55_000, reward(b[2]!, 0.2)],
        [
          56_000,
          {
            type: "round-finished",
            payload: { runId, round: 0, evaluated: 7, bestSpeedups: { [A]: 1.07, [B]: 1.25 } },
          },
        ],
        [57_000, { type: "round-started", payload: { runId, round: 1 } }],
        [58_000, { type: "task-started", payload: { runId, round: 1, taskKey: A } }],
        [
          60_000,
          evaluated(1, 0, okResult(a[0]!, { cold: { candidate: 1000, baselines: { cublas: 1083 } } })),
        ],
        [60_000, reward(a[0]!, 0.1)],
        [61_000, evaluated(1, 1, failedResult(a[1]!, "timeout", "run_timeout", "run exceeded 10 s"))],
        [61_000, reward(a[1]!, -0.5)],
      ],
      state,
    );
    // Round 0 rewards: 0.08, -1, 0.14, -1, 0.1, -1, 0.2 → mean -2.48/7.
    const curve = rewardCurve(state);
    expect(curve).toHaveLength(2);
    expect(curve[0]!.round).toBe(0);
    expect(curve[0]!.meanReward).toBeCloseTo(-2.48 / 7, 9);
    expect(curve[0]!.bestSoFar).toBeCloseTo(0.2, 9);
    expect(curve[1]!.meanReward).toBeCloseTo(-0.2, 9);
    expect(curve[1]!.bestSoFar).toBeCloseTo(0.2, 9);
    expect(state.roundViews[0]!.bestSpeedups).toEqual({ [A]: 1.07, [B]: 1.25 });

    // Round 0 complete (8 slots), round 1 has 2 of 8.
    expect(currentRoundProgress(state)).toEqual({ done: 2, total: 8, fraction: 0.25 });
    expect(overallProgress(state)).toEqual({ done: 10, total: 16, fraction: 0.625 });
    expect(roundOrdinal(state, 1)).toBe(2);
    expect(currentTaskKey(state)).toBe(A);
  });

  it("counts restored results in progress but not in throughput or device time", () => {
    const state = fold([
      [0, started({ resumed: true })],
      [0, { type: "round-started", payload: { runId, round: 1 } }],
      [
        100,
        evaluated(
          1,
          0,
          okResult(
            a[0]!,
            { cold: { candidate: 1000, baselines: { cublas: 1083 } } },
            { deviceMilliseconds: 5_000 },
          ),
          true,
        ),
      ],
      [200, evaluated(1, 1, failedResult(a[1]!, "wrong", "mismatch", "relative error 0.41"), true)],
      [
        30_000,
        evaluated(
          1,
          2,
          okResult(
            a[2]!,
            { cold: { candidate: 950, baselines: { cublas: 1083 } } },
            { deviceMilliseconds: 3_000 },
          ),
        ),
      ],
    ]);
    expect(state.resumed).toBe(true);
    expect(state.restored).toBe(2);
    expect(state.evaluated).toBe(3);
    expect(state.tasks[A]!.best.cold.cublas).toBeCloseTo(1083 / 950, 6);
    // Round 0 was done before the resume: 8 + 3 of 16.
    expect(overallProgress(state)).toEqual({ done: 11, total: 16, fraction: 11 / 16 });
    expect(currentRoundProgress(state)?.done).toBe(3);
    // Only the evaluation done by this process counts: 1 in 60 s, device busy 3 s of 60 s.
    expect(candidatesPerMinute(state, 60_000)).toBeCloseTo(1, 6);
    expect(deviceBusyPercent(state, 60_000)).toBeCloseTo(5, 6);
  });

  it("leaves device busy undefined when no result reports device time", () => {
    const state = fold([
      [0, started()],
      [0, { type: "round-started", payload: { runId, round: 0 } }],
      [5_000, evaluated(0, 0, okResult(a[0]!, { cold: { candidate: 1000, baselines: { cublas: 1083 } } }))],
    ]);
    expect(deviceBusyPercent(state, 10_000)).toBeUndefined();
    expect(candidatesPerMinute(state, 10_000)).toBeCloseTo(6, 6);
  });

  it("drops evaluations older than the throughput window", () => {
    const events: [number, RunEventMessage][] = [
      [0, started({ rounds: 10 })],
      [0, { type: "round-started", payload: { runId, round: 0 } }],
    ];
    // 10 evaluations in the first minute, then 3 in the fifth.
    for (let i = 0; i < 10; i++)
      events.push([
        6_000 * (i + 1),
        evaluated(0, i, failedResult(a[0]!, "timeout", "compile_timeout", "nvcc took too long")),
      ]);
    for (let i = 0; i < 3; i++)
      events.push([
        240_000 + 10_000 * i,
        evaluated(0, i, failedResult(a[1]!, "timeout", "compile_timeout", "slow")),
      ]);
    const state = fold(events);
    expect(state.evaluationTimes).toHaveLength(3);
    // Window: 120 s .. 300 s holds the 3 late evaluations: 1 per minute.
    expect(candidatesPerMinute(state, 300_000)).toBeCloseTo(1, 6);
  });

  it("ignores suspect speedups for the best and lists them with the failures", () => {
    const state = fold([
      [0, started()],
      [0, { type: "round-started", payload: { runId, round: 0 } }],
      [100, { type: "task-started", payload: { runId, round: 0, taskKey: B } }],
      [
        5_000,
        evaluated(
          0,
          0,
          okResult(
            b[0]!,
            { cold: { candidate: 10, baselines: { cublas: 60 } } },
            { suspect: "6.0× the best baseline" },
          ),
        ),
      ],
      [6_000, evaluated(0, 1, okResult(b[1]!, { cold: { candidate: 50, baselines: { cublas: 60 } } }))],
    ]);
    expect(state.tasks[B]).toMatchObject({ ok: 2, suspect: 1 });
    expect(state.tasks[B]!.best.cold.cublas).toBeCloseTo(1.2, 6);
    expect(state.failures).toEqual([
      {
        id: 1,
        taskKey: B,
        round: 0,
        status: "suspect",
        reason: "6.0× the best baseline",
        candidateId: b[0]!.id,
      },
    ]);
  });

  it("keeps only the last six failures", () => {
    const events: [number, RunEventMessage][] = [[0, started()]];
    for (let i = 0; i < 9; i++)
      events.push([
        i,
        {
          type: "generation-failed",
          payload: { runId, round: 0, taskKey: A, failure: { code: `c${i}`, reason: "r" } },
        },
      ]);
    const state = fold(events);
    expect(state.failures.map((failure) => failure.code)).toEqual(["c3", "c4", "c5", "c6", "c7", "c8"]);
  });

  it("tracks pause, skip, stop and the end of the run", () => {
    let state = fold(firstRound());
    state = fold(
      [
        [51_000, { type: "run-paused", payload: { runId } }],
        [52_000, { type: "run-resumed", payload: { runId } }],
        [53_000, { type: "task-skipped", payload: { runId, taskKey: B } }],
      ],
      state,
    );
    expect(state.paused).toBe(false);
    expect(state.tasks[B]!.skipped).toBe(true);
    expect(currentTaskKey(state)).toBeUndefined();

    state = reduceDashboard(state, { type: "run-paused", payload: { runId } }, 53_500);
    expect(state.paused).toBe(true);
    state = reduceDashboard(state, { type: "run-stopping", payload: { runId, inFlight: 1 } }, 54_000);
    expect(state).toMatchObject({ stopping: true, stoppingInFlight: 1 });
    state = reduceDashboard(
      state,
      {
        type: "run-finished",
        payload: { runId, status: "cancelled", evaluated: 7, durationMilliseconds: 60_000 },
      },
      60_000,
    );
    expect(state).toMatchObject({ status: "cancelled", paused: false, durationMilliseconds: 60_000 });
    expect(inFlightCount(state)).toBe(0);
    // Cancelled: the overall progress stays where the run stopped.
    expect(overallProgress(state).done).toBe(7);
    // Elapsed time stops at the end.
    expect(elapsedMilliseconds(state, 600_000)).toBe(60_000);
  });

  it("reaches 100% when the run finishes", () => {
    const state = fold([
      ...firstRound(),
      [
        90_000,
        {
          type: "run-finished",
          payload: { runId, status: "finished", evaluated: 16, durationMilliseconds: 90_000 },
        },
      ],
    ]);
    expect(overallProgress(state)).toEqual({ done: 16, total: 16, fraction: 1 });
    expect(currentRoundProgress(state)).toEqual({ done: 8, total: 8, fraction: 1 });
    expect(state).toMatchObject({ status: "finished", finalEvaluated: 16, durationMilliseconds: 90_000 });
  });

  it("records a failed run and warnings", () => {
    const state = fold([
      [0, started()],
      [1, { type: "log", payload: { level: "info", source: "loop", message: "round 1" } }],
      [
        2,
        {
          type: "log",
          payload: { level: "warn", source: "nvcc", message: "compile cache is \u001b[31mcold\u001b[0m" },
        },
      ],
      [
        3,
        {
          type: "run-failed",
          payload: { runId, error: { code: "evaluator_lost", message: "the harness died" } },
        },
      ],
    ]);
    expect(state.status).toBe("failed");
    expect(state.error).toEqual({ code: "evaluator_lost", message: "the harness died" });
    expect(state.logs).toEqual([{ level: "warn", source: "nvcc", message: "compile cache is cold" }]);
  });

  it("infers rounds numbered from 1", () => {
    const state = fold([
      [0, started()],
      [0, { type: "round-started", payload: { runId, round: 1 } }],
      [1, evaluated(1, 0, failedResult(a[0]!, "wrong", "mismatch", "bad"))],
    ]);
    expect(state.roundBase).toBe(1);
    expect(roundOrdinal(state, 1)).toBe(1);
    expect(overallProgress(state)).toEqual({ done: 1, total: 16, fraction: 1 / 16 });
  });

  it("buffers streamed generator text into its last lines, per sample", () => {
    const chunks = ["Analysis: the tile is ", "too small.\nUse 128x256", " tiles\r\n", "with 4 stages.\n"];
    let state = fold([[0, started()]]);
    for (const text of chunks)
      state = reduceDashboard(
        state,
        { type: "generator-text", payload: { runId, taskKey: A, candidateIndex: 2, text } },
        1,
      );
    expect(latestGeneratorStream(state)).toEqual({
      taskKey: A,
      candidateIndex: 2,
      lines: ["Analysis: the tile is too small.", "Use 128x256 tiles", "with 4 stages.", ""],
    });
    const many = Array.from({ length: 12 }, (_, i) => `line ${i}`).join("\n");
    state = reduceDashboard(
      state,
      { type: "generator-text", payload: { runId, taskKey: B, candidateIndex: 0, text: many } },
      2,
    );
    const stream = latestGeneratorStream(state)!;
    expect(stream.taskKey).toBe(B);
    expect(stream.lines).toEqual([
      "line 4",
      "line 5",
      "line 6",
      "line 7",
      "line 8",
      "line 9",
      "line 10",
      "line 11",
    ]);
  });

  it("does not modify the state it is given", () => {
    const before = fold(firstRound());
    const snapshot = structuredClone(before);
    reduceDashboard(
      before,
      evaluated(0, 3, okResult(b[2]!, { cold: { candidate: 48, baselines: { cublas: 60 } } })),
      70_000,
    );
    expect(before).toEqual(snapshot);
  });
});

describe("queue workers", () => {
  it("keeps the latest list of live workers, also when it was published before the run started", () => {
    const before = fold([
      [0, workersUpdated([worker("gpu-a-1", ["NVIDIA H200 (GPU 0)", "NVIDIA H200 (GPU 1)"], 0, 18)])],
      [5, started()],
    ]);
    expect(before.workers?.list.map((entry) => entry.id)).toEqual(["gpu-a-1"]);
    const later = fold(
      [
        [
          10,
          workersUpdated([
            worker("gpu-a-1", ["NVIDIA H200 (GPU 0)", "NVIDIA H200 (GPU 1)"], 3, 18),
            worker("gpu-b-7", ["NVIDIA H100 80GB HBM3 (GPU 0)"], 1, 17),
          ]),
        ],
      ],
      before,
    );
    expect(later.workers?.updatedAt).toBe(10);
    expect(workersView(later)).toEqual({
      count: 2,
      busy: 4,
      slots: 35,
      entries: ["gpu-a-1: 2× NVIDIA H200, 3/18 busy", "gpu-b-7: NVIDIA H100 80GB HBM3, 1/17 busy"],
    });
  });

  it("shows no workers line for a local evaluator", () => {
    expect(workersView(fold(firstRound()))).toBeUndefined();
    expect(workersView(fold([[0, workersUpdated([])]]))).toEqual({
      count: 0,
      busy: 0,
      slots: 0,
      entries: [],
    });
  });
});
