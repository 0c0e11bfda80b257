import { type BLayout, gemmFlops, parseTaskKey } from "@kernelforge/core";

/** What a report or an export needs to know about a task key. */
export interface TaskInfo {
  key: string;
  m: number;
  n: number;
  k: number;
  layout: BLayout;
  arch: string;
  /** 2·M·N·K. */
  flops: number;
  /** `4096×4096×4096`. */
  shape: string;
  /** `nn_4096x4096x4096_sm90`: a file-name and identifier-safe form of the key. */
  slug: string;
}

/** Parses a task key (throws a KernelForgeError for a malformed one). */
export function taskInfo(key: string): TaskInfo {
  const task = parseTaskKey(key);
  return {
    key,
    m: task.m,
    n: task.n,
    k: task.k,
    layout: task.layout,
    arch: task.arch,
    flops: gemmFlops(task),
    shape: `${task.m}×${task.n}×${task.k}`,
    slug: `${task.layout}_${task.m}x${task.n}x${task.k}_${task.arch}`,
  };
}

/** The run's task keys in order, then any other task key found in the evaluations (sorted). */
export function orderedTaskKeys(
  runTaskKeys: readonly string[],
  evaluationTaskKeys: Iterable<string>,
): string[] {
  const keys = [...new Set(runTaskKeys)];
  const extra = [...new Set(evaluationTaskKeys)].filter((key) => !keys.includes(key)).sort();
  return [...keys, ...extra];
}
