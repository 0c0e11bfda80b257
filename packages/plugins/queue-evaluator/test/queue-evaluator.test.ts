import net from "node:net";
import { createGemmTask, KernelForgeError, RunEventBus, type RunEvents } from "@kernelforge/core";
import { Queue } from "bullmq";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  connectionOptions,
  connectRedis,
  EvaluationWorker,
  listLiveWorkers,
  parseRedisUrl,
  type QueueEvaluator,
  type QueueEvaluatorOptionsInput,
  workerSettingsSchema,
} from "../src/index.js";
import { CpuStandInEvaluator } from "./support/cpu-stand-in-evaluator.mjs";
import { loadQueueEvaluator, standInCandidate, uniquePrefix } from "./support/queue-fixtures.js";
import { startTestRedis } from "./support/redis-server.js";

// The queue evaluator and an in-process EvaluationWorker (around the CPU stand-in evaluator) against a real
// Redis: idempotent jobs, dead letters, time limits, no workers, cancellation, worker heartbeats, and
// credentials that never show.
const redis = await startTestRedis();
const skip = "skip" in redis ? redis.skip : undefined;
if (skip) console.warn(`queue tests skipped: ${skip}`);
const task = createGemmTask({ m: 256, n: 256, k: 256 });

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  if (!("skip" in redis)) await redis.stop();
});

function url(): string {
  if ("skip" in redis) throw new Error(redis.skip);
  return redis.url;
}

async function startWorker(
  prefix: string,
  options: {
    name?: string;
    slots?: number;
    measurement?: "measured" | "estimated";
    maxConsecutiveFailures?: number;
    redisUrl?: string;
  } = {},
) {
  const evaluator = new CpuStandInEvaluator({
    workerName: options.name ?? "in-process",
    slots: options.slots ?? 2,
    measurement: options.measurement ?? "estimated",
  });
  const logs: string[] = [];
  const worker = await EvaluationWorker.start({
    endpoint: parseRedisUrl(options.redisUrl ?? url()),
    evaluator,
    queue: "kforge-evaluations",
    prefix,
    id: options.name ?? "in-process",
    version: "test",
    settings: workerSettingsSchema.parse({
      lockSeconds: 2,
      stalledIntervalSeconds: 1,
      heartbeatSeconds: 1,
      maxConsecutiveFailures: options.maxConsecutiveFailures ?? 10,
    }),
    onLog: (_level, message) => logs.push(message),
  });
  cleanups.push(() => worker.stop({ force: true }));
  return { worker, evaluator, logs };
}

async function evaluatorFor(prefix: string, options: QueueEvaluatorOptionsInput = {}) {
  const events = new RunEventBus();
  const logs: RunEvents["log"][] = [];
  events.on("log", (entry) => logs.push(entry));
  const evaluator: QueueEvaluator = await loadQueueEvaluator(
    { redis: url(), prefix, measurement: "estimated", pollSeconds: 0.2, backoffSeconds: 0.05, ...options },
    undefined,
    events,
  );
  cleanups.push(() => evaluator.close());
  return { evaluator, logs, events };
}

function queueOf(prefix: string, measurement = "estimated") {
  const queue = new Queue(`kforge-evaluations-${measurement}`, {
    connection: connectionOptions(parseRedisUrl(url())),
    prefix,
  });
  cleanups.push(() => queue.close());
  return queue;
}

describe.skipIf(skip !== undefined)(
  `the queue evaluator on Redis${skip ? ` (skipped: ${skip})` : ""}`,
  { timeout: 30_000 },
  () => {
    it("queues a candidate once, whoever asks, and answers a later request from the finished job", async () => {
      const prefix = uniquePrefix("idempotent");
      const { evaluator: standIn } = await startWorker(prefix);
      const { evaluator } = await evaluatorFor(prefix);
      const candidate = standInCandidate(task, 1);
      const [first, second] = await Promise.all([
        evaluator.evaluate(candidate, task),
        evaluator.evaluate(candidate, task),
      ]);
      expect(first).toEqual(second);
      expect(first).toMatchObject({ candidateId: candidate.id, status: "ok", measurement: "estimated" });
      const again = await evaluator.evaluate(candidate, task);
      expect(again.evaluatedAt).toBe(first.evaluatedAt);
      expect(standIn.evaluated).toEqual([candidate.id]);
      expect((await queueOf(prefix).getJob(candidate.id))?.returnvalue).toEqual(first);
    });

    it("turns a job that fails on every attempt into a runtime_error result with the reason, kept as a dead letter", async () => {
      const prefix = uniquePrefix("dead-letter");
      await startWorker(prefix, { name: "poisoned-host" });
      const { evaluator, logs } = await evaluatorFor(prefix, { attempts: 2 });
      const poisoned = standInCandidate(task, 2, { throws: true });
      const [failed, fine] = await Promise.all([
        evaluator.evaluate(poisoned, task),
        evaluator.evaluate(standInCandidate(task, 3), task),
      ]);
      expect(fine.status).toBe("ok");
      expect(failed).toMatchObject({
        candidateId: poisoned.id,
        status: "runtime_error",
        reasonCode: "queue:failed",
      });
      expect(failed.reason).toContain("2 attempt(s)");
      expect(failed.reason).toContain("poisoned-host: the stand-in evaluator cannot work on this candidate");
      const letter = await queueOf(prefix).getJob(poisoned.id);
      expect(await letter?.getState()).toBe("failed");
      expect(letter?.attemptsMade).toBe(2);
      expect(letter?.failedReason).toContain("cannot work on this candidate");
      // Asked for again, the dead letter is retried with fresh attempts (and fails the same way).
      const retried = await evaluator.evaluate(poisoned, task);
      expect(retried).toMatchObject({ status: "runtime_error", reasonCode: "queue:failed" });
      expect(logs.some((entry) => /asked for again after its job failed/.test(entry.message))).toBe(true);
    });

    it("fails a malformed job at once, without retries", async () => {
      const prefix = uniquePrefix("malformed");
      await startWorker(prefix);
      const queue = queueOf(prefix);
      const job = await queue.add("evaluate", { candidate: { id: "nonsense" } } as never, {
        jobId: "x-malformed",
        attempts: 5,
      });
      for (let wait = 0; wait < 100 && !(await job.isFailed()); wait += 1)
        await new Promise((resolve) => setTimeout(resolve, 50));
      const failed = await queue.getJob("x-malformed");
      expect(failed?.attemptsMade).toBe(1);
      expect(failed?.failedReason).toMatch(/^in-process: malformed job: candidate/);
    });

    it("gives a timeout result when no result comes in time after a worker took the job, and drops the late one", async () => {
      const prefix = uniquePrefix("timeout");
      const { evaluator: standIn } = await startWorker(prefix);
      const { evaluator } = await evaluatorFor(prefix, { jobTimeoutSeconds: 0.3 });
      const slow = standInCandidate(task, 4, { workMilliseconds: 1_200 });
      const result = await evaluator.evaluate(slow, task);
      expect(result).toMatchObject({
        status: "timeout",
        reasonCode: "queue:no_result",
        measurement: "estimated",
      });
      expect(result.reason).toMatch(/no result within 0.3 s/);
      // The worker finishes the job later: its result arrives and is dropped.
      for (let wait = 0; wait < 100 && evaluator.droppedResults === 0; wait += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(standIn.evaluated).toEqual([slow.id]);
      expect(evaluator.droppedResults).toBe(1);
    });

    it("says there is no worker instead of waiting for ever, and does not mix measured and estimated work", async () => {
      const prefix = uniquePrefix("no-workers");
      await startWorker(prefix, { name: "estimating-host", measurement: "estimated" });
      const { evaluator } = await evaluatorFor(prefix, { measurement: "measured", workerWaitSeconds: 0.5 });
      const refused = await evaluator.describe().catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(KernelForgeError);
      expect((refused as KernelForgeError).code).toBe("no_workers");
      expect((refused as KernelForgeError).message).toMatch(
        /no live measured worker on queue kforge-evaluations/,
      );
      expect((refused as KernelForgeError).message).toMatch(/1 estimated worker\(s\) are live/);
      expect((refused as KernelForgeError).hint).toMatch(/kforge worker --redis/);
      const waiting = await evaluator
        .evaluate(standInCandidate(task, 5), task)
        .catch((error: unknown) => error);
      expect((waiting as KernelForgeError).code).toBe("no_workers");
    });

    it("gives up on a job when the caller aborts, and removes it while no worker has it", async () => {
      const prefix = uniquePrefix("abort");
      const { evaluator } = await evaluatorFor(prefix, { workerWaitSeconds: 60 });
      const candidate = standInCandidate(task, 6);
      const controller = new AbortController();
      const pending = evaluator.evaluate(candidate, task, { signal: controller.signal });
      const queue = queueOf(prefix);
      for (let wait = 0; wait < 50 && !(await queue.getJob(candidate.id)); wait += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      controller.abort(new Error("stopped by the user"));
      await expect(pending).rejects.toThrow("stopped by the user");
      for (let wait = 0; wait < 50 && (await queue.getJob(candidate.id)); wait += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await queue.getJob(candidate.id)).toBeUndefined();
    });

    it("publishes the live workers with their devices and slots; a stopped worker leaves the list", async () => {
      const prefix = uniquePrefix("heartbeat");
      const { worker } = await startWorker(prefix, { name: "host-a", slots: 4 });
      await startWorker(prefix, { name: "host-b", slots: 1 });
      const { evaluator, events } = await evaluatorFor(prefix);
      const updates: RunEvents["workers-updated"][] = [];
      events.on("workers-updated", (update) => updates.push(update));
      expect(await evaluator.describe()).toMatchObject({
        devices: ["host-a: CPU stand-in", "host-b: CPU stand-in"],
        concurrency: 10,
      });
      await worker.stop();
      const registry = await connectRedis(parseRedisUrl(url()));
      cleanups.push(async () => registry.disconnect());
      expect((await listLiveWorkers(registry, prefix)).map((entry) => entry.id)).toEqual(["host-b"]);
      for (let wait = 0; wait < 20 && !updates.some((update) => update.workers.length === 1); wait += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(updates.at(-1)?.workers).toMatchObject([
        { id: "host-b", slots: 1, devices: ["CPU stand-in"], evaluator: "cpu-stand-in" },
      ]);
    });

    it("stops a worker whose evaluator keeps failing, rather than fail every job", async () => {
      const prefix = uniquePrefix("broken-host");
      const { worker, logs } = await startWorker(prefix, { maxConsecutiveFailures: 2, slots: 1 });
      const queue = queueOf(prefix);
      for (const index of [7, 8, 9]) {
        const candidate = standInCandidate(task, index, { throws: true });
        await queue.add(
          "evaluate",
          { candidate, task, measurement: "estimated", enqueuedAt: "now" },
          { jobId: candidate.id, attempts: 1 },
        );
      }
      const error = await worker.stopped;
      expect(error).toBeInstanceOf(KernelForgeError);
      expect(error?.message).toMatch(/failed on 2 job\(s\) in a row, so this worker stops taking jobs/);
      expect(logs.some((line) => line.includes("stops taking jobs"))).toBe(true);
      const counts = await queue.getJobCounts("failed", "waiting");
      expect(counts).toMatchObject({ failed: 2, waiting: 1 });
    });
  },
);

describe.skipIf(skip !== undefined)(
  `credentials${skip ? ` (skipped: ${skip})` : ""}`,
  { timeout: 30_000 },
  () => {
    it("never shows the password when Redis cannot be reached", async () => {
      const closed = await new Promise<number>((resolve) => {
        const server = net.createServer().listen(0, "127.0.0.1", () => {
          const { port } = server.address() as net.AddressInfo;
          server.close(() => resolve(port));
        });
      });
      const events = new RunEventBus();
      const lines: string[] = [];
      events.onAny((type, payload) => lines.push(`${type} ${JSON.stringify(payload)}`));
      const evaluator = await loadQueueEvaluator(
        { redis: `redis://kforge:Sup3r-s3cret!@127.0.0.1:${closed}`, prefix: uniquePrefix("down") },
        undefined,
        events,
      );
      const error = (await evaluator.describe().catch((caught: unknown) => caught)) as KernelForgeError;
      await evaluator.close();
      expect(error.code).toBe("redis_unreachable");
      expect(error.message).toContain(`redis://kforge:***@127.0.0.1:${closed}`);
      expect(`${error.message} ${error.hint} ${lines.join(" ")}`).not.toMatch(/Sup3r|s3cret/);
    });

    it("works through an ACL user, and says the credentials were refused without showing them", async () => {
      const admin = await connectRedis(parseRedisUrl(url()));
      const user = `kforge-test-${process.pid}`;
      const password = "c0rrect:h0rse@battery/staple";
      await admin.call("ACL", "SETUSER", user, "on", `>${password}`, "~*", "&*", "+@all");
      cleanups.push(async () => {
        await admin.call("ACL", "DELUSER", user);
        admin.disconnect();
      });
      const base = new URL(url());
      const withUser = (secret: string) =>
        `redis://${encodeURIComponent(user)}:${encodeURIComponent(secret)}@${base.host}`;

      const wrong = await connectRedis(parseRedisUrl(withUser("not-the-password"))).catch(
        (error: unknown) => error,
      );
      expect((wrong as KernelForgeError).code).toBe("redis_auth_failed");
      expect((wrong as KernelForgeError).message).toContain(`redis://${user}:***@`);
      expect((wrong as KernelForgeError).message).not.toContain("not-the-password");

      const prefix = uniquePrefix("acl");
      const { logs: workerLogs } = await startWorker(prefix, {
        name: "acl-host",
        redisUrl: withUser(password),
      });
      const events = new RunEventBus();
      const lines: string[] = [];
      events.onAny((type, payload) => lines.push(`${type} ${JSON.stringify(payload)}`));
      const evaluator = await loadQueueEvaluator(
        { redis: withUser(password), prefix, measurement: "estimated", pollSeconds: 0.2 },
        undefined,
        events,
      );
      cleanups.push(() => evaluator.close());
      const result = await evaluator.evaluate(standInCandidate(task, 10), task);
      expect(result.status).toBe("ok");
      for (const text of [...lines, ...workerLogs]) {
        expect(text).not.toContain("h0rse");
        expect(text).not.toContain(encodeURIComponent("h0rse"));
      }
    });
  },
);
