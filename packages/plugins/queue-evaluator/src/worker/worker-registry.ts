import type { EvaluationWorkerStatus } from "@kernelforge/core";
import type { Redis } from "ioredis";
import { workerKey, workerKeyPattern } from "../queue/queue-names.js";

/**
 * The live workers, as a key per worker holding its last reported status, written on every heartbeat with a
 * time to live of a few heartbeats: a worker that stops beating (killed, its host gone) drops out of the list
 * by itself.
 */

/** Writes (or refreshes) a worker's entry, kept for `ttlSeconds`. */
export async function registerWorker(
  redis: Redis,
  prefix: string,
  queue: string,
  status: EvaluationWorkerStatus,
  ttlSeconds: number,
): Promise<void> {
  await redis.set(
    workerKey(prefix, queue, status.id),
    JSON.stringify(status),
    "EX",
    Math.max(1, Math.ceil(ttlSeconds)),
  );
}

/** Removes a worker's entry (a worker that stops cleanly). */
export async function unregisterWorker(
  redis: Redis,
  prefix: string,
  queue: string,
  id: string,
): Promise<void> {
  await redis.del(workerKey(prefix, queue, id));
}

/** The live workers under a prefix (of one queue, or of every queue), ordered by id. */
export async function listLiveWorkers(
  redis: Redis,
  prefix: string,
  queue?: string,
): Promise<EvaluationWorkerStatus[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", workerKeyPattern(prefix, queue), "COUNT", 200);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== "0");
  if (keys.length === 0) return [];
  const values = await redis.mget(...new Set(keys));
  const workers: EvaluationWorkerStatus[] = [];
  for (const value of values) {
    const status = parseStatus(value);
    if (status) workers.push(status);
  }
  return workers.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function parseStatus(value: string | null): EvaluationWorkerStatus | undefined {
  if (value === null) return undefined;
  try {
    const status = JSON.parse(value) as Partial<EvaluationWorkerStatus>;
    if (typeof status.id !== "string" || typeof status.hostname !== "string") return undefined;
    if (!Array.isArray(status.devices) || typeof status.slots !== "number") return undefined;
    return status as EvaluationWorkerStatus;
  } catch {
    return undefined;
  }
}

/** One line per worker: `id (host): 2× NVIDIA H200, 1/2 busy, 340 done, measured, seen 3 s ago`. */
export function describeWorker(worker: EvaluationWorkerStatus, now: number = Date.now()): string {
  const counts = new Map<string, number>();
  for (const device of worker.devices) counts.set(device, (counts.get(device) ?? 0) + 1);
  const devices = [...counts].map(([name, count]) => (count > 1 ? `${count}× ${name}` : name)).join(", ");
  const seen = Math.max(0, Math.round((now - Date.parse(worker.lastSeenAt)) / 1000));
  return `${worker.id}${worker.id.startsWith(worker.hostname) ? "" : ` (${worker.hostname})`}: ${devices || "no device"}, ${worker.busy}/${worker.slots} busy, ${worker.completed} done, ${worker.measurement}, ${worker.evaluator} ${worker.version}, seen ${seen} s ago`;
}
