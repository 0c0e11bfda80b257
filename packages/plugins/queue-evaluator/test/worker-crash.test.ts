import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { openRunArchive } from "@kernelforge/archive";
import { configSchema, RunEventBus, type RunEvents, RunLoop } from "@kernelforge/core";
import { Queue } from "bullmq";
import { afterAll, describe, expect, it } from "vitest";
import { connectionOptions, connectRedis, listLiveWorkers, parseRedisUrl } from "../src/index.js";
import {
  loadQueueEvaluator,
  NumberedGenerator,
  SpeedupReward,
  uniquePrefix,
} from "./support/queue-fixtures.js";
import { startTestRedis } from "./support/redis-server.js";

// Two worker processes (the plugin's EvaluationWorker around the CPU stand-in evaluator, from the built
// package) serve a run of 200 candidates through a real Redis; one of them is killed with SIGKILL while it is
// evaluating. Every candidate must be archived exactly once — none lost, none twice — in a real LanceDB archive.
const redis = await startTestRedis();
const skip = "skip" in redis ? redis.skip : undefined;
if (skip) console.warn(`queue integration tests skipped: ${skip}`);
const workerScript = path.join(path.dirname(fileURLToPath(import.meta.url)), "support/worker-process.mjs");

interface WorkerLine {
  worker: string;
  type: string;
  candidateId?: string;
  [key: string]: unknown;
}

/** A worker process and what it printed so far. */
class WorkerProcess {
  readonly lines: WorkerLine[] = [];
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #listeners: (() => void)[] = [];

  constructor(
    readonly name: string,
    url: string,
    prefix: string,
    workMilliseconds: number,
  ) {
    this.child = spawn(
      process.execPath,
      [
        workerScript,
        "--redis",
        url,
        "--prefix",
        prefix,
        "--name",
        name,
        "--slots",
        "3",
        "--work-milliseconds",
        String(workMilliseconds),
      ],
      { stdio: ["pipe", "pipe", "pipe"] },
    );
    createInterface({ input: this.child.stdout }).on("line", (line) => {
      this.lines.push(JSON.parse(line) as WorkerLine);
      for (const listener of this.#listeners) listener();
    });
    let errors = "";
    this.child.stderr.on("data", (chunk) => {
      errors += chunk;
    });
    this.exited = new Promise((resolve) =>
      this.child.once("exit", (code, signal) => {
        if (code) console.error(`worker ${name} exited with ${code}: ${errors}`);
        resolve({ code, signal });
      }),
    );
  }

  /** Resolves once `test` holds for the lines printed so far. */
  until(test: (lines: WorkerLine[]) => boolean, timeoutMilliseconds = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`worker ${this.name}: condition not met in ${timeoutMilliseconds} ms`)),
        timeoutMilliseconds,
      );
      const check = () => {
        if (!test(this.lines)) return;
        clearTimeout(timer);
        this.#listeners = this.#listeners.filter((listener) => listener !== check);
        resolve();
      };
      this.#listeners.push(check);
      check();
    });
  }

  /** Candidates it started and did not finish. */
  unfinished(): string[] {
    const finished = new Set(this.finished());
    return this.lines
      .filter((line) => line.type === "job-started" && !finished.has(line.candidateId as string))
      .map((line) => line.candidateId as string);
  }

  finished(): string[] {
    return this.lines
      .filter((line) => line.type === "job-finished")
      .map((line) => line.candidateId as string);
  }
}

const started: WorkerProcess[] = [];
const directories: string[] = [];
afterAll(async () => {
  for (const worker of started) if (worker.child.exitCode === null) worker.child.kill("SIGKILL");
  await Promise.all(started.map((worker) => worker.exited));
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  if (!("skip" in redis)) await redis.stop();
});

describe.skipIf(skip !== undefined)(
  `queue mode with two worker processes${skip ? ` (skipped: ${skip})` : ""}`,
  () => {
    it("archives each of 200 candidates exactly once when a worker is killed mid-job", {
      timeout: 60_000,
    }, async () => {
      if ("skip" in redis) return;
      const prefix = uniquePrefix("crash");
      // The worker to be killed takes its time over each job, so that a job it has started is still being
      // evaluated when the kill arrives, however late the test reads its output.
      const first = new WorkerProcess("worker-a", redis.url, prefix, 400);
      const second = new WorkerProcess("worker-b", redis.url, prefix, 30);
      started.push(first, second);
      await Promise.all(
        [first, second].map((worker) => worker.until((lines) => lines.some((line) => line.type === "ready"))),
      );

      const directory = mkdtempSync(path.join(tmpdir(), "kforge-queue-archive-"));
      directories.push(directory);
      const archive = await openRunArchive(directory);
      const events = new RunEventBus();
      const evaluated: RunEvents["candidate-evaluated"][] = [];
      const workerUpdates: RunEvents["workers-updated"][] = [];
      const warnings: string[] = [];
      events.on("candidate-evaluated", (event) => evaluated.push(event));
      events.on("workers-updated", (event) => workerUpdates.push(event));
      events.on("log", (entry) => {
        if (entry.level === "warn") warnings.push(entry.message);
      });
      const config = configSchema.parse({
        tasks: { shapes: ["512x512x512"] },
        search: { rounds: 1, groupSize: 200, seed: 3 },
      });
      const evaluator = await loadQueueEvaluator(
        { redis: redis.url, prefix, measurement: "estimated", pollSeconds: 0.5, backoffSeconds: 0.1 },
        config,
        events,
      );
      const description = await evaluator.describe();
      expect(description).toMatchObject({ measurement: "estimated", concurrency: 12 });
      expect(description.devices.sort()).toEqual(["worker-a: CPU stand-in", "worker-b: CPU stand-in"]);

      const loop = new RunLoop({
        generator: new NumberedGenerator(),
        evaluator,
        rewardModel: new SpeedupReward(),
        archive,
        events,
      });
      const run = loop.start(config, "queue-crash");
      // Kill the first worker once it has finished a few jobs and is in the middle of others.
      await first.until(
        (lines) =>
          lines.filter((line) => line.type === "job-finished").length >= 6 && first.unfinished().length > 0,
      );
      first.child.kill("SIGKILL");
      const killed = await first.exited;
      const inFlightWhenKilled = first.unfinished();
      const summary = await run;
      await evaluator.close();

      expect(killed.signal).toBe("SIGKILL");
      expect(inFlightWhenKilled.length).toBeGreaterThan(0);
      // The jobs the killed worker held were taken again by the other one.
      const finishedBySecond = new Set(second.finished());
      for (const candidateId of inFlightWhenKilled) expect(finishedBySecond.has(candidateId)).toBe(true);
      expect(warnings.some((message) => /was lost; the job is taken again/.test(message))).toBe(true);

      expect(summary).toMatchObject({ status: "finished", evaluated: 200 });
      const records = await archive.listEvaluations({ runId: "queue-crash" });
      const ids = records.map((record) => record.candidate.id);
      expect(records).toHaveLength(200);
      expect(new Set(ids).size).toBe(200);
      expect(records.every((record) => record.result.status === "ok")).toBe(true);
      expect(new Set(records.map((record) => record.result.environment.hostname))).toEqual(
        new Set(["worker-a", "worker-b"]),
      );
      // One result per candidate reached the run.
      expect(evaluated).toHaveLength(200);
      expect(new Set(evaluated.map((event) => event.result.candidateId)).size).toBe(200);

      const queue = new Queue("kforge-evaluations-estimated", {
        connection: connectionOptions(parseRedisUrl(redis.url)),
        prefix,
      });
      const counts = await queue.getJobCounts("completed", "failed", "waiting", "active", "delayed");
      await queue.close();
      expect(counts).toMatchObject({ completed: 200, failed: 0, waiting: 0, active: 0, delayed: 0 });

      // The dashboard was told about both workers; the killed one drops out of the live list once its heartbeat
      // has expired (three missed beats), the other stays.
      expect(workerUpdates.some((update) => update.workers.length === 2)).toBe(true);
      const registry = await connectRedis(parseRedisUrl(redis.url));
      let live = await listLiveWorkers(registry, prefix);
      for (let wait = 0; wait < 50 && live.length > 1; wait += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        live = await listLiveWorkers(registry, prefix);
      }
      expect(live.map((worker) => worker.id)).toEqual(["worker-b"]);
      expect(live[0]).toMatchObject({ devices: ["CPU stand-in"], slots: 3, measurement: "estimated" });
      await archive.close();
      second.child.kill("SIGTERM");
      expect((await second.exited).code).toBe(0);
      // A worker that stops cleanly removes its heartbeat at once.
      expect(await listLiveWorkers(registry, prefix)).toEqual([]);
      registry.disconnect();
    });
  },
);
