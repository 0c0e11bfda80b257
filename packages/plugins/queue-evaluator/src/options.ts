import { z } from "zod";
import { NAME_PATTERN } from "./queue/queue-names.js";
import { parseRedisUrl, REDIS_URL_FORMS } from "./redis/redis-url.js";

export const PLUGIN_NAME = "queue-evaluator";

const name = z.string().regex(NAME_PATTERN, "use letters, digits, '_', '-' and '.' (at most 100)");

const redisUrl = z.string().refine(
  (text) => {
    try {
      parseRedisUrl(text);
      return true;
    } catch {
      return false;
    }
  },
  { message: `expected ${REDIS_URL_FORMS}` },
);

/** How `kforge worker` takes jobs; read by the worker side only. */
export const workerSettingsSchema = z
  .object({
    /**
     * How long a job's lock lasts without renewal. A worker renews it at half this while it evaluates; when a
     * worker dies its job is taken again once the lock has run out (and a stalled-job check has seen it).
     */
    lockSeconds: z.number().positive().max(3600).default(30),
    /** How often each worker looks for jobs whose lock ran out (stalled: their worker died). */
    stalledIntervalSeconds: z.number().positive().max(3600).default(15),
    /** Times a job may be found stalled (its worker lost) and taken again before it is failed for good. */
    maxStalledCount: z.number().int().min(0).max(100).default(2),
    /** How often a worker writes its heartbeat; it drops out of the live list after three missed ones. */
    heartbeatSeconds: z.number().positive().max(600).default(5),
    /**
     * Consecutive jobs whose evaluation threw (the evaluator could not work: no GPU, no compiler) after which
     * the worker stops taking jobs, rather than fail every job of the queue. Each such job is retried elsewhere.
     */
    maxConsecutiveFailures: z.number().int().min(1).max(1000).default(3),
    /** Jobs evaluated at once. Default: the concurrency its evaluator describes. */
    slots: z.number().int().positive().max(1024).optional(),
  })
  .strict();

/** Options of the queue evaluator: its entry's `options` in kforge.config.ts, shared by the orchestrator and the workers. */
export const queueEvaluatorOptionsSchema = z
  .object({
    /**
     * The Redis URL (`redis://[[user]:password@]host[:port][/db]`, `rediss://` for TLS). Default:
     * $KFORGE_REDIS_URL, then $REDIS_URL. Only its redacted form is ever printed.
     */
    redis: redisUrl.optional(),
    /** PEM file of the authority that signed the server's certificate, for `rediss://` with a private CA. */
    tlsCaFile: z.string().min(1).optional(),
    /** Base name of the queues (one per measurement kind: `<queue>-measured`, `<queue>-estimated`). */
    queue: name.default("kforge-evaluations"),
    /** Prefix of every Redis key (BullMQ's and the worker heartbeats). */
    prefix: name.default("kforge"),
    /** What the run measures; only workers whose evaluator does the same take its jobs. */
    measurement: z.enum(["measured", "estimated"]).default("measured"),
    /** Tries per job, including the first (a worker that fails, not one that dies: see `worker`). */
    attempts: z.number().int().min(1).max(100).default(3),
    /** Wait before a retry, doubled each time. */
    backoffSeconds: z.number().min(0).max(3600).default(5),
    /**
     * Longest wait for a result once a worker has taken the job (each time it is taken). Default: the config's
     * compile and run time limits plus a minute. A job past it is the run's `timeout` result.
     */
    jobTimeoutSeconds: z.number().positive().max(86_400).optional(),
    /** Longest time without any live worker of the run's measurement kind before evaluation fails (`no_workers`). */
    workerWaitSeconds: z.number().positive().max(86_400).default(120),
    /** How long finished jobs are kept, so that asking again for a candidate returns its result at once. */
    keepCompletedSeconds: z.number().int().min(0).default(86_400),
    /** How long failed jobs (the dead letters, with their reasons) are kept. */
    keepFailedSeconds: z
      .number()
      .int()
      .min(0)
      .default(7 * 86_400),
    /** How often the orchestrator reads the live workers (and publishes them to the dashboard). */
    pollSeconds: z.number().positive().max(600).default(5),
    /** Candidates in flight at once. Default: twice the slots of the live workers, so none waits for work. */
    concurrency: z.number().int().positive().max(100_000).optional(),
    worker: workerSettingsSchema.prefault({}),
  })
  .strict();

export type QueueEvaluatorOptions = z.output<typeof queueEvaluatorOptionsSchema>;
export type QueueEvaluatorOptionsInput = z.input<typeof queueEvaluatorOptionsSchema>;
export type WorkerSettings = z.output<typeof workerSettingsSchema>;

/** The Redis URL to use: the option, else $KFORGE_REDIS_URL, else $REDIS_URL. */
export function configuredRedisUrl(
  options: Pick<QueueEvaluatorOptions, "redis">,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  return options.redis || env.KFORGE_REDIS_URL || env.REDIS_URL || undefined;
}
