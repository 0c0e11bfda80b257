import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { openRunArchive } from "@kernelforge/archive";
import { afterAll, describe, expect, it } from "vitest";
import { startTestRedis } from "../../plugins/queue-evaluator/test/support/redis-server.js";

/**
 * Queue mode through the real, built CLI: `kforge worker` (the nvcc evaluator in estimate mode, so that no GPU
 * is needed) serves `kforge run` with the queue evaluator, both reading one config file; `kforge doctor` lists
 * the worker while it runs and not after it stopped.
 */
const packageDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = path.join(packageDirectory, "dist", "bin.js");
const redis = await startTestRedis();
const skip = "skip" in redis ? redis.skip : undefined;
if (skip) console.warn(`kforge worker tests skipped: ${skip}`);

interface JsonLine {
  type?: string;
  [key: string]: unknown;
}

const children: ChildProcessWithoutNullStreams[] = [];
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  if (!("skip" in redis)) await redis.stop();
});

/** Runs kforge to the end, collecting its JSON lines and stderr. */
function kforge(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<{ status: number | null; lines: JsonLine[]; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("exit", (status) => {
      const lines: JsonLine[] = [];
      for (const line of stdout.split("\n")) {
        try {
          lines.push(JSON.parse(line) as JsonLine);
        } catch {
          // Not a JSON line (pretty-printed JSON, plain text).
        }
      }
      resolve({ status, lines, stdout, stderr });
    });
  });
}

describe.skipIf(skip !== undefined)(`kforge worker${skip ? ` (skipped: ${skip})` : ""}`, () => {
  it("serves a kforge run through Redis, shows up in kforge doctor, and stops cleanly", {
    timeout: 120_000,
  }, async () => {
    if ("skip" in redis) return;
    const directory = mkdtempSync(path.join(tmpdir(), "kforge-worker-"));
    const prefix = `kforge-cli-${process.pid}`;
    const config = path.join(directory, "kforge.config.json");
    writeFileSync(
      config,
      JSON.stringify({
        plugins: [
          "@kernelforge/plugin-template-generator",
          "@kernelforge/plugin-grpo",
          { from: "@kernelforge/plugin-nvcc-evaluator", options: { mode: "estimated" } },
          {
            from: "@kernelforge/plugin-queue-evaluator",
            options: {
              prefix,
              measurement: "estimated",
              pollSeconds: 0.5,
              worker: { heartbeatSeconds: 1, lockSeconds: 5, stalledIntervalSeconds: 2 },
            },
          },
        ],
        tasks: { shapes: ["512x512x512:nn"] },
        search: { rounds: 1, groupSize: 4, seed: 3 },
        evaluation: { evaluator: "queue-evaluator" },
        archive: { uri: "./archive" },
      }),
    );
    const env = { KFORGE_CACHE_DIR: path.join(directory, "cache") };

    const worker = spawn(
      process.execPath,
      [
        bin,
        "worker",
        "--config",
        config,
        "--redis",
        redis.url,
        "--name",
        "cli-worker",
        "--slots",
        "2",
        "--json",
      ],
      { cwd: directory, env: { ...process.env, ...env } },
    );
    children.push(worker);
    const workerLines: JsonLine[] = [];
    let workerErrors = "";
    worker.stderr.on("data", (chunk) => {
      workerErrors += chunk;
    });
    const ready = new Promise<void>((resolve, reject) => {
      createInterface({ input: worker.stdout }).on("line", (line) => {
        const parsed = JSON.parse(line) as JsonLine;
        workerLines.push(parsed);
        if (parsed.type === "worker-started") resolve();
      });
      worker.once("exit", (code) => reject(new Error(`kforge worker exited with ${code}: ${workerErrors}`)));
    });
    await ready;
    expect(workerLines[0]).toMatchObject({
      type: "worker-started",
      id: "cli-worker",
      measurement: "estimated",
      evaluator: "nvcc-evaluator",
      slots: 2,
      queue: "kforge-evaluations-estimated",
      prefix,
    });

    const doctor = await kforge(["doctor", "--config", config, "--redis", redis.url, "--json"], {
      cwd: directory,
    });
    const redisCheck = (
      JSON.parse(doctor.stdout) as {
        checks: { id: string; status: string; details?: { workers?: { id: string }[] } }[];
      }
    ).checks.find((check) => check.id === "redis");
    expect(redisCheck?.status).toBe("ok");
    expect(redisCheck?.details?.workers?.map((entry) => entry.id)).toEqual(["cli-worker"]);

    const run = await kforge(["run", "--config", config, "--run-id", "queued", "--json"], {
      cwd: directory,
      env: { ...env, KFORGE_REDIS_URL: redis.url },
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const started = run.lines.find((line) => line.type === "run-started");
    expect(started).toMatchObject({ measurement: "estimated", components: { evaluator: "queue-evaluator" } });
    expect((started?.devices as string[] | undefined)?.[0]).toMatch(/^cli-worker: estimate:/);
    expect(run.lines.some((line) => line.type === "workers-updated")).toBe(true);
    const summary = run.lines.find((line) => line.type === "summary");
    expect(summary).toMatchObject({ status: "finished" });
    const evaluated = summary?.evaluated as number;
    expect(evaluated).toBeGreaterThanOrEqual(3);
    const archive = await openRunArchive(path.join(directory, "archive"));
    const records = await archive.listEvaluations({ runId: "queued" });
    await archive.close();
    expect(records).toHaveLength(evaluated);
    expect(records.every((record) => record.result.measurement === "estimated")).toBe(true);
    expect(workerLines.filter((line) => line.type === "job-finished")).toHaveLength(evaluated);

    const stopped = new Promise<number | null>((resolve) => worker.once("exit", (code) => resolve(code)));
    worker.kill("SIGTERM");
    expect(await stopped).toBe(0);
    expect(workerLines.at(-1)).toMatchObject({ type: "worker-stopped", completed: evaluated });
    const after = await kforge(["doctor", "--config", config, "--redis", redis.url], { cwd: directory });
    expect(after.stdout).toMatch(/no live worker under prefix/);
  });

  it("refuses an unreachable Redis, a bad URL and a missing one, saying what to do and never showing the password", {
    timeout: 60_000,
  }, async () => {
    const directory = mkdtempSync(path.join(tmpdir(), "kforge-worker-"));
    const down = await kforge(["worker", "--redis", "redis://kforge:t0p-s3cret@127.0.0.1:1"], {
      cwd: directory,
    });
    expect(down.status).toBe(1);
    expect(down.stderr).toContain("cannot reach Redis at redis://kforge:***@127.0.0.1:1");
    expect(down.stderr).toContain("kforge doctor --redis");
    const bad = await kforge(["worker", "--redis", "http://kforge:t0p-s3cret@cache"], { cwd: directory });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/not a usable Redis URL: http:\/\/kforge:\*\*\*@cache/);
    for (const output of [down, bad]) expect(`${output.stdout}${output.stderr}`).not.toContain("t0p-s3cret");
    const none = await kforge(["worker", "--json"], {
      cwd: directory,
      env: { KFORGE_REDIS_URL: "", REDIS_URL: "" },
    });
    expect(none.status).toBe(1);
    expect(none.lines[0]).toMatchObject({ error: { code: "redis_not_configured" } });
    const slots = await kforge(["worker", "--slots", "zero"], { cwd: directory });
    expect(slots.stderr).toContain("--slots must be a positive integer");
  });
});
