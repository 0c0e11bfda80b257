import type { MeasurementKind } from "@kernelforge/core";

/**
 * The BullMQ queue a job goes to: one per measurement kind, so that a worker in estimate mode never takes a job
 * of a measured run (nor the other way round), and the two kinds are never mixed in one run.
 */
export function evaluationQueueName(queue: string, measurement: MeasurementKind): string {
  return `${queue}-${measurement}`;
}

/** Where a worker's heartbeat lives: `<prefix>:<queue>:workers:<id>`. */
export function workerKey(prefix: string, queue: string, id: string): string {
  return `${prefix}:${queue}:workers:${id}`;
}

/** The pattern of every worker key under a prefix, of one queue or of all. */
export function workerKeyPattern(prefix: string, queue?: string): string {
  return `${prefix}:${queue ?? "*"}:workers:*`;
}

/** Names of queues, prefixes and workers: letters, digits, `_`, `-` and `.` (Redis keys are built from them). */
export const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,100}$/;
