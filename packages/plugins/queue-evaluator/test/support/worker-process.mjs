// One queue worker as its own process, for the queue integration tests: the built plugin's EvaluationWorker
// around the CPU stand-in evaluator. Every job event and log line is printed as one JSON line on stdout.
//   node worker-process.mjs --redis URL --prefix P --name N [--slots 3] [--work-milliseconds 30]
//     [--lock-seconds 2] [--stalled-interval-seconds 1] [--heartbeat-seconds 1] [--measurement estimated]
import { parseArgs } from "node:util";
import { EvaluationWorker, parseRedisUrl, workerSettingsSchema } from "../../dist/index.js";
import { CpuStandInEvaluator } from "./cpu-stand-in-evaluator.mjs";

const { values } = parseArgs({
  options: {
    redis: { type: "string" },
    prefix: { type: "string" },
    queue: { type: "string", default: "kforge-evaluations" },
    name: { type: "string" },
    slots: { type: "string", default: "3" },
    "work-milliseconds": { type: "string", default: "30" },
    "lock-seconds": { type: "string", default: "2" },
    "stalled-interval-seconds": { type: "string", default: "1" },
    "heartbeat-seconds": { type: "string", default: "1" },
    measurement: { type: "string", default: "estimated" },
  },
});
const print = (line) => process.stdout.write(`${JSON.stringify({ worker: values.name, ...line })}\n`);
const evaluator = new CpuStandInEvaluator({
  workerName: values.name,
  workMilliseconds: Number(values["work-milliseconds"]),
  slots: Number(values.slots),
  measurement: values.measurement,
});
const worker = await EvaluationWorker.start({
  endpoint: parseRedisUrl(values.redis),
  evaluator,
  queue: values.queue,
  prefix: values.prefix,
  id: values.name,
  version: "test",
  settings: workerSettingsSchema.parse({
    lockSeconds: Number(values["lock-seconds"]),
    stalledIntervalSeconds: Number(values["stalled-interval-seconds"]),
    heartbeatSeconds: Number(values["heartbeat-seconds"]),
  }),
  onLog: (level, message) => print({ type: "log", level, message }),
  onJob: (event) => print(event),
});
print({ type: "ready", queue: worker.queueName });
const stop = async () => {
  await worker.stop();
  print({ type: "stopped" });
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
