import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  createCandidate,
  createContainer,
  createGemmTask,
  defaultConfig,
  type KernelCandidate,
  loadPlugins,
  RunEventBus,
  type RunEvents,
  resolveNamed,
  TOKENS,
} from "@kernelforge/core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import nvccEvaluatorPlugin, { type NvccEvaluator } from "../src/index.js";

// A host with three GPUs of one kind and the CUDA toolkit, where every harness is the protocol stand-in in
// test/support/fake-harness.mjs and compiling is skipped: what is under test is how candidates are spread
// over the GPUs, and what happens when one GPU's harness dies.
const fakeHarness = path.join(path.dirname(fileURLToPath(import.meta.url)), "support/fake-harness.mjs");
const uuid = (index: number) => `GPU-${index}0000000-aaaa-bbbb-cccc-dddddddddddd`;

vi.mock("@kernelforge/gpu-runner", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@kernelforge/gpu-runner")>()),
  locateNvcc: async () => ({
    path: "/opt/cuda/bin/nvcc",
    version: "13.0.88",
    release: "13.0",
    cudaHome: "/opt/cuda",
  }),
  listGpus: async () => ({
    driverTool: true,
    gpus: [0, 1, 2].map((index) => ({
      index,
      name: "NVIDIA H200",
      computeCapability: "9.0",
      memoryMebibytes: 143_771,
      driverVersion: "580.159.04",
      uuid: uuid(index),
    })),
  }),
  buildHarness: async () => ({ binary: fakeHarness }),
  locateCublas: async () => ({ found: true, directory: "/opt/cuda/lib64", searched: [] }),
}));

vi.mock("../src/static-checks.js", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../src/static-checks.js")>()),
  compileAndInspect: async (_toolchain: unknown, candidate: KernelCandidate) => ({
    ok: true,
    cubinPath: `/cache/${candidate.id}.cubin`,
    compile: {
      registers: 96,
      sharedBytes: 0,
      stackFrameBytes: 0,
      spillStoreBytes: 0,
      spillLoadBytes: 0,
      durationMilliseconds: 1,
      cached: true,
      log: "",
    },
  }),
}));

const PLUGIN = "@kernelforge/plugin-nvcc-evaluator";
const task = createGemmTask({ m: 2048, n: 2048, k: 2048 });

function kernel(entry: string, variant: number): KernelCandidate {
  return createCandidate({
    task,
    source: `#include <cuda_fp16.h>
extern "C" __global__ void ${entry}(const __half* A, const __half* B, __half* C, int M, int N, int K, void* workspace) {
  float acc = ${variant}.0f;
  if (M + N + K < 0) C[0] = __float2half(acc);
}
`,
    entry,
    launch: { grid: [16, 16, 1], block: [128, 1, 1] },
    provenance: { generator: "test", parentIds: [], createdAt: new Date().toISOString() },
  });
}

async function open(options: Record<string, unknown> = {}) {
  const events = new RunEventBus();
  const logs: RunEvents["log"][] = [];
  events.on("log", (entry) => logs.push(entry));
  const container = createContainer(defaultConfig(), events);
  await loadPlugins(
    container,
    [{ from: PLUGIN, options: { mode: "measured", compileConcurrency: 4, ...options } }],
    {
      searchDirectories: [],
      builtins: new Map([[PLUGIN, { plugin: nvccEvaluatorPlugin }]]),
    },
  );
  const evaluator = resolveNamed(
    container,
    TOKENS.gpuEvaluator,
    "nvcc-evaluator",
    "GPU evaluator",
  ) as NvccEvaluator;
  opened.push(evaluator);
  return { evaluator, logs };
}

const opened: NvccEvaluator[] = [];
let deadDirectory: string;

beforeEach(() => {
  deadDirectory = mkdtempSync(path.join(tmpdir(), "kforge-dead-gpus-"));
  vi.stubEnv("FAKE_HARNESS_DEAD_DIRECTORY", deadDirectory);
  vi.stubEnv("CUDA_VISIBLE_DEVICES", undefined);
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((evaluator) => evaluator.close()));
  vi.unstubAllEnvs();
});

describe("the nvcc evaluator on several GPUs", () => {
  it("drives one harness per visible GPU, each shown only its own GPU, and grows its concurrency to match", async () => {
    const { evaluator } = await open();
    const description = await evaluator.describe();
    expect(description.devices).toEqual([0, 1, 2].map((index) => `Fake GPU ${uuid(index)} (GPU ${index})`));
    expect(description.concurrency).toBe(4 + 3);
  });

  it("spreads candidates over every GPU, one at a time on each", async () => {
    const { evaluator } = await open();
    const candidates = Array.from({ length: 18 }, (_, index) => kernel("tc", index));
    const results = await Promise.all(candidates.map((candidate) => evaluator.evaluate(candidate, task)));
    expect(results.map((result) => result.status)).toEqual(candidates.map(() => "ok"));
    const perDevice = new Map<string, number>();
    for (const result of results) {
      perDevice.set(
        result.environment.device as string,
        (perDevice.get(result.environment.device as string) ?? 0) + 1,
      );
    }
    expect([...perDevice.keys()].sort()).toEqual([0, 1, 2].map((index) => `Fake GPU ${uuid(index)}`));
    for (const count of perDevice.values()) expect(count).toBeGreaterThanOrEqual(3);
    const statistics = await evaluator.deviceStatistics();
    expect(statistics.map((usage) => usage.completed).reduce((sum, count) => sum + count, 0)).toBe(18);
    expect(statistics.every((usage) => !usage.busy && usage.retired === undefined)).toBe(true);
  });

  it("uses only the GPUs named in `devices`, and only those CUDA_VISIBLE_DEVICES leaves visible", async () => {
    const chosen = await open({ devices: [2, 0] });
    expect((await chosen.evaluator.describe()).devices).toEqual([
      `Fake GPU ${uuid(2)} (GPU 2)`,
      `Fake GPU ${uuid(0)} (GPU 0)`,
    ]);
    vi.stubEnv("CUDA_VISIBLE_DEVICES", "1");
    const narrowed = await open();
    expect((await narrowed.evaluator.describe()).devices).toEqual([`Fake GPU ${uuid(1)} (GPU 1)`]);
    const refused = await open({ devices: [0] });
    await expect(refused.evaluator.describe()).rejects.toThrow(/no visible NVIDIA GPU has index 0/);
  });

  it("marks a candidate that kills its harness runtime_error, restarts that harness, and loses no other GPU", async () => {
    const { evaluator } = await open({ devices: [0, 1] });
    await evaluator.describe();
    const crash = await evaluator.evaluate(kernel("crash", 0), task);
    expect(crash).toMatchObject({ status: "runtime_error", reasonCode: "run:harness_exited" });
    const after = await Promise.all(
      Array.from({ length: 8 }, (_, index) => evaluator.evaluate(kernel("tc", 100 + index), task)),
    );
    expect(after.every((result) => result.status === "ok")).toBe(true);
    expect(new Set(after.map((result) => result.environment.device)).size).toBe(2);
    const statistics = await evaluator.deviceStatistics();
    expect(statistics.every((usage) => usage.retired === undefined)).toBe(true);
  });

  it("takes a GPU whose harness cannot restart out of service and goes on with the others", async () => {
    const { evaluator, logs } = await open({ devices: [0, 1] });
    await evaluator.describe();
    // From now on GPU 0's harness cannot start; the crash below kills the one running.
    writeFileSync(path.join(deadDirectory, uuid(0)), "");
    const results = await Promise.all([
      evaluator.evaluate(kernel("crash", 1), task),
      ...Array.from({ length: 9 }, (_, index) => evaluator.evaluate(kernel("tc", 200 + index), task)),
    ]);
    expect(results[0]).toMatchObject({ status: "runtime_error" });
    expect(results.slice(1).every((result) => result.status === "ok")).toBe(true);
    const statistics = await evaluator.deviceStatistics();
    expect(statistics.find((usage) => usage.device.endsWith("(GPU 0)"))?.retired).toMatch(/did not restart/);
    expect(statistics.find((usage) => usage.device.endsWith("(GPU 1)"))?.retired).toBeUndefined();
    expect(
      logs.some(
        (entry) =>
          entry.level === "warn" && /GPU 0\) taken out of service \(1 GPU\(s\) left\)/.test(entry.message),
      ),
    ).toBe(true);
    // With GPU 1 gone too, the evaluator says so instead of hanging.
    writeFileSync(path.join(deadDirectory, uuid(1)), "");
    const last = await Promise.allSettled([
      evaluator.evaluate(kernel("crash", 2), task),
      evaluator.evaluate(kernel("tc", 300), task),
    ]);
    const failure = last.find((outcome) => outcome.status === "rejected");
    expect(failure && (failure as PromiseRejectedResult).reason).toMatchObject({ code: "no_device_left" });
  });

  it("leaves out a GPU whose harness cannot start when using all of them, and refuses when it was named", async () => {
    writeFileSync(path.join(deadDirectory, uuid(1)), "");
    const all = await open();
    expect((await all.evaluator.describe()).devices).toEqual([
      `Fake GPU ${uuid(0)} (GPU 0)`,
      `Fake GPU ${uuid(2)} (GPU 2)`,
    ]);
    expect(
      all.logs.some((entry) => entry.level === "warn" && entry.message.startsWith("GPU 1 left out")),
    ).toBe(true);
    const named = await open({ devices: [0, 1] });
    await expect(named.evaluator.describe()).rejects.toThrow(/harness exited/);
  });
});
