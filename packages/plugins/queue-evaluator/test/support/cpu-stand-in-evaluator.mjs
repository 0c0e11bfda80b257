// A GpuEvaluator stand-in that needs no GPU, for the queue tests only (never part of the product): it
// "evaluates" a candidate by hashing its source on the CPU for a while and returns an `ok` result whose
// figures follow from the hash. Its results are labelled as the configured measurement kind (`estimated` by
// default: they are not measurements) and carry the worker's name as their host, so tests can tell which
// worker produced each one.
//
// A candidate whose provenance configuration says `{ "throws": true }` makes `evaluate` throw (an evaluator
// that cannot work); `{ "workMilliseconds": n }` makes it take n ms.
import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";

export class CpuStandInEvaluator {
  apiVersion = "v1";
  name = "cpu-stand-in";

  constructor({ workerName, workMilliseconds = 30, slots = 2, measurement = "estimated" } = {}) {
    this.workerName = workerName;
    this.workMilliseconds = workMilliseconds;
    this.slots = slots;
    this.measurement = measurement;
    this.evaluated = [];
  }

  async describe() {
    return {
      name: this.name,
      measurement: this.measurement,
      devices: ["CPU stand-in"],
      concurrency: this.slots,
    };
  }

  async evaluate(candidate, _task, options = {}) {
    const started = performance.now();
    const configuration = candidate.provenance.configuration ?? {};
    if (configuration.throws) throw new Error("the stand-in evaluator cannot work on this candidate");
    const hash = createHash("sha256");
    for (let round = 0; round < 200; round += 1) hash.update(candidate.source);
    const digest = hash.digest();
    await sleep(configuration.workMilliseconds ?? this.workMilliseconds, undefined, {
      signal: options.signal,
    });
    this.evaluated.push(candidate.id);
    const median = 10 + (digest[0] ?? 0) / 16;
    const summary = (value) => ({
      median: value,
      p25: value,
      p75: value,
      min: value,
      max: value,
      mean: value,
      samples: [value],
    });
    return {
      candidateId: candidate.id,
      taskKey: candidate.taskKey,
      status: "ok",
      measurement: this.measurement,
      timing: { cold: { candidate: summary(median), baselines: { cublas: summary(20) } } },
      speedups: {
        cold: { perBaseline: { cublas: 20 / median }, best: { baseline: "cublas", speedup: 20 / median } },
      },
      environment: { device: "CPU stand-in", hostname: this.workerName ?? "stand-in" },
      evaluatedAt: new Date().toISOString(),
      durationMilliseconds: performance.now() - started,
    };
  }

  async close() {}
}
