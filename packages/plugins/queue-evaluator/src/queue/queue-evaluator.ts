import {
  API_VERSION,
  type CallOptions,
  describeError,
  type EvaluationResult,
  type EvaluationWorkerStatus,
  type EvaluatorDescription,
  type GemmTask,
  type GpuEvaluator,
  type KernelCandidate,
  type KernelForgeConfig,
  KernelForgeError,
  pluginOptionsToken,
  type RunEventBus,
  TOKENS,
} from "@kernelforge/core";
import { Queue, QueueEvents } from "bullmq";
import { inject, injectable } from "inversify";
import type { Redis } from "ioredis";
import { configuredRedisUrl, PLUGIN_NAME, type QueueEvaluatorOptions } from "../options.js";
import { connectRedis } from "../redis/redis-connection.js";
import { connectionOptions, parseRedisUrl, type RedisEndpoint, redactSecrets } from "../redis/redis-url.js";
import { listLiveWorkers } from "../worker/worker-registry.js";
import { checkReturnedResult, EVALUATION_JOB_NAME, type EvaluationJobData } from "./evaluation-job.js";
import { queueFailureResult } from "./failure-result.js";
import { evaluationQueueName } from "./queue-names.js";
import { ResultWaiters } from "./result-waiters.js";

/** What the evaluator holds once connected. */
interface QueueSession {
  endpoint: RedisEndpoint;
  queue: Queue<EvaluationJobData, EvaluationResult>;
  events: QueueEvents;
  /** For the worker heartbeats. */
  redis: Redis;
}

/** A job's outcome as it reaches the waiting caller: the value returned by a worker, or the reason it failed. */
type JobOutcome =
  | { kind: "returned"; value: unknown }
  | { kind: "failed"; reason: string }
  | { kind: "timeout"; seconds: number };

/**
 * The GpuEvaluator of a run spread over GPU hosts: each candidate becomes a BullMQ job on Redis, taken by a
 * `kforge worker` on a GPU host, which evaluates it with its own evaluator and returns the result.
 *
 * - The job id is the candidate id: asking again for a candidate whose job exists joins it (and a finished job
 *   kept in Redis answers at once), so a candidate is queued at most once.
 * - Delivery is at least once: a job whose worker died is taken again by another once its lock runs out
 *   (BullMQ's stalled-job check). The first result of a candidate is its result; any later one is dropped.
 * - A job that fails on every attempt (`attempts`, with exponential backoff) is kept in BullMQ's failed set,
 *   the dead letters, with its reason, and the run gets a `runtime_error` result (`queue:failed`) saying why;
 *   a result that does not come within `jobTimeoutSeconds` of a worker taking the job is a `timeout`
 *   (`queue:no_result`). Neither hangs the run.
 * - Without a live worker of the run's measurement kind for `workerWaitSeconds`, evaluation fails with
 *   `no_workers`; Redis out of reach is `redis_unreachable`. Both say what to do.
 * - The live workers are read every `pollSeconds` and published as `workers-updated` events.
 *
 * The candidate's code never runs here: only on the workers, in their evaluator's harness processes.
 */
@injectable()
export class QueueEvaluator implements GpuEvaluator {
  readonly apiVersion = API_VERSION;
  readonly name = PLUGIN_NAME;
  readonly #waiters = new ResultWaiters<JobOutcome>();
  #session: Promise<QueueSession> | undefined;
  #poller: NodeJS.Timeout | undefined;
  #workers: EvaluationWorkerStatus[] = [];
  /** When a worker of the run's kind was last seen, or when the evaluator connected if none has been yet. */
  #lastWorkerSeenAt = 0;
  #closed = false;

  constructor(
    @inject(pluginOptionsToken<QueueEvaluatorOptions>(PLUGIN_NAME))
    private readonly options: QueueEvaluatorOptions,
    @inject(TOKENS.config) private readonly config: KernelForgeConfig,
    @inject(TOKENS.eventBus) private readonly events: RunEventBus,
  ) {}

  /** The live workers as last read (all kinds; the run uses those of its measurement kind). */
  get workers(): readonly EvaluationWorkerStatus[] {
    return this.#workers;
  }

  /** Results that arrived for a candidate already settled or no longer awaited (late duplicates). */
  get droppedResults(): number {
    return this.#waiters.dropped;
  }

  /**
   * Connects, then waits (up to `workerWaitSeconds`) for a live worker of the run's measurement kind. Devices
   * are the workers' devices (`worker: device`); concurrency is `concurrency`, else twice their slots.
   */
  async describe(options: CallOptions = {}): Promise<EvaluatorDescription> {
    await this.#open();
    const workers = await this.#waitForWorkers(options.signal);
    const slots = workers.reduce((sum, worker) => sum + worker.slots, 0);
    return {
      name: this.name,
      measurement: this.options.measurement,
      devices: workers.flatMap((worker) => worker.devices.map((device) => `${worker.id}: ${device}`)),
      concurrency: this.options.concurrency ?? Math.max(1, 2 * slots),
    };
  }

  async evaluate(
    candidate: KernelCandidate,
    task: GemmTask,
    options: CallOptions = {},
  ): Promise<EvaluationResult> {
    const started = performance.now();
    const signal = options.signal;
    signal?.throwIfAborted();
    const session = await this.#open();
    const outcome = this.#waiters.wait(candidate.id);
    let abandon: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      if (!signal) return;
      const onAbort = () => {
        if (this.#waiters.release(candidate.id)) void this.#withdraw(session, candidate.id);
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      abandon = () => signal.removeEventListener("abort", onAbort);
    });
    aborted.catch(() => undefined);
    try {
      await this.#submit(session, candidate, task);
      const settled = await Promise.race([outcome, aborted]);
      return this.#toResult(settled, candidate, started);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      this.#waiters.fail(candidate.id, error);
      throw error;
    } finally {
      abandon?.();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#poller);
    this.#poller = undefined;
    this.#waiters.failAll(
      new KernelForgeError("evaluator_closed", "the queue evaluator was closed while results were awaited"),
    );
    const session = await this.#session?.catch(() => undefined);
    this.#session = undefined;
    if (!session) return;
    await Promise.allSettled([session.events.close(), session.queue.close()]);
    session.redis.disconnect();
  }

  #open(): Promise<QueueSession> {
    if (this.#closed) {
      return Promise.reject(new KernelForgeError("evaluator_closed", "the queue evaluator was closed"));
    }
    this.#session ??= this.#connect().catch((error: unknown) => {
      this.#session = undefined;
      throw error;
    });
    return this.#session;
  }

  async #connect(): Promise<QueueSession> {
    const url = configuredRedisUrl(this.options);
    if (!url) {
      throw new KernelForgeError("redis_not_configured", "the queue evaluator has no Redis URL", {
        hint: "Set the queue-evaluator plugin's `redis` option, or KFORGE_REDIS_URL (redis://[[user]:password@]host[:port], rediss:// for TLS).",
      });
    }
    const endpoint = parseRedisUrl(url);
    const settings = { tlsCaFile: this.options.tlsCaFile };
    const redis = await connectRedis(endpoint, { ...settings, name: "kforge-orchestrator" });
    redis.on("error", (error: Error) =>
      this.#log("warn", `Redis at ${endpoint.redacted}: ${redactSecrets(error.message, endpoint)}`),
    );
    const connection = connectionOptions(endpoint, settings);
    const name = evaluationQueueName(this.options.queue, this.options.measurement);
    const queue = new Queue<EvaluationJobData, EvaluationResult>(name, {
      connection,
      prefix: this.options.prefix,
    });
    const events = new QueueEvents(name, { connection, prefix: this.options.prefix });
    const onError = (error: Error) =>
      this.#log("warn", `queue ${name} at ${endpoint.redacted}: ${redactSecrets(error.message, endpoint)}`);
    queue.on("error", onError);
    events.on("error", onError);
    events.on("completed", ({ jobId, returnvalue }) => {
      this.#waiters.settle(jobId, { kind: "returned", value: returnvalue });
    });
    events.on("failed", ({ jobId, failedReason }) => {
      this.#waiters.settle(jobId, { kind: "failed", reason: failedReason });
    });
    events.on("active", ({ jobId }) => this.#startClock(jobId));
    events.on("stalled", ({ jobId }) => {
      if (this.#waiters.has(jobId)) {
        this.#log(
          "warn",
          `the worker evaluating ${jobId} was lost; the job is taken again by another worker`,
        );
      }
    });
    await Promise.all([events.waitUntilReady(), queue.waitUntilReady()]);
    const session: QueueSession = { endpoint, queue, events, redis };
    this.#lastWorkerSeenAt = Date.now();
    await this.#poll(session);
    this.#poller = setInterval(() => void this.#poll(session), this.options.pollSeconds * 1000);
    this.#poller.unref();
    return session;
  }

  /**
   * Queues the candidate's job. When a job of that candidate exists, this is a no-op that joins it: a finished
   * one answers at once (a completed job with its result; a failed one, from an earlier request, is retried
   * with its attempts reset, since it was asked for again). Listening started before the job was added, so no
   * ending can be missed in between.
   */
  async #submit(session: QueueSession, candidate: KernelCandidate, task: GemmTask): Promise<void> {
    const data: EvaluationJobData = {
      candidate,
      task,
      measurement: this.options.measurement,
      enqueuedAt: new Date().toISOString(),
    };
    await session.queue.add(EVALUATION_JOB_NAME, data, {
      jobId: candidate.id,
      attempts: this.options.attempts,
      backoff: { type: "exponential", delay: this.options.backoffSeconds * 1000 },
      removeOnComplete: { age: this.options.keepCompletedSeconds },
      removeOnFail: { age: this.options.keepFailedSeconds },
    });
    const job = await session.queue.getJob(candidate.id);
    if (!job) return;
    const state = await job.getState();
    const earlier = job.data.enqueuedAt !== data.enqueuedAt;
    if (state === "completed") {
      this.#waiters.settle(candidate.id, { kind: "returned", value: job.returnvalue });
    } else if (state === "failed" && earlier) {
      this.#log(
        "info",
        `${candidate.id} was asked for again after its job failed (${job.failedReason}): retrying it`,
      );
      await job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
    } else if (state === "failed") {
      this.#waiters.settle(candidate.id, { kind: "failed", reason: job.failedReason ?? "failed" });
    } else if (state === "active") {
      this.#startClock(candidate.id);
    }
  }

  #startClock(jobId: string): void {
    const seconds =
      this.options.jobTimeoutSeconds ??
      this.config.evaluation.compileTimeoutSeconds + this.config.evaluation.runTimeoutSeconds + 60;
    this.#waiters.startClock(jobId, seconds * 1000, () => ({ kind: "timeout", seconds }));
  }

  #toResult(outcome: JobOutcome, candidate: KernelCandidate, started: number): EvaluationResult {
    const measurement = this.options.measurement;
    if (outcome.kind === "returned") {
      const checked = checkReturnedResult(outcome.value, candidate, measurement);
      if (checked.ok) return checked.result;
      return queueFailureResult(
        candidate,
        measurement,
        { status: "runtime_error", reasonCode: "queue:bad_result", reason: checked.reason },
        started,
      );
    }
    if (outcome.kind === "failed") {
      return queueFailureResult(
        candidate,
        measurement,
        {
          status: "runtime_error",
          reasonCode: "queue:failed",
          reason: `no worker could evaluate it (${this.options.attempts} attempt(s)); the job is kept in the failed set: ${outcome.reason}`,
        },
        started,
      );
    }
    return queueFailureResult(
      candidate,
      measurement,
      {
        status: "timeout",
        reasonCode: "queue:no_result",
        reason: `no result within ${outcome.seconds} s of a worker taking the job`,
      },
      started,
    );
  }

  /** A caller gave up: the job is removed if no worker has it yet (a worker's job finishes and is kept). */
  async #withdraw(session: QueueSession, jobId: string): Promise<void> {
    try {
      const job = await session.queue.getJob(jobId);
      if (job && (await job.isWaiting())) await job.remove();
    } catch {
      // Taken by a worker in the meantime: its result is kept for a later request.
    }
  }

  /** Reads the live workers, publishes them, and fails the waits when none has been seen for too long. */
  async #poll(session: QueueSession): Promise<void> {
    try {
      this.#workers = await listLiveWorkers(session.redis, this.options.prefix, this.options.queue);
    } catch (error) {
      this.#log(
        "warn",
        `cannot read the live workers: ${redactSecrets(describeError(error), session.endpoint)}`,
      );
      return;
    }
    this.events.emit("workers-updated", { evaluator: this.name, workers: this.#workers });
    if (this.#runnable().length > 0) this.#lastWorkerSeenAt = Date.now();
    else if (
      this.#waiters.pending > 0 &&
      Date.now() - this.#lastWorkerSeenAt >= this.options.workerWaitSeconds * 1000
    ) {
      this.#waiters.failAll(this.#noWorkersError(session));
    }
  }

  async #waitForWorkers(signal?: AbortSignal): Promise<EvaluationWorkerStatus[]> {
    const session = await this.#open();
    const since = Date.now();
    let announced = false;
    while (this.#runnable().length === 0) {
      signal?.throwIfAborted();
      if (Date.now() - since >= this.options.workerWaitSeconds * 1000) {
        throw this.#noWorkersError(session);
      }
      if (!announced) {
        announced = true;
        this.#log(
          "info",
          `waiting up to ${this.options.workerWaitSeconds} s for a ${this.options.measurement} worker on ${this.options.queue} at ${session.endpoint.redacted}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, this.options.pollSeconds * 1000)));
      await this.#poll(session);
    }
    return this.#runnable();
  }

  /** Live workers that take this run's jobs. */
  #runnable(): EvaluationWorkerStatus[] {
    return this.#workers.filter((worker) => worker.measurement === this.options.measurement);
  }

  #noWorkersError(session: QueueSession): KernelForgeError {
    const others = this.#workers.filter((worker) => worker.measurement !== this.options.measurement);
    return new KernelForgeError(
      "no_workers",
      `no live ${this.options.measurement} worker on queue ${this.options.queue} at ${session.endpoint.redacted} for ${this.options.workerWaitSeconds} s${others.length ? ` (${others.length} ${others[0]?.measurement} worker(s) are live: their results are not mixed with measured ones)` : ""}`,
      {
        hint: `Start \`kforge worker --redis ${session.endpoint.redacted}\` on a GPU host (same queue and prefix); \`kforge doctor --redis <url>\` lists the live workers.`,
      },
    );
  }

  #log(level: "debug" | "info" | "warn", message: string): void {
    this.events.emit("log", { level, source: this.name, message });
  }
}
