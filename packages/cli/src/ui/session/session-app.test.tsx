import {
  createCandidate,
  type EvaluationQuery,
  type EvaluationRecord,
  type RunArchive,
  type RunControl,
  RunEventBus,
  type RunRecord,
} from "@kernelforge/core";
import { render } from "ink-testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import { a, b, firstRound, runId, skinny, square } from "../../dashboard/testing/run-events.js";
import { evaluationRecord, failedResult, okResult, runRecord } from "../../dashboard/testing/run-fixtures.js";
import { KEY, pressKeys, settle } from "../testing/terminal.js";
import { SessionApp, type SessionAppProps, type StartedRun } from "./session-app.js";

/** An archive held in memory, answering queries as the RunArchive contract says. */
function memoryArchive(
  runs: RunRecord[],
  records: EvaluationRecord[],
): Pick<RunArchive, "listRuns" | "listEvaluations" | "getRun"> {
  return {
    listRuns: async () => [...runs].sort((x, y) => y.createdAt.localeCompare(x.createdAt)),
    getRun: async (id) => runs.find((run) => run.runId === id),
    listEvaluations: async (query: EvaluationQuery = {}) => {
      const statuses = query.status === undefined ? undefined : [query.status].flat();
      const found = records
        .filter(
          (record) =>
            (query.runId === undefined || record.runId === query.runId) &&
            (query.taskKey === undefined || record.taskKey === query.taskKey) &&
            (query.round === undefined || record.round === query.round) &&
            (statuses === undefined || statuses.includes(record.result.status)),
        )
        .sort(
          (x, y) => x.round - y.round || x.taskKey.localeCompare(y.taskKey) || x.groupIndex - y.groupIndex,
        );
      return query.limit === undefined ? found : found.slice(0, query.limit);
    },
  };
}

const estimatedRunId = "run-20251119-1800";

const promptCandidate = createCandidate({
  task: skinny,
  source: [
    "#include <cuda_fp16.h>",
    'extern "C" __global__ void skinny_gemm(const half* A, const half* B, half* C, int M, int N, int K) {',
    "  // one warp per 16 output columns, split-K over 4 warps",
    "}",
  ].join("\n"),
  entry: "skinny_gemm",
  launch: { grid: [256, 1, 1], block: [128, 1, 1] },
  provenance: {
    generator: "openai-compatible",
    parentIds: [b[0]!.id],
    configuration: { model: "qwen2.5-coder-32b", temperature: 0.8 },
    prompt: "Write an HGEMM kernel for M=16, N=4096, K=4096 (B is N×K).\nBeat cuBLAS on H100.",
    commentary: "M is tiny: split K across warps and reduce in shared memory.",
    createdAt: "2025-11-20T09:05:00.000Z",
  },
});

function archiveFixture() {
  const measured = runRecord(runId, [square, skinny]);
  const estimated = runRecord(estimatedRunId, [square], {
    measurement: "estimated",
    status: "cancelled",
    createdAt: "2025-11-19T18:00:00.000Z",
    devices: ["cost model (sm90)"],
  });
  const records = [
    evaluationRecord(
      runId,
      0,
      0,
      a[0]!,
      okResult(a[0]!, {
        cold: {
          candidate: 1000,
          baselines: { cublas: 1083, "cublaslt-heuristic": 1050, "cublaslt-autotuned": 1021 },
        },
        hot: { candidate: 900, baselines: { cublas: 950, "cublaslt-autotuned": 940 } },
      }),
      0.08,
    ),
    evaluationRecord(
      runId,
      0,
      1,
      a[1]!,
      failedResult(a[1]!, "wrong", "unwritten_output", "1024 output elements were never written"),
      -1,
    ),
    evaluationRecord(
      runId,
      0,
      2,
      a[2]!,
      okResult(a[2]!, {
        cold: { candidate: 950, baselines: { cublas: 1083, "cublaslt-autotuned": 1021 } },
        hot: { candidate: 980, baselines: { cublas: 950, "cublaslt-autotuned": 940 } },
      }),
      0.14,
    ),
    evaluationRecord(
      runId,
      0,
      3,
      a[3]!,
      failedResult(a[3]!, "compile_error", "nvcc", "ptxas error: too many resources requested"),
      -1,
    ),
    evaluationRecord(
      runId,
      0,
      0,
      b[0]!,
      okResult(b[0]!, { cold: { candidate: 50, baselines: { cublas: 60, "cublaslt-autotuned": 55 } } }),
      0.1,
    ),
    evaluationRecord(
      runId,
      1,
      0,
      promptCandidate,
      okResult(promptCandidate, {
        cold: { candidate: 52, baselines: { cublas: 60, "cublaslt-autotuned": 55 } },
      }),
      0.05,
    ),
    evaluationRecord(
      estimatedRunId,
      0,
      0,
      a[0]!,
      okResult(
        a[0]!,
        { cold: { candidate: 800, baselines: { cublas: 1000, "cublaslt-autotuned": 900 } } },
        { measurement: "estimated" },
      ),
      0.2,
    ),
  ];
  return memoryArchive([estimated, measured], records);
}

const configSummary = "template generator · nvcc · 2 tasks · 2 rounds × 4";

function setup(overrides: Partial<SessionAppProps> = {}) {
  const props: SessionAppProps = {
    archive: archiveFixture(),
    startRun: () => undefined,
    configSummary,
    ...overrides,
  };
  const screen = render(<SessionApp {...props} />);
  const press = (...keys: string[]) => pressKeys(screen, ...keys);
  return { screen, press, frame: () => screen.lastFrame() ?? "" };
}

let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
});

describe("SessionApp", () => {
  it("browses runs: menu, run list, a run's best kernels, the kernel inspector, and back with escape", async () => {
    const { screen, press, frame } = setup();
    cleanup = screen.unmount;
    await settle();
    expect(frame()).toContain(`❯ 1. Start a run (${configSummary})`);
    expect(frame()).toContain("2. Browse runs");
    expect(frame()).toContain("5. Quit");

    await press(KEY.down);
    expect(frame()).toContain("❯ 2. Browse runs");
    await press(KEY.enter);
    await settle();
    // Newest first; the estimated run says so.
    expect(frame()).toMatch(/❯ run-20251120-0900\s+finished\s+measured\s+2 {2}2025-11-20 09:00/);
    expect(frame()).toMatch(/run-20251119-1800\s+cancelled\s+estimated\s+1 {2}2025-11-19 18:00/);

    await press(KEY.enter);
    await settle();
    let text = frame();
    expect(text).toContain("Run run-20251120-0900 · finished · MEASURED");
    // Best kernel of 4096³ is a2: cold 1083/950 and 1021/950, hot 950/980 and 940/980.
    expect(text).toMatch(/❯ 4096x4096x4096\s+nn\s+4\s+2\s+1\.140×\s+1\.075×\s+0\.969×\s+0\.959×/);
    expect(text).toContain(
      `ok 2 · wrong 1 · compile_error 1 · fastest baseline cold: Lt-autotuned · best ${a[2]!.id.slice(0, 12)}`,
    );
    // The skinny task: b0 (60/50, 55/50) beats the prompted candidate (60/52, 55/52); no hot timing.
    expect(text).toMatch(/16x4096x4096\s+linear\s+2\s+2\s+1\.200×\s+1\.100×\s+—\s+—/);

    await press(KEY.enter);
    text = frame();
    expect(text).toContain(`candidate ${a[2]!.id} · 4096x4096x4096 nn sm90 · round 0 · sample 3`);
    expect(text).toContain("ok · best kernel · run run-20251120-0900 · MEASURED");
    expect(text).toMatch(/generator\s+template/);
    expect(text).toContain(
      "configuration family=ampere-mma blockM=256 blockN=128 blockK=32 stages=4 warps=8",
    );
    expect(text).toMatch(/registers\s+168/);
    expect(text).toMatch(/shared\s+49152 B static/);
    expect(text).toMatch(/spills\s+0 B stored \/ 0 B loaded/);
    expect(text).toContain(
      "✔ seed 1, before timing: relative error 3.20e-4 (tolerance 2.00e-3, cuBLAS 2.10e-4)",
    );
    expect(text).toContain("unwritten elements 0 · guard violations none");

    await press(KEY.pageDown);
    text = frame();
    expect(text).toContain("✔ seed 3, after timing: relative error 3.30e-4");
    expect(text).toContain("integer check: 0 mismatched elements");
    expect(text).toContain("machine code accumulates in: f32");
    expect(text).toContain("Timing cold (measured), median with spread");
    expect(text).toMatch(/cublas\s+1083\.00 µs {2}\(p25–p75 1072\.17–1093\.83, ±2\.0%\)\s+×1\.140/);
    expect(text).toContain("best baseline cublaslt-autotuned: ×1.075");

    await press(KEY.end);
    text = frame();
    expect(text).toMatch(/Source \(15 lines\)/);
    expect(text).toContain('extern "C" __global__ void __launch_bounds__(256) hgemm_kernel(');
    expect(text).toMatch(/15 │ }/);

    // The next candidates, best first: a0, then the failures in the order evaluated.
    await press(KEY.right, KEY.right);
    text = frame();
    expect(text).toContain(`candidate ${a[1]!.id}`);
    expect(text).toContain("candidate 3 of 4, best first");
    expect(text).toContain("✖ seed 1, before timing: relative error 4.10e-1 (tolerance 2.00e-3)");
    expect(text).toContain("unwritten elements 1024 · guard violations c:8");
    expect(text).toMatch(/spills\s+24 B stored \/ 24 B loaded/);
    expect(text).toContain("wrong (unwritten_output): 1024 output elements were never written");
    expect(text).toContain("integer check: 4096 mismatched elements");

    await press(KEY.escape);
    expect(frame()).toContain("best kernel per task");
    await press(KEY.escape);
    expect(frame()).toContain("❯ run-20251120-0900");
    await press("b");
    expect(frame()).toContain("❯ 2. Browse runs");
  });

  it("shows the prompt and commentary of a generated kernel", async () => {
    const { screen, press, frame } = setup();
    cleanup = screen.unmount;
    await settle();
    await press("2");
    await settle();
    await press(KEY.enter);
    await settle();
    await press(KEY.down, KEY.enter, KEY.right);
    const text = frame();
    expect(text).toContain(`candidate ${promptCandidate.id} · 16x4096x4096 linear sm90 · round 1 · sample 1`);
    expect(text).toMatch(/generator\s+openai-compatible/);
    expect(text).toContain(`parents       ${b[0]!.id}`);
    expect(text).toContain("configuration model=qwen2.5-coder-32b temperature=0.8");
    expect(text).toContain("Write an HGEMM kernel for M=16, N=4096, K=4096 (B is N×K).");
    expect(text).toContain("M is tiny: split K across warps and reduce in shared memory.");
  });

  it("labels an estimated run in the list and in its view", async () => {
    const { screen, press, frame } = setup();
    cleanup = screen.unmount;
    await settle();
    await press("2");
    await settle();
    await press(KEY.down, KEY.enter);
    await settle();
    const text = frame();
    expect(text).toContain("Run run-20251119-1800 · cancelled ·  ESTIMATED — model times, not measurements");
    expect(text).toContain("hot×best (estimated)");
    expect(text).toMatch(/4096x4096x4096\s+nn\s+1\s+1\s+1\.250×\s+1\.125×/);
    await press(KEY.enter);
    expect(frame()).toContain("ESTIMATED — model times, not measurements");
    await press(KEY.pageDown);
    expect(frame()).toContain("Timing cold (estimated), median with spread");
    expect(frame()).toMatch(/cublas\s+1000\.00 µs .*×1\.250/);
  });

  it("says no retriever is loaded when docs cannot be searched", async () => {
    const { screen, press, frame } = setup();
    cleanup = screen.unmount;
    await settle();
    await press("3");
    // The message wraps at the terminal's width.
    expect(frame().replace(/\s+/g, " ")).toContain(
      "No retriever is loaded: add a retriever plugin to `plugins` in kforge.config (docs/plugin-authoring.md has a worked example)",
    );
    await press(KEY.escape);
    expect(frame()).toContain("❯ 3. Search docs");
  });

  it("searches the docs with the loaded retrievers", async () => {
    const searchDocs = vi.fn(async (query: string) => [
      {
        source: "docs/ptx/cp-async.md",
        text: `cp.async.cg.shared.global copies 16 bytes from global to shared memory without staging in registers (${query}).`,
        score: 0.912,
      },
      { source: "docs/cuda/pipeline.md", text: "cuda::pipeline producer and consumer stages", score: 0.73 },
    ]);
    const { screen, press, frame } = setup({ searchDocs });
    cleanup = screen.unmount;
    await settle();
    await press("3");
    await press("c", "p", ".", "a", "s", "y", "n", "x", "\u007f", "c");
    expect(frame()).toContain("› cp.async");
    await press(KEY.enter);
    await settle();
    expect(searchDocs).toHaveBeenCalledWith("cp.async");
    const text = frame();
    expect(text).toContain("2 passages for “cp.async”");
    expect(text).toContain("1. docs/ptx/cp-async.md (score 0.912)");
    expect(text).toContain("cp.async.cg.shared.global copies 16 bytes from global to shared memory");
    expect(text).toContain("2. docs/cuda/pipeline.md (score 0.730)");
  });

  it("benches a kernel file at the default shape and shows the result, or the error", async () => {
    const bench = vi.fn(async (file: string, shape: string) =>
      file.endsWith("missing.cu")
        ? Promise.reject(new Error(`Cannot read ${file}: no such file`))
        : `${file} · hgemm_kernel · hgemm.f16f32.nn.${shape}.sm90\nstatus: ok\ncold: best baseline cublaslt-autotuned, speedup ×1.075`,
    );
    const { screen, press, frame } = setup({ bench });
    cleanup = screen.unmount;
    await settle();
    await press("4");
    expect(frame()).toContain("Kernel file");
    await press("kernels/tile128.cu", KEY.enter);
    expect(frame()).toContain("› 4096x4096x4096");
    await press(KEY.enter);
    await settle();
    expect(bench).toHaveBeenCalledWith("kernels/tile128.cu", "4096x4096x4096");
    expect(frame()).toContain("status: ok");
    expect(frame()).toContain("cold: best baseline cublaslt-autotuned, speedup ×1.075");

    // Again, with a shape that is not one, then a file that is missing.
    await press(KEY.enter, KEY.ctrlU, "missing.cu", KEY.enter, KEY.ctrlU, "4096x4096", KEY.enter);
    expect(frame()).toContain('Not a shape: "4096x4096"');
    expect(bench).toHaveBeenCalledTimes(1);
    await press("x1024", KEY.enter);
    await settle();
    expect(bench).toHaveBeenLastCalledWith("missing.cu", "4096x4096x1024");
    expect(frame()).toContain("✖ Cannot read missing.cu: no such file");
    await press(KEY.escape);
    expect(frame()).toContain("❯ 4. Bench a kernel file");
  });

  it("starts a run, shows its dashboard, and returns to the menu when it is over", async () => {
    const events = new RunEventBus();
    const control: RunControl = {
      paused: false,
      stopping: false,
      pause: vi.fn(),
      resume: vi.fn(),
      skipTask: vi.fn(),
      stop: vi.fn(),
    };
    let finish: (value: unknown) => void = () => {};
    const done = new Promise((resolve) => {
      finish = resolve;
    });
    const startRun = vi.fn(async (): Promise<StartedRun> => {
      // The loop starts after handing back its bus, as it archives the run record first.
      setImmediate(() => {
        for (const [, event] of firstRound()) events.emit(event.type, event.payload as never);
      });
      return { events, control, done };
    });
    const { screen, press, frame } = setup({ startRun });
    cleanup = screen.unmount;
    await settle();
    await press(KEY.enter);
    await settle(200);
    expect(startRun).toHaveBeenCalledTimes(1);
    expect(frame()).toContain("kforge run run-20251120-0900 MEASURED");
    expect(frame()).toMatch(/round 1\/2\s+\S+\s+87% 7\/8/);

    await press("q");
    expect(control.stop).toHaveBeenCalledTimes(1);
    expect(frame()).toContain("stopping: finishing 1 in flight");

    events.emit("run-finished", { runId, status: "cancelled", evaluated: 7, durationMilliseconds: 61_000 });
    finish(undefined);
    await settle(200);
    expect(frame()).toContain("stopped after 1m01s: 7 candidates evaluated");
    await press(KEY.enter);
    expect(frame()).toContain("❯ 1. Start a run");
    expect(events.listenerCount("run-started")).toBe(0);
  });

  it("explains when no run can be started", async () => {
    const { screen, press, frame } = setup();
    cleanup = screen.unmount;
    await settle();
    await press("1");
    expect(frame()).toContain("No run can be started with this configuration");
    await press(KEY.escape);
    expect(frame()).toContain("❯ 1. Start a run");
  });

  it("shows why a run failed to start", async () => {
    const { screen, press, frame } = setup({
      startRun: () => Promise.reject(new Error("no generator is configured (search.generator)")),
    });
    cleanup = screen.unmount;
    await settle();
    await press(KEY.enter);
    await settle();
    expect(frame()).toContain("✖ The run could not be started");
    expect(frame()).toContain("no generator is configured (search.generator)");
  });

  it("quits from the menu", async () => {
    const onExit = vi.fn();
    const { screen, press } = setup({ onExit });
    cleanup = screen.unmount;
    await settle();
    await press("5");
    expect(onExit).toHaveBeenCalledWith("quit");
  });
});
