import { definePlugin, TOKENS } from "@kernelforge/core";
import { ContainerModule } from "inversify";
import { PLUGIN_NAME, queueEvaluatorOptionsSchema } from "./options.js";
import { QueueEvaluator } from "./queue/queue-evaluator.js";

export {
  configuredRedisUrl,
  PLUGIN_NAME,
  type QueueEvaluatorOptions,
  type QueueEvaluatorOptionsInput,
  queueEvaluatorOptionsSchema,
  type WorkerSettings,
  workerSettingsSchema,
} from "./options.js";
export {
  checkReturnedResult,
  EVALUATION_JOB_NAME,
  type EvaluationJobData,
  readEvaluationJob,
} from "./queue/evaluation-job.js";
export { queueFailureResult } from "./queue/failure-result.js";
export { QueueEvaluator } from "./queue/queue-evaluator.js";
export { evaluationQueueName, NAME_PATTERN, workerKey } from "./queue/queue-names.js";
export { ResultWaiters } from "./queue/result-waiters.js";
export { connectRedis, unreachable } from "./redis/redis-connection.js";
export {
  type ConnectionSettings,
  connectionOptions,
  parseRedisUrl,
  REDIS_URL_FORMS,
  type RedisEndpoint,
  redactRedisUrl,
  redactSecrets,
} from "./redis/redis-url.js";
export {
  EvaluationWorker,
  type EvaluationWorkerOptions,
  type WorkerJobEvent,
} from "./worker/evaluation-worker.js";
export {
  describeWorker,
  listLiveWorkers,
  registerWorker,
  unregisterWorker,
} from "./worker/worker-registry.js";

export default definePlugin({
  name: PLUGIN_NAME,
  apiVersion: "v1",
  description:
    "Spreads evaluation over GPU hosts: each candidate is a BullMQ job on Redis, evaluated by a `kforge worker` there (at-least-once, stalled-job recovery, retries, dead letters)",
  configSchema: queueEvaluatorOptionsSchema,
  module: new ContainerModule(({ bind }) => {
    bind(TOKENS.gpuEvaluator).to(QueueEvaluator).inSingletonScope();
  }),
});
