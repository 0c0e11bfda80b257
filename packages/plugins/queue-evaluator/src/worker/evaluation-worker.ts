import os from "node:os";
import {
  describeError,
  type EvaluationResult,
  type EvaluationWorkerStatus,
  type EvaluatorDescription,
  type GpuEvaluator,
  KernelForgeError,
} from "@kernelforge/core";
import { type Job, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { WorkerSettings } from "../options.js";
import { checkReturnedResult, type EvaluationJobData, readEvaluationJob } from "../queue/evaluation-job.js";
import { evaluationQueueName, NAME_PATTERN } from "../queue/queue-names.js";
import { connectRedis } from "../redis/redis-connection.js";
import {
  type ConnectionSettings,
  connectionOptions,
  type RedisEndpoint,
  redactSecrets,
} from "../redis/redis-url.js";
import { registerWorker, unregisterWorker } from "./worker-registry.js";

/** What a worker reports about each job it takes. */
export type WorkerJobEvent =
  | { type: "job-started"; candidateId: string; taskKey: string; attempt: number }
  | { type: "job-finished"; candidateId: string; status: string; milliseconds: number }
  | { type: "job-failed"; candidateId: string; reason: string; willRetry: boolean };

export interface EvaluationWorkerOptions extends ConnectionSettings {
  endpoint: RedisEndpoint;
  /** The evaluator the jobs are evaluated with (the nvcc evaluator on a GPU host). Closed by the caller. */
  evaluator: GpuEvaluator;
  /** Base queue name and key prefix, as the orchestrator's. */
  queue: string;
  prefix: string;
  settings: WorkerSettings;
  /** KernelForge version, reported in the heartbeat. */
  version: string;
  /** Unique name among the workers (default `<hostname>-<pid>`). */
  id?: string;
  onLog?: (level: "info" | "warn" | "error", message: string) => void;
  onJob?: (event: WorkerJobEvent) => void;
}

/**
 * Takes evaluation jobs from the queue of its evaluator's measurement kind and evaluates them with that
 * evaluator, `slots` at a time, returning each result to the orchestrator through BullMQ. It writes a
 * heartbeat (host, devices, slots in use) to Redis every `heartbeatSeconds`, which `kforge doctor` and the
 * run dashboard read.
 *
 * A job's lock is renewed while it is evaluated; if this process dies, another worker takes the job once the
 * lock has run out. A malformed job fails at once (no retry). When the evaluator throws — it cannot work (no
 * GPU, no compiler) — the job fails and is retried (up to its attempts, then it is a dead letter with the
 * reason); after `maxConsecutiveFailures` such jobs in a row the worker stops taking jobs, and `stopped`
 * resolves with the error.
 */
export class EvaluationWorker {
  readonly id: string;
  readonly #options: EvaluationWorkerOptions;
  readonly #description: EvaluatorDescription;
  readonly #worker: Worker<EvaluationJobData, EvaluationResult>;
  readonly #redis: Redis;
  readonly #startedAt = new Date().toISOString();
  readonly #slots: number;
  #busy = 0;
  #completed = 0;
  #consecutiveFailures = 0;
  #heartbeat: NodeJS.Timeout | undefined;
  #stopping: Promise<void> | undefined;
  #resolveStopped!: (error: KernelForgeError | undefined) => void;
  /** Resolves once the worker has stopped: with the error that stopped it, or undefined after `stop()`. */
  readonly stopped: Promise<KernelForgeError | undefined>;

  private constructor(
    options: EvaluationWorkerOptions,
    description: EvaluatorDescription,
    redis: Redis,
    id: string,
  ) {
    this.#options = options;
    this.#description = description;
    this.#redis = redis;
    this.id = id;
    this.#slots = options.settings.slots ?? Math.max(1, description.concurrency);
    this.stopped = new Promise((resolve) => {
      this.#resolveStopped = resolve;
    });
    const settings = options.settings;
    this.#worker = new Worker<EvaluationJobData, EvaluationResult>(
      evaluationQueueName(options.queue, description.measurement),
      (job, _token, signal) => this.#process(job, signal),
      {
        connection: { ...connectionOptions(options.endpoint, options), maxRetriesPerRequest: null },
        prefix: options.prefix,
        concurrency: this.#slots,
        lockDuration: settings.lockSeconds * 1000,
        stalledInterval: settings.stalledIntervalSeconds * 1000,
        maxStalledCount: settings.maxStalledCount,
        autorun: false,
        name: id,
      },
    );
    this.#worker.on("error", (error) => this.#log("warn", `queue: ${this.#redact(describeError(error))}`));
    this.#worker.on("failed", (job, error) => {
      if (!job) return;
      const willRetry = !(error instanceof UnrecoverableError) && job.attemptsMade < (job.opts.attempts ?? 1);
      this.#options.onJob?.({
        type: "job-failed",
        candidateId: job.id ?? "",
        reason: this.#redact(error.message),
        willRetry,
      });
    });
  }

  /**
   * Connects (a clear `redis_unreachable` or `redis_auth_failed` when it cannot), asks the evaluator what it
   * is, registers the heartbeat and starts taking jobs.
   */
  static async start(options: EvaluationWorkerOptions): Promise<EvaluationWorker> {
    const id = options.id ?? `${os.hostname()}-${process.pid}`;
    if (!NAME_PATTERN.test(id)) {
      throw new KernelForgeError("invalid_worker_name", `not a usable worker name: ${JSON.stringify(id)}`, {
        hint: "Use letters, digits, '_', '-' and '.' (at most 100).",
      });
    }
    const redis = await connectRedis(options.endpoint, { ...options, name: `kforge-worker-${id}` });
    let description: EvaluatorDescription;
    try {
      description = await options.evaluator.describe();
    } catch (error) {
      redis.disconnect();
      throw error;
    }
    const worker = new EvaluationWorker(options, description, redis, id);
    redis.on("error", (error: Error) => worker.#log("warn", `heartbeat: ${worker.#redact(error.message)}`));
    await worker.#beat();
    worker.#heartbeat = setInterval(() => void worker.#beat(), options.settings.heartbeatSeconds * 1000);
    worker.#heartbeat.unref();
    void worker.#worker.run().catch((error: unknown) => {
      worker.#log("error", `stopped taking jobs: ${worker.#redact(describeError(error))}`);
    });
    await worker.#worker.waitUntilReady();
    return worker;
  }

  /** What the heartbeat says about this worker now. */
  get status(): EvaluationWorkerStatus {
    return {
      id: this.id,
      hostname: os.hostname(),
      devices: this.#description.devices,
      measurement: this.#description.measurement,
      evaluator: this.#description.name,
      slots: this.#slots,
      busy: this.#busy,
      completed: this.#completed,
      version: this.#options.version,
      startedAt: this.#startedAt,
      lastSeenAt: new Date().toISOString(),
    };
  }

  /** The BullMQ queue it takes jobs from. */
  get queueName(): string {
    return evaluationQueueName(this.#options.queue, this.#description.measurement);
  }

  /**
   * Stops taking jobs, lets the jobs in evaluation finish (their results are returned) unless `force`, and
   * removes the heartbeat. With `force` the jobs in evaluation are abandoned: other workers take them again
   * once their locks run out. Idempotent; does not close the evaluator.
   */
  stop(options: { force?: boolean } = {}): Promise<void> {
    this.#stopping ??= this.#stop(options.force ?? false, undefined);
    return this.#stopping;
  }

  async #stop(force: boolean, error: KernelForgeError | undefined): Promise<void> {
    clearInterval(this.#heartbeat);
    await this.#worker.close(force).catch(() => undefined);
    await unregisterWorker(this.#redis, this.#options.prefix, this.#options.queue, this.id).catch(
      () => undefined,
    );
    this.#redis.disconnect();
    this.#resolveStopped(error);
  }

  async #process(
    job: Job<EvaluationJobData, EvaluationResult>,
    signal?: AbortSignal,
  ): Promise<EvaluationResult> {
    const read = readEvaluationJob(job.data);
    if (!read.ok) throw new UnrecoverableError(`${this.id}: ${read.reason}`);
    const { candidate, task, measurement } = read.job;
    if (measurement !== this.#description.measurement) {
      throw new UnrecoverableError(
        `${this.id}: the job is for a ${measurement} run but this worker's evaluator is ${this.#description.measurement}`,
      );
    }
    this.#busy += 1;
    const started = performance.now();
    this.#options.onJob?.({
      type: "job-started",
      candidateId: candidate.id,
      taskKey: candidate.taskKey,
      attempt: job.attemptsMade + 1,
    });
    try {
      const result = await this.#options.evaluator.evaluate(candidate, task, signal ? { signal } : {});
      const checked = checkReturnedResult(result, candidate, measurement);
      if (!checked.ok) throw new UnrecoverableError(`${this.id}: ${checked.reason}`);
      this.#completed += 1;
      this.#consecutiveFailures = 0;
      this.#options.onJob?.({
        type: "job-finished",
        candidateId: candidate.id,
        status: result.status,
        milliseconds: performance.now() - started,
      });
      return result;
    } catch (error) {
      if (error instanceof UnrecoverableError || signal?.aborted) throw error;
      // The evaluator throws only when it cannot work: the job is retried (elsewhere, if this host is broken),
      // and after a few in a row this worker stops taking jobs rather than fail every job of the queue.
      const detail = this.#redact(describeError(error));
      this.#consecutiveFailures += 1;
      if (this.#consecutiveFailures >= this.#options.settings.maxConsecutiveFailures) {
        const fatal = new KernelForgeError(
          error instanceof KernelForgeError ? error.code : "evaluator_failed",
          `the evaluator failed on ${this.#consecutiveFailures} job(s) in a row, so this worker stops taking jobs: ${detail}`,
          error instanceof KernelForgeError && error.hint ? { hint: error.hint } : {},
        );
        this.#log("error", fatal.message);
        this.#stopping ??= this.#stop(false, fatal);
      }
      throw new Error(`${this.id}: ${detail}`);
    } finally {
      this.#busy -= 1;
    }
  }

  async #beat(): Promise<void> {
    try {
      await registerWorker(
        this.#redis,
        this.#options.prefix,
        this.#options.queue,
        this.status,
        this.#options.settings.heartbeatSeconds * 3,
      );
    } catch (error) {
      this.#log("warn", `heartbeat not written: ${this.#redact(describeError(error))}`);
    }
  }

  #redact(text: string): string {
    return redactSecrets(text, this.#options.endpoint);
  }

  #log(level: "info" | "warn" | "error", message: string): void {
    this.#options.onLog?.(level, message);
  }
}
