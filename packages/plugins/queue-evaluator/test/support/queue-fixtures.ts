import {
  createCandidate,
  createContainer,
  defaultConfig,
  type GemmTask,
  type GenerationRequest,
  type KernelCandidate,
  type KernelForgeConfig,
  type KernelGenerator,
  loadPlugins,
  type RewardModel,
  RunEventBus,
  resolveNamed,
  TOKENS,
} from "@kernelforge/core";
import queueEvaluatorPlugin, {
  type QueueEvaluator,
  type QueueEvaluatorOptionsInput,
} from "../../src/index.js";

/** A candidate of `task` with a distinct source per `index`; `configuration` tells the stand-in what to do. */
export function standInCandidate(
  task: GemmTask,
  index: number,
  configuration: Record<string, unknown> = {},
): KernelCandidate {
  return createCandidate({
    task,
    source: `extern "C" __global__ void k(const void* A, const void* B, void* C, int M, int N, int K, void* w) { /* variant ${index} */ }`,
    entry: "k",
    launch: { grid: [1, 1, 1], block: [128, 1, 1] },
    provenance: {
      generator: "numbered",
      parentIds: [],
      configuration,
      createdAt: "2026-11-21T00:00:00.000Z",
    },
  });
}

/** Gives `count` distinct candidates per group (the group size), numbered from the group's seed. */
export class NumberedGenerator implements KernelGenerator {
  readonly apiVersion = "v1" as const;
  readonly name = "numbered";
  async generate(request: GenerationRequest) {
    return {
      candidates: Array.from({ length: request.count }, (_, index) =>
        standInCandidate(request.task, request.seed * 10_000 + index),
      ),
      failures: [],
    };
  }
}

/** Reward = the best speedup of an `ok` result, else -1. */
export class SpeedupReward implements RewardModel {
  readonly apiVersion = "v1" as const;
  readonly name = "speedup";
  async score(result: Parameters<RewardModel["score"]>[0]) {
    const speedup = result.status === "ok" ? (result.speedups?.cold?.best.speedup ?? 0) : -1;
    return {
      candidateId: result.candidateId,
      taskKey: result.taskKey,
      reward: speedup,
      basis: result.status,
      components: { speedup },
    };
  }
}

/** The queue evaluator as a run gets it: loaded through the plugin loader, with its events on `events`. */
export async function loadQueueEvaluator(
  options: QueueEvaluatorOptionsInput,
  config: KernelForgeConfig = defaultConfig(),
  events: RunEventBus = new RunEventBus(),
): Promise<QueueEvaluator> {
  const container = createContainer(config, events);
  const from = "@kernelforge/plugin-queue-evaluator";
  await loadPlugins(container, [{ from, options: options as Record<string, unknown> }], {
    searchDirectories: [],
    builtins: new Map([[from, { plugin: queueEvaluatorPlugin }]]),
  });
  return resolveNamed(container, TOKENS.gpuEvaluator, "queue-evaluator", "GPU evaluator") as QueueEvaluator;
}

/** A key prefix no other test uses, so tests sharing one Redis never see each other's jobs. */
export function uniquePrefix(label: string): string {
  return `kforge-test-${label}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}
