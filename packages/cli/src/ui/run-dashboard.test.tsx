import { type RunControl, RunEventBus } from "@kernelforge/core";
import { render } from "ink-testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RunEventMessage } from "../dashboard/dashboard-state.js";
import {
  A,
  B,
  b,
  evaluated,
  firstRound,
  runId,
  square,
  worker,
  workersUpdated,
} from "../dashboard/testing/run-events.js";
import { makeCandidate, okResult } from "../dashboard/testing/run-fixtures.js";
import { type DashboardExitReason, RunDashboard } from "./run-dashboard.js";
import { KEY, pressKeys, settle } from "./testing/terminal.js";

const FRAME = 10;

/** A run control that records what it was asked and announces it on the bus, as the run loop does. */
class RecordingControl implements RunControl {
  readonly calls: string[] = [];
  paused = false;
  stopping = false;
  constructor(
    private readonly bus: RunEventBus,
    private readonly inFlight: () => number,
  ) {}
  pause(): void {
    this.calls.push("pause");
    if (this.paused) return;
    this.paused = true;
    this.bus.emit("run-paused", { runId });
  }
  resume(): void {
    this.calls.push("resume");
    if (!this.paused) return;
    this.paused = false;
    this.bus.emit("run-resumed", { runId });
  }
  skipTask(taskKey: string): void {
    this.calls.push(`skip ${taskKey}`);
    this.bus.emit("task-skipped", { runId, taskKey });
  }
  stop(): void {
    this.calls.push("stop");
    if (this.stopping) return;
    this.stopping = true;
    this.bus.emit("run-stopping", { runId, inFlight: this.inFlight() });
  }
}

function setup(options: { done?: Promise<unknown>; onExit?: (reason: DashboardExitReason) => void } = {}) {
  const bus = new RunEventBus();
  const clock = { now: 0 };
  const control = new RecordingControl(bus, () => 1);
  const screen = render(
    <RunDashboard
      events={bus}
      control={control}
      now={() => clock.now}
      frameIntervalMilliseconds={FRAME}
      {...(options.done ? { done: options.done } : {})}
      {...(options.onExit ? { onExit: options.onExit } : {})}
    />,
  );
  const emit = (events: [number, RunEventMessage][]) => {
    for (const [time, event] of events) {
      clock.now = time;
      bus.emit(event.type, event.payload as never);
    }
  };
  return { bus, clock, control, screen, emit, frame: () => screen.lastFrame() ?? "" };
}

let unmount: (() => void) | undefined;
afterEach(() => {
  unmount?.();
  unmount = undefined;
});

describe("RunDashboard", () => {
  it("shows progress, best speedups per task, throughput and the recent failures of a measured run", async () => {
    const { screen, emit, clock, frame } = setup();
    unmount = screen.unmount;
    emit(firstRound());
    clock.now = 60_000;
    await settle(80);
    const text = frame();
    expect(text).toContain("kforge run run-20251120-0900");
    expect(text).toContain("MEASURED");
    expect(text).not.toContain("ESTIMATED");
    expect(text).toContain("NVIDIA H100 80GB HBM3 (GPU 0) · 2 rounds × 2 tasks × 4 candidates");
    expect(text).toContain("generator template · evaluator nvcc · reward speedup · trainer grpo");
    // 7 of the round's 8 slots, 7 of the run's 16.
    expect(text).toMatch(/round 1\/2\s+[█▉▊▋▌▍▎▏░]+\s+87% 7\/8/);
    expect(text).toMatch(/overall\s+[█▉▊▋▌▍▎▏░]+\s+43% 7\/16/);
    // 4096³: best cold ×cuBLAS 1083/950, ×Lt-heuristic 1050/1000, ×Lt-autotuned 1021/950, best hot 940/900.
    expect(text).toMatch(/ {2}4096x4096x4096\s+nn\s+4\s+2\s+1\.140×\s+1\.050×\s+1\.075×\s+1\.044×/);
    // The skinny task is being worked on, with no Lt-heuristic figure and no hot timing yet.
    expect(text).toMatch(/▶ 16x4096x4096\s+linear\s+2\s+1\s+1\.200×\s+—\s+1\.100×\s+—/);
    expect(text).toContain(
      "6.0 cand/min · device busy 20% · 1 in flight · 6 evaluated · 1 generation failure",
    );
    expect(text).toMatch(/reward\s+▄ mean −0\.447 \(round 1\) · best so far 0\.140/);
    expect(text).toMatch(
      /4096x4096x4096 nn\s+wrong\s+unwritten_output: 1024 output elements were never written/,
    );
    expect(text).toMatch(/16x4096x4096 linear\s+runtime_error\s+illegal_address: an illegal memory access/);
    expect(text).toMatch(/16x4096x4096 linear\s+generation\s+no_code: the reply held no code block/);
    expect(text).toContain("p pause · s skip 16x4096x4096 linear · q stop");
  });

  it("labels an estimated run very visibly", async () => {
    const { screen, emit, frame } = setup();
    unmount = screen.unmount;
    emit(firstRound({ measurement: "estimated" }));
    await settle(80);
    expect(frame()).toContain("ESTIMATED — model times, not measurements");
    expect(frame()).toContain("hot×best (estimated)");
    expect(frame()).not.toContain("MEASURED");
  });

  it("shows the live queue workers and their busy slots, and says so when none is live", async () => {
    const { screen, emit, frame } = setup();
    unmount = screen.unmount;
    emit(firstRound());
    expect(frame()).not.toContain("workers");
    emit([
      [
        9_000,
        workersUpdated([
          worker("gpu-a-1", ["NVIDIA H200 (GPU 0)", "NVIDIA H200 (GPU 1)"], 2, 18),
          worker("gpu-b-7", ["NVIDIA H100 80GB HBM3 (GPU 0)"], 1, 17),
        ]),
      ],
    ]);
    await settle(80);
    // As many workers as fit the line (100 columns here), then how many more.
    expect(frame()).toMatch(
      /workers\s+2 live workers, 3\/35 slots busy · gpu-a-1: 2× NVIDIA H200, 2\/18 busy · \+1 more/,
    );
    emit([[10_000, workersUpdated([])]]);
    await settle(80);
    expect(frame()).toMatch(/workers\s+none live: start `kforge worker` on a GPU host/);
  });

  it("shows the generator's streamed text", async () => {
    const { screen, emit, frame } = setup();
    unmount = screen.unmount;
    emit(firstRound());
    emit([
      [
        61_000,
        { type: "generator-text", payload: { runId, taskKey: A, candidateIndex: 1, text: "Plan: 128x256 " } },
      ],
      [
        61_500,
        {
          type: "generator-text",
          payload: { runId, taskKey: A, candidateIndex: 1, text: "tiles\nwith 4 stages" },
        },
      ],
    ]);
    await settle(80);
    expect(frame()).toContain("generator · 4096x4096x4096 nn · sample 2");
    expect(frame()).toContain("│ Plan: 128x256 tiles");
    expect(frame()).toContain("│ with 4 stages");
  });

  it("p pauses then resumes, s skips the current task, q stops and shows what is finishing", async () => {
    const { screen, emit, control, frame } = setup();
    unmount = screen.unmount;
    emit(firstRound());
    await settle(80);

    await pressKeys(screen, "p");
    expect(control.calls).toEqual(["pause"]);
    expect(frame()).toContain("PAUSED");
    expect(frame()).toContain("p resume");

    await pressKeys(screen, "p");
    expect(control.calls).toEqual(["pause", "resume"]);
    expect(frame()).not.toContain("PAUSED");

    await pressKeys(screen, "s");
    expect(control.calls).toEqual(["pause", "resume", `skip ${B}`]);
    expect(frame()).toMatch(/16x4096x4096\s+linear.*skipped/);
    expect(frame()).toContain("skipping 16x4096x4096 linear");

    await pressKeys(screen, "q");
    expect(control.calls).toEqual(["pause", "resume", `skip ${B}`, "stop"]);
    expect(frame()).toContain("stopping: finishing 1 in flight");

    // The evaluation in flight finishes: the count follows.
    emit([
      [62_000, evaluated(0, 3, okResult(b[2]!, { cold: { candidate: 48, baselines: { cublas: 60 } } }))],
    ]);
    await settle(80);
    expect(frame()).toContain("stopping: finishing 0 in flight");
  });

  it("skips nothing when no task is being worked on", async () => {
    const { screen, emit, control, frame } = setup();
    unmount = screen.unmount;
    emit(firstRound().slice(0, 2));
    await settle(80);
    await pressKeys(screen, "s");
    expect(control.calls).toEqual([]);
    expect(frame()).toContain("no task is being worked on");
  });

  it("treats the first Ctrl+C as q and the second as an interrupt", async () => {
    const onExit = vi.fn();
    const { screen, emit, control, frame } = setup({ onExit });
    unmount = screen.unmount;
    emit(firstRound());
    await settle(80);
    await pressKeys(screen, KEY.ctrlC);
    expect(control.calls).toEqual(["stop"]);
    expect(frame()).toContain("stopping: finishing 1 in flight");
    expect(onExit).not.toHaveBeenCalled();
    // The dashboard only calls onExit: there is no new frame to wait for.
    screen.stdin.write(KEY.ctrlC);
    await settle(80);
    expect(onExit).toHaveBeenCalledWith("interrupt");
  });

  it("offers to close once the run loop has returned", async () => {
    const onExit = vi.fn();
    let finish: (value: unknown) => void = () => {};
    const done = new Promise((resolve) => {
      finish = resolve;
    });
    const { screen, emit, control, frame } = setup({ done, onExit });
    unmount = screen.unmount;
    emit(firstRound());
    emit([
      [
        90_000,
        {
          type: "run-finished",
          payload: { runId, status: "finished", evaluated: 16, durationMilliseconds: 90_000 },
        },
      ],
    ]);
    finish({ runId });
    await settle(80);
    expect(frame()).toContain("✔ finished in 1m30s: 16 candidates evaluated");
    expect(frame()).toMatch(/overall\s+[█]+\s+100% 16\/16/);
    expect(frame()).toContain("q / enter  close");
    // The dashboard only calls onExit: there is no new frame to wait for.
    screen.stdin.write(KEY.enter);
    await settle(80);
    expect(onExit).toHaveBeenCalledWith("done");
    expect(control.calls).toEqual([]);
  });

  it("shows the error of a run that failed", async () => {
    const { screen, emit, frame } = setup({ done: Promise.reject(new Error("the harness process exited")) });
    unmount = screen.unmount;
    emit(firstRound().slice(0, 3));
    emit([
      [
        5_000,
        {
          type: "run-failed",
          payload: { runId, error: { code: "evaluator_lost", message: "the harness process exited" } },
        },
      ],
    ]);
    await settle(80);
    expect(frame()).toContain("✖ run failed after 5s: evaluator_lost: the harness process exited");
  });

  it("renders at most about ten times a second however fast events arrive, and unsubscribes on unmount", async () => {
    const bus = new RunEventBus();
    const control = new RecordingControl(bus, () => 0);
    const screen = render(<RunDashboard events={bus} control={control} />);
    const before = screen.frames.length;
    const events = firstRound();
    const started = Date.now();
    // 2000 evaluations in about 300 ms.
    for (const [, event] of events) bus.emit(event.type, event.payload as never);
    const candidate = makeCandidate(square, 0);
    const result = okResult(candidate, { cold: { candidate: 1000, baselines: { cublas: 1083 } } });
    for (let i = 0; i < 2000; i++) {
      bus.emit("candidate-evaluated", { runId, round: 1, groupIndex: i % 4, result, restored: false });
      if (i % 200 === 0) await settle(30);
    }
    await settle(150);
    const elapsed = Date.now() - started;
    const frames = screen.frames.length - before;
    expect(frames).toBeGreaterThan(0);
    expect(frames).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 2);
    expect(screen.lastFrame()).toContain("2006 evaluated");
    expect(bus.listenerCount("run-started")).toBe(1);
    screen.unmount();
    expect(bus.listenerCount("run-started")).toBe(0);
  });
});
