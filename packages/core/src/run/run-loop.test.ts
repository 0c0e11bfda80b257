import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { configSchema } from "../config/config-schema.js";
import type { GpuEvaluator } from "../contracts/gpu-evaluator.js";
import type { GenerationRequest, KernelGenerator } from "../contracts/kernel-generator.js";
import type { PolicyCheckpoint, PolicyGroup, PolicyTrainer } from "../contracts/policy-trainer.js";
import type { RewardModel } from "../contracts/reward-model.js";
import type { SamplingPolicy } from "../contracts/sampling-policy.js";
import type { EvaluationResult } from "../domain/evaluation-result.js";
import { type GemmTask, taskKey } from "../domain/gemm-task.js";
import { createCandidate, type KernelCandidate } from "../domain/kernel-candidate.js";
import { RunEventBus, type RunEvents } from "../events/run-events.js";
import { MemoryRunArchive } from "./memory-run-archive.js";
import { type RunComponents, RunLoop } from "./run-loop.js";

const config = configSchema.parse({
  tasks: { shapes: ["64x128x256", "1x4096x4096", "512x512x512"], layouts: ["nn"] },
  search: { rounds: 3, groupSize: 4, seed: 7 },
});

/** Deterministic generator: candidates depend on the seed and the policy's version only. */
class SeededGenerator implements KernelGenerator {
  readonly apiVersion = "v1" as const;
  readonly name = "seeded";
  readonly requests: GenerationRequest[] = [];
  async generate(request: GenerationRequest) {
    this.requests.push(request);
    const candidates: KernelCandidate[] = [];
    for (let index = 0; index < request.count; index += 1) {
      const tile = 16 << ((request.seed + index * 3) % 4);
      candidates.push(
        createCandidate({
          task: request.task,
          source: `extern "C" __global__ void k(/* seed ${request.seed} index ${index} tile ${tile} policy ${request.policy?.version ?? "none"} */) {}`,
          entry: "k",
          launch: { grid: [1, 1, 1], block: [128, 1, 1] },
          provenance: {
            generator: this.name,
            parentIds: [],
            configuration: { tile },
            createdAt: "2026-11-21T00:00:00.000Z",
          },
        }),
      );
    }
    return { candidates, failures: [] };
  }
}

/** Evaluator stand-in: a speedup from the candidate id (half of them fail to compile). */
class TableEvaluator implements GpuEvaluator {
  readonly apiVersion = "v1" as const;
  readonly name = "table";
  readonly calls: string[] = [];
  constructor(
    readonly measurement: "measured" | "estimated" = "estimated",
    readonly onEvaluate?: (count: number) => void,
    readonly delayMilliseconds = 1,
  ) {}
  async describe() {
    return { name: this.name, measurement: this.measurement, devices: ["table"], concurrency: 3 };
  }
  async evaluate(candidate: KernelCandidate, task: GemmTask, options: { signal?: AbortSignal } = {}) {
    this.calls.push(candidate.id);
    this.onEvaluate?.(this.calls.length);
    await new Promise((resolve) => setTimeout(resolve, this.delayMilliseconds));
    options.signal?.throwIfAborted();
    const value = Number.parseInt(candidate.id.slice(0, 4), 16);
    const ok = value % 2 === 0;
    const speedup = 0.5 + (value % 100) / 100;
    const result: EvaluationResult = {
      candidateId: candidate.id,
      taskKey: taskKey(task),
      status: ok ? "ok" : "compile_error",
      measurement: this.measurement,
      environment: {},
      evaluatedAt: "2026-11-21T00:00:00.000Z",
      durationMilliseconds: 1,
      ...(ok
        ? {
            speedups: {
              cold: { perBaseline: { cublas: speedup }, best: { baseline: "cublas" as const, speedup } },
            },
          }
        : { reason: "nvcc refused it", reasonCode: "compile:error" }),
    };
    return result;
  }
  async close() {}
}

const reward: RewardModel = {
  apiVersion: "v1",
  name: "log-speedup",
  async score(result) {
    const speedup = result.speedups?.cold?.best.speedup;
    return {
      candidateId: result.candidateId,
      taskKey: result.taskKey,
      reward: speedup ? Math.log(speedup) : -1,
      basis: speedup ? "speedup" : result.status,
      components: {},
    };
  },
};

/** Trainer stand-in whose policy version counts the updates and the groups it saw. */
class CountingTrainer implements PolicyTrainer {
  readonly apiVersion = "v1" as const;
  readonly name = "counting";
  updates = 0;
  samplesSeen = 0;
  policy(): SamplingPolicy {
    return { kind: "counting", version: `u${this.updates}`, probabilities: () => undefined };
  }
  async update(groups: readonly PolicyGroup[]) {
    this.updates += 1;
    this.samplesSeen += groups.reduce((sum, group) => sum + group.samples.length, 0);
    return { steps: 1, metrics: { groups: groups.length }, version: `u${this.updates}` };
  }
  async checkpoint(): Promise<PolicyCheckpoint> {
    return {
      trainer: this.name,
      apiVersion: "v1",
      version: `u${this.updates}`,
      state: { updates: this.updates, samplesSeen: this.samplesSeen },
    };
  }
  async restore(checkpoint: PolicyCheckpoint) {
    const state = checkpoint.state as { updates: number; samplesSeen: number };
    this.updates = state.updates;
    this.samplesSeen = state.samplesSeen;
  }
}

function components(overrides: Partial<RunComponents> = {}): RunComponents & {
  generator: SeededGenerator;
  evaluator: TableEvaluator;
  policyTrainer: CountingTrainer;
  archive: MemoryRunArchive;
} {
  return {
    generator: new SeededGenerator(),
    evaluator: new TableEvaluator(),
    rewardModel: reward,
    policyTrainer: new CountingTrainer(),
    archive: new MemoryRunArchive(),
    events: new RunEventBus(),
    ...overrides,
  } as never;
}

function record<Type extends keyof RunEvents>(bus: RunEventBus, type: Type): RunEvents[Type][] {
  const seen: RunEvents[Type][] = [];
  bus.on(type, (payload) => seen.push(payload));
  return seen;
}

describe("RunLoop", () => {
  it("runs rounds × tasks × group, archives every evaluation and checkpoints every round", async () => {
    const parts = components();
    const evaluated = record(parts.events, "candidate-evaluated");
    const finished = record(parts.events, "round-finished");
    const summary = await new RunLoop(parts).start(config, "run-clean");
    expect(summary.status).toBe("finished");
    expect(summary.evaluated).toBe(3 * 3 * 4);
    expect(summary.roundsCompleted).toBe(3);
    expect(parts.evaluator.calls).toHaveLength(36);
    expect(new Set(parts.evaluator.calls).size).toBe(36);
    expect(evaluated.filter((event) => !event.restored)).toHaveLength(36);
    expect(finished.map((event) => event.round)).toEqual([0, 1, 2]);
    const archived = await parts.archive.listEvaluations({ runId: "run-clean" });
    expect(archived).toHaveLength(36);
    expect((await parts.archive.latestCheckpoint("run-clean"))?.round).toBe(2);
    expect(parts.policyTrainer.updates).toBe(3);
    expect((await parts.archive.getRun("run-clean"))?.status).toBe("finished");
    // The policy seen by round r's generations is the one after r updates.
    expect(parts.generator.requests.map((request) => request.policy?.version)).toEqual([
      ...Array(3).fill("u0"),
      ...Array(3).fill("u1"),
      ...Array(3).fill("u2"),
    ]);
    // Best speedups are the maximum over correct results of each task.
    for (const [key, best] of Object.entries(summary.bestSpeedups)) {
      const speedups = archived
        .filter((entry) => entry.taskKey === key && entry.result.status === "ok")
        .map((entry) => entry.result.speedups?.cold?.best.speedup ?? 0);
      expect(best).toBe(Math.max(...speedups));
    }
  });

  it("resumes a run cancelled mid-round with exactly the candidates of a clean run, none evaluated twice", async () => {
    const clean = components();
    await new RunLoop(clean).start(config, "run-a");
    const cleanIds = (await clean.archive.listEvaluations({ runId: "run-a" }))
      .map((entry) => `${entry.round}/${entry.candidate.id}`)
      .sort();

    const archive = new MemoryRunArchive();
    const controller = new AbortController();
    // Killed during round 1 (the 17th evaluation): evaluations in flight are lost.
    const first = components({
      archive,
      evaluator: new TableEvaluator("estimated", (count) => {
        if (count === 17) controller.abort();
      }),
    });
    const interrupted = await new RunLoop(first, { signal: controller.signal }).start(config, "run-a");
    expect(interrupted.status).toBe("cancelled");
    const afterKill = await archive.listEvaluations({ runId: "run-a" });
    expect(afterKill.length).toBeGreaterThanOrEqual(12);
    expect(afterKill.length).toBeLessThan(36);
    expect((await archive.latestCheckpoint("run-a"))?.round).toBe(0);

    const second = components({ archive });
    const resumed = await new RunLoop(second).resumeRun("run-a");
    expect(resumed.status).toBe("finished");
    expect(resumed.restored).toBe(afterKill.length - 12);
    expect(resumed.evaluated).toBe(36 - afterKill.length);
    const evaluatedAgain = second.evaluator.calls.filter((id) =>
      afterKill.some((entry) => entry.candidate.id === id),
    );
    expect(evaluatedAgain).toEqual([]);
    const resumedIds = (await archive.listEvaluations({ runId: "run-a" }))
      .map((entry) => `${entry.round}/${entry.candidate.id}`)
      .sort();
    expect(resumedIds).toEqual(cleanIds);
    // The policy was restored from round 0's checkpoint, then updated twice more.
    expect(second.policyTrainer.updates).toBe(3);
    expect(second.policyTrainer.samplesSeen).toBe(clean.policyTrainer.samplesSeen);
  });

  it("stops cleanly: work in flight finishes and is archived, the run is cancelled and resumable", async () => {
    const parts = components();
    const loop = new RunLoop(parts);
    const stopping = record(parts.events, "run-stopping");
    parts.events.on("candidate-evaluated", () => {
      if (!loop.stopping) loop.stop();
    });
    const summary = await loop.start(config, "run-stop");
    expect(summary.status).toBe("cancelled");
    expect(stopping).toHaveLength(1);
    const archived = await parts.archive.listEvaluations({ runId: "run-stop" });
    expect(archived.length).toBe(parts.evaluator.calls.length);
    expect(archived.length).toBeLessThan(12);
    expect(await parts.archive.latestCheckpoint("run-stop")).toBeUndefined();
    const resumed = await new RunLoop(components({ archive: parts.archive })).resumeRun("run-stop");
    expect(resumed.status).toBe("finished");
    expect(await parts.archive.listEvaluations({ runId: "run-stop" })).toHaveLength(36);
  });

  it("skips a task for the rest of the run, and a resumed run skips it too", async () => {
    const parts = components();
    const loop = new RunLoop(parts);
    const skippedKey = "hgemm.f16f32.nn.1x4096x4096.sm90";
    parts.events.on("round-finished", (event) => {
      if (event.round === 0) loop.skipTask(skippedKey);
    });
    const skipped = record(parts.events, "task-skipped");
    await loop.start(config, "run-skip");
    expect(skipped).toEqual([{ runId: "run-skip", taskKey: skippedKey }]);
    const archived = await parts.archive.listEvaluations({ runId: "run-skip", taskKey: skippedKey });
    expect(archived.map((entry) => entry.round)).toEqual([0, 0, 0, 0]);
    expect((await parts.archive.getRun("run-skip"))?.skippedTaskKeys).toEqual([skippedKey]);
  });

  it("pauses: nothing new starts until resumed", async () => {
    const parts = components();
    const loop = new RunLoop(parts);
    loop.pause();
    const done = loop.start(config, "run-pause");
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(parts.evaluator.calls).toHaveLength(0);
    loop.resume();
    const summary = await done;
    expect(summary.evaluated).toBe(36);
  });

  it("leaves no abort listener behind on the run's signal after pauses and resumes", async () => {
    const parts = components();
    const abort = new AbortController();
    const loop = new RunLoop(parts, { signal: abort.signal });
    loop.pause();
    const done = loop.start(config, "run-pause-listeners");
    for (let cycle = 0; cycle < 5; cycle++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      loop.resume();
      loop.pause();
    }
    loop.resume();
    expect((await done).evaluated).toBe(36);
    expect(getEventListeners(abort.signal, "abort")).toHaveLength(0);
  });

  it("lets dozens of evaluations listen to the run's signal without Node's listener-leak warning", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    try {
      const listenMany = (signal: AbortSignal) => {
        for (let index = 0; index < 20; index++) signal.addEventListener("abort", () => undefined);
      };
      const run = new AbortController();
      new RunLoop(components(), { signal: run.signal });
      listenMany(run.signal);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(warnings).not.toContain("MaxListenersExceededWarning");
      // The same on a signal no run loop was given: Node warns, so the check above can see the warning.
      listenMany(new AbortController().signal);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(warnings).toContain("MaxListenersExceededWarning");
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("passes the best earlier kernels of the task as contrastive context", async () => {
    const parts = components();
    await new RunLoop(parts).start(config, "run-context");
    const later = parts.generator.requests.filter((request) => request.round === 2);
    expect(later.every((request) => (request.context?.length ?? 0) > 0)).toBe(true);
    for (const request of later) {
      const speedups = (request.context ?? []).flatMap((example) =>
        example.speedup ? [example.speedup] : [],
      );
      expect(speedups).toEqual([...speedups].sort((a, b) => b - a));
    }
  });

  it("refuses to resume a run with a different measurement kind, an unknown run or a finished one", async () => {
    const parts = components();
    await new RunLoop(parts).start(config, "run-kind");
    await parts.archive.updateRun("run-kind", { status: "cancelled" });
    const measured = components({ archive: parts.archive, evaluator: new TableEvaluator("measured") });
    await expect(new RunLoop(measured).resumeRun("run-kind")).rejects.toMatchObject({
      code: "measurement_mismatch",
    });
    await expect(new RunLoop(components({ archive: parts.archive })).resumeRun("nope")).rejects.toMatchObject(
      {
        code: "run_not_found",
      },
    );
    await parts.archive.updateRun("run-kind", { status: "finished" });
    await expect(
      new RunLoop(components({ archive: parts.archive })).resumeRun("run-kind"),
    ).rejects.toMatchObject({
      code: "run_finished",
    });
  });

  it("records a failing evaluator as a failed run with the error, and rethrows", async () => {
    const broken = new TableEvaluator();
    broken.evaluate = async () => {
      throw new Error("harness binary missing");
    };
    const parts = components({ evaluator: broken });
    const failed = record(parts.events, "run-failed");
    await expect(new RunLoop(parts).start(config, "run-broken")).rejects.toThrow("harness binary missing");
    expect(failed[0]?.error.message).toBe("harness binary missing");
    expect((await parts.archive.getRun("run-broken"))?.status).toBe("failed");
  });
});

describe("RunLoop retrieval", () => {
  it("asks every retriever about the task and its latest failures, and hands the passages to the generator", async () => {
    const queries: string[] = [];
    const retriever = {
      apiVersion: "v1" as const,
      name: "notes",
      async retrieve(query: { text: string; limit: number }) {
        queries.push(query.text);
        return [
          {
            chunk: {
              id: "c1",
              source: "datasets/cuda-docs/split-k.md",
              section: "Split-K > Pitfalls",
              lineStart: 1,
              lineEnd: 9,
              text: "zero the workspace",
              tags: [],
            },
            score: 1,
            retriever: "notes",
          },
        ];
      },
    };
    const parts = components({ retrievers: [retriever] });
    const retrieved = record(parts.events, "passages-retrieved");
    await new RunLoop(parts).start(config, "run-retrieve");
    expect(queries).toHaveLength(9);
    expect(queries[0]).toContain("64x128x256");
    // 64x128x256 and 1x4096x4096 are skinny (M ≤ 64), 512³ is not.
    expect(queries.filter((text) => text.includes("skinny memory-bound"))).toHaveLength(6);
    // Half of the table's candidates fail to compile: later rounds ask about that failure.
    expect(queries.slice(3).every((text) => text.includes("failures: compile:error"))).toBe(true);
    expect(retrieved[0]?.sources).toEqual(["datasets/cuda-docs/split-k.md"]);
    expect(parts.generator.requests.every((request) => request.passages?.[0]?.chunk.id === "c1")).toBe(true);
  });
});

describe("RunLoop context selection", () => {
  it("asks the context selector, when one is bound, with the run's history and measurement kind", async () => {
    const calls: { task: string; history: number; measurement: string }[] = [];
    const parts = components({
      contextSelector: {
        apiVersion: "v1",
        name: "recording",
        select(task, history, options) {
          calls.push({ task: taskKey(task), history: history.length, measurement: options.measurement });
          const fastest = history.find((entry) => entry.result.status === "ok");
          return fastest ? [{ candidate: fastest.candidate, speedup: 1.5 }] : [];
        },
      },
    });
    await new RunLoop(parts).start(config, "run-selector");
    expect(calls).toHaveLength(9);
    expect(calls.every((call) => call.measurement === "estimated")).toBe(true);
    // Round 0 starts with no history; by round 2 every task's round-0 and round-1 results are in it.
    expect(calls[0]?.history).toBe(0);
    expect(calls.slice(6).every((call) => call.history >= 24)).toBe(true);
    const later = parts.generator.requests.filter((request) => request.round > 0);
    expect(later.every((request) => request.context?.[0]?.speedup === 1.5)).toBe(true);
  });
});

describe("RunLoop usage accounting", () => {
  it("sums the generator's requests and tokens per run, keeps them with the run and reports them", async () => {
    const generator = new SeededGenerator();
    const generate = generator.generate.bind(generator);
    generator.generate = async (request) => ({
      ...(await generate(request)),
      usage: {
        requests: request.count,
        inputTokens: 1000 * request.count,
        outputTokens: 300 * request.count,
      },
    });
    const parts = components({ generator });
    const finished = record(parts.events, "generation-finished");
    const summary = await new RunLoop(parts).start(config, "run-usage");
    // 3 rounds × 3 tasks × 4 samples.
    expect(finished).toHaveLength(9);
    expect(summary.usage).toEqual({ requests: 36, inputTokens: 36_000, outputTokens: 10_800 });
    expect((await parts.archive.getRun("run-usage"))?.usage).toEqual(summary.usage);
  });
});

describe("tasksFromConfig", () => {
  it("crosses plain shapes with every layout and keeps a shape's own layout when it names one", async () => {
    const { tasksFromConfig } = await import("./run-loop.js");
    const tasks = tasksFromConfig(
      configSchema.parse({
        tasks: { shapes: ["64x64x64", "16x14336x4096:linear", "64x64x64:nn"], layouts: ["nn", "linear"] },
      }),
    );
    expect(tasks.map(taskKey)).toEqual([
      "hgemm.f16f32.nn.64x64x64.sm90",
      "hgemm.f16f32.linear.64x64x64.sm90",
      "hgemm.f16f32.linear.16x14336x4096.sm90",
    ]);
    expect(configSchema.safeParse({ tasks: { shapes: ["64x64x64:tn"] } }).success).toBe(false);
  });
});
