import { describeError, KernelForgeError } from "@kernelforge/core";
import {
  connectRedis,
  describeWorker,
  listLiveWorkers,
  parseRedisUrl,
  type RedisEndpoint,
} from "@kernelforge/plugin-queue-evaluator";
import type { DoctorCheck, DoctorCheckResult } from "./doctor-check.js";

const DEFAULT_URL = "redis://127.0.0.1:6379";
const DEFAULT_PREFIX = "kforge";

/**
 * Whether the evaluation queue's Redis answers (with the credentials given), and the workers registered there:
 * one line per live worker (host, GPUs, slots in use). Only the redacted URL is ever shown.
 */
export const redisCheck: DoctorCheck = {
  id: "redis",
  label: "Redis",
  async run(env, options = {}) {
    const base = { id: "redis", label: "Redis" };
    const raw = options.queue?.url ?? env.KFORGE_REDIS_URL ?? env.REDIS_URL ?? DEFAULT_URL;
    const prefix = options.queue?.prefix ?? DEFAULT_PREFIX;
    let endpoint: RedisEndpoint;
    try {
      endpoint = parseRedisUrl(raw);
    } catch (error) {
      return {
        ...base,
        status: "error",
        summary: describeError(error),
        ...(error instanceof KernelForgeError && error.hint ? { hint: error.hint } : {}),
      };
    }
    const shown = endpoint.redacted;
    let workers: Awaited<ReturnType<typeof listLiveWorkers>>;
    try {
      const redis = await connectRedis(endpoint, {
        timeoutMilliseconds: 1_500,
        name: "kforge-doctor",
        ...(options.queue?.tlsCaFile ? { tlsCaFile: options.queue.tlsCaFile } : {}),
      });
      try {
        workers = await listLiveWorkers(redis, prefix);
      } finally {
        redis.disconnect();
      }
    } catch (error) {
      const refused = error instanceof KernelForgeError && error.code === "redis_auth_failed";
      return {
        ...base,
        status: refused ? "error" : "missing",
        summary: refused
          ? describeError(error)
          : `not reachable at ${shown} (${describeError(error).replace(/^cannot reach Redis at \S+: /, "")})`,
        hint: refused
          ? "Check the user and password in the Redis URL (redis://user:password@host:port)."
          : "Only needed to spread evaluation over several GPU hosts through a Redis queue; `kforge doctor --redis <url>` (or KFORGE_REDIS_URL) checks one.",
        details: { url: shown },
      };
    }
    const result: DoctorCheckResult = {
      ...base,
      status: "ok",
      summary: `reachable at ${shown}; ${workers.length === 0 ? "no live worker" : `${workers.length} live worker(s)`} under prefix ${prefix}`,
      details: { url: shown, prefix, workers },
    };
    if (workers.length > 0) result.lines = workers.map((worker) => describeWorker(worker));
    else
      result.hint = "Start `kforge worker --redis <url>` on each GPU host; it registers here while it runs.";
    return result;
  },
};
