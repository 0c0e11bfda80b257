import {
  createContainer,
  type GpuEvaluator,
  KernelForgeError,
  loadPlugins,
  RunEventBus,
  resolveAll,
  TOKENS,
} from "@kernelforge/core";
import {
  configuredRedisUrl,
  EvaluationWorker,
  parseRedisUrl,
  type WorkerJobEvent,
} from "@kernelforge/plugin-queue-evaluator";
import { positiveInteger } from "../arguments/positive-integer.js";
import { BUILTIN_PLUGINS } from "../builtin-plugins.js";
import type { CliContext } from "../cli-context.js";
import { cliPackageDirectory, cliVersion } from "../cli-version.js";
import type { OutputMode } from "../output/present.js";
import { QUEUE_PLUGIN_NAME, queueOptionsFromConfig } from "../search/queue-settings.js";
import { loadSearchConfig } from "../search/search-setup.js";

export interface WorkerOptions {
  redis?: string | undefined;
  config?: string | undefined;
  evaluator?: string | undefined;
  slots?: string | undefined;
  name?: string | undefined;
}

/**
 * `kforge worker`: takes evaluation jobs from the Redis queue and evaluates them with this host's evaluator
 * (the nvcc evaluator on every GPU here, unless the config or --evaluator names another), until interrupted.
 * The first interrupt lets the jobs in evaluation finish and return their results; a second abandons them
 * (other workers take them again once their locks run out). Prints one line per job (JSON lines with --json).
 * Exit status 0 when stopped on request, 1 when the evaluator could not go on.
 */
export async function workerCommand(
  context: CliContext,
  mode: OutputMode,
  options: WorkerOptions,
): Promise<number> {
  const slots = options.slots === undefined ? undefined : positiveInteger(options.slots, "--slots");
  const loaded = await loadSearchConfig(context.cwd, options.config);
  const events = new RunEventBus();
  const container = createContainer(loaded.config, events);
  const plugins = await loadPlugins(container, loaded.config.plugins, {
    searchDirectories: [loaded.directory, cliPackageDirectory()],
    builtins: BUILTIN_PLUGINS,
  });
  const queueOptions = await queueOptionsFromConfig(
    loaded.config,
    loaded.source ?? "the embedded defaults",
    plugins,
  );
  const url = options.redis ?? configuredRedisUrl(queueOptions, context.env);
  if (!url) {
    throw new KernelForgeError(
      "redis_not_configured",
      "kforge worker needs the Redis URL of the evaluation queue",
      {
        hint: "Pass --redis redis://[[user]:password@]host[:port] (rediss:// for TLS), set KFORGE_REDIS_URL, or the queue-evaluator plugin's `redis` option.",
      },
    );
  }
  const endpoint = parseRedisUrl(url);
  const evaluator = chooseEvaluator(resolveAll(container, TOKENS.gpuEvaluator), options.evaluator);

  const print = (line: Record<string, unknown>, text: string) => {
    context.stdout.write(
      mode === "json" ? `${JSON.stringify({ time: new Date().toISOString(), ...line })}\n` : `${text}\n`,
    );
  };
  events.on("log", (entry) => {
    if (entry.level === "debug") return;
    print({ type: "log", ...entry }, `[${entry.level}] ${entry.source}: ${entry.message}`);
  });

  let worker: EvaluationWorker;
  try {
    worker = await EvaluationWorker.start({
      endpoint,
      ...(queueOptions.tlsCaFile ? { tlsCaFile: queueOptions.tlsCaFile } : {}),
      evaluator,
      queue: queueOptions.queue,
      prefix: queueOptions.prefix,
      settings: { ...queueOptions.worker, ...(slots ? { slots } : {}) },
      version: cliVersion(),
      ...(options.name ? { id: options.name } : {}),
      onLog: (level, message) =>
        print({ type: "log", level, source: "worker", message }, `[${level}] ${message}`),
      onJob: (event) => print(event, describeJob(event)),
    });
  } catch (error) {
    await evaluator.close();
    throw error;
  }
  const status = worker.status;
  print(
    {
      type: "worker-started",
      ...status,
      queue: worker.queueName,
      prefix: queueOptions.prefix,
      redis: endpoint.redacted,
    },
    `worker ${status.id}: ${status.evaluator} (${status.measurement}) on ${status.devices.join(", ") || "no device"}, ${status.slots} slot(s); queue ${worker.queueName} (prefix ${queueOptions.prefix}) at ${endpoint.redacted}. Ctrl+C stops after the jobs in evaluation.`,
  );

  let interrupts = 0;
  const onSignal = () => {
    interrupts += 1;
    if (interrupts === 1) {
      print(
        { type: "worker-stopping", force: false },
        "stopping: finishing the jobs in evaluation (again to abandon them)",
      );
      void worker.stop();
    } else {
      print(
        { type: "worker-stopping", force: true },
        "stopping now: jobs in evaluation go back to the queue",
      );
      void worker.stop({ force: true });
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const failure = await worker.stopped;
    const done = worker.status.completed;
    if (failure) {
      print(
        { type: "worker-stopped", completed: done, error: { code: failure.code, message: failure.message } },
        `worker ${status.id} stopped after ${done} job(s): ${failure.message}`,
      );
      throw failure;
    }
    print({ type: "worker-stopped", completed: done }, `worker ${status.id} stopped after ${done} job(s)`);
    return 0;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await evaluator.close().catch(() => undefined);
  }
}

/** The evaluator the jobs run on: the one named, else the only one loaded besides the queue evaluator. */
function chooseEvaluator(all: GpuEvaluator[], name: string | undefined): GpuEvaluator {
  const candidates = all.filter((evaluator) => evaluator.name !== QUEUE_PLUGIN_NAME);
  const names = candidates.map((evaluator) => evaluator.name);
  if (name !== undefined) {
    const chosen = candidates.find((evaluator) => evaluator.name === name);
    if (chosen) return chosen;
    throw new KernelForgeError(
      "implementation_not_found",
      `No evaluator named ${JSON.stringify(name)} to run jobs with`,
      {
        hint: names.length
          ? `Loaded: ${names.join(", ")}.`
          : "Add @kernelforge/plugin-nvcc-evaluator to `plugins`.",
      },
    );
  }
  if (candidates.length === 1) return candidates[0] as GpuEvaluator;
  if (candidates.length === 0) {
    throw new KernelForgeError("implementation_not_found", "No evaluator to run jobs with is loaded", {
      hint: "A worker evaluates with this host's evaluator: add @kernelforge/plugin-nvcc-evaluator to `plugins`.",
    });
  }
  throw new KernelForgeError(
    "implementation_ambiguous",
    `Several evaluators are loaded (${names.join(", ")})`,
    {
      hint: "Choose the one jobs run on with --evaluator.",
    },
  );
}

function describeJob(event: WorkerJobEvent): string {
  switch (event.type) {
    case "job-started":
      return `  ${event.candidateId} ${event.taskKey} started${event.attempt > 1 ? ` (attempt ${event.attempt})` : ""}`;
    case "job-finished":
      return `  ${event.candidateId} ${event.status} in ${(event.milliseconds / 1000).toFixed(1)} s`;
    case "job-failed":
      return `  ${event.candidateId} failed${event.willRetry ? " (will be retried)" : ""}: ${event.reason}`;
  }
}
