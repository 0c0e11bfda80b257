import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openRunArchive } from "@kernelforge/archive";
import { archFlags } from "@kernelforge/gpu-runner";
import { beforeAll, describe, expect, it } from "vitest";

/**
 * The main job end to end through the real, built CLI, spawned without a terminal: a search in estimate mode
 * (nvcc compiles every candidate; times come from the model, as on a machine without a GPU) over 4 shapes ×
 * 2 rounds, its report and its CUDA-library export compiled by nvcc, and a run killed with SIGKILL mid-round
 * and resumed, which must end with exactly the candidates of the clean run.
 */
const packageDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = path.join(packageDirectory, "dist", "bin.js");
const nvcc = (() => {
  try {
    execFileSync("nvcc", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

const SHAPES = ["64x128x256:nn", "1x4096x4096:linear", "512x512x512:nn", "16x11008x4096:linear"];
const ROUNDS = 2;
const GROUP = 3;

interface JsonEvent {
  type: string;
  [key: string]: unknown;
}

let directory: string;

function writeConfig(): string {
  const file = path.join(directory, "kforge.config.json");
  writeFileSync(
    file,
    JSON.stringify({
      plugins: [
        "@kernelforge/plugin-template-generator",
        "@kernelforge/plugin-grpo",
        { from: "@kernelforge/plugin-nvcc-evaluator", options: { mode: "estimated" } },
      ],
      tasks: { shapes: SHAPES },
      search: { rounds: ROUNDS, groupSize: GROUP, seed: 3 },
      archive: { uri: "./archive" },
    }),
  );
  return file;
}

function kforge(
  args: string[],
  cacheDirectory: string,
): { status: number | null; events: JsonEvent[]; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: directory,
    encoding: "utf8",
    env: { ...process.env, KFORGE_CACHE_DIR: cacheDirectory },
    timeout: 600_000,
  });
  const events = result.stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as JsonEvent);
  return { status: result.status, events, stderr: result.stderr };
}

async function archivedCandidates(runId: string): Promise<string[]> {
  const archive = await openRunArchive(path.join(directory, "archive"));
  try {
    return (await archive.listEvaluations({ runId }))
      .map((record) => `${record.round}/${record.taskKey}/${record.candidate.id}`)
      .sort();
  } finally {
    await archive.close();
  }
}

describe.skipIf(!nvcc)("kforge run, end to end in estimate mode", () => {
  let clean: ReturnType<typeof kforge>;

  beforeAll(() => {
    directory = mkdtempSync(path.join(tmpdir(), "kforge-e2e-"));
    writeConfig();
    clean = kforge(["run", "--run-id", "e2e-clean", "--json"], path.join(directory, "cache-clean"));
  }, 600_000);

  it("runs 4 shapes × 2 rounds, labelled estimated, and archives every candidate", async () => {
    expect(clean.stderr).toBe("");
    expect(clean.status).toBe(0);
    const started = clean.events.find((event) => event.type === "run-started");
    expect(started?.measurement).toBe("estimated");
    expect(started?.taskKeys).toHaveLength(4);
    const evaluated = clean.events.filter((event) => event.type === "candidate-evaluated");
    const summary = clean.events.find((event) => event.type === "summary");
    expect(summary?.status).toBe("finished");
    expect(summary?.roundsCompleted).toBe(ROUNDS);
    expect(summary?.evaluated).toBe(evaluated.length);
    // Distinct design points per group: at most G per task and round, and most groups are full.
    expect(evaluated.length).toBeLessThanOrEqual(SHAPES.length * ROUNDS * GROUP);
    expect(evaluated.length).toBeGreaterThanOrEqual(SHAPES.length * ROUNDS * (GROUP - 1));
    const candidates = await archivedCandidates("e2e-clean");
    expect(candidates).toHaveLength(evaluated.length);
    const statuses = evaluated.map((event) => (event.result as { status: string }).status);
    expect(statuses.filter((status) => status === "ok").length).toBeGreaterThan(evaluated.length / 2);
    expect(clean.events.filter((event) => event.type === "policy-updated")).toHaveLength(ROUNDS);
  });

  it("writes a report with SVG charts, every file labelled estimated", () => {
    const out = path.join(directory, "report");
    const result = spawnSync(process.execPath, [bin, "report", "e2e-clean", "--out", out, "--json"], {
      cwd: directory,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(result.status).toBe(0);
    const files = readdirSync(out);
    expect(files).toContain("report.md");
    const charts = files.filter((file) => file.endsWith(".svg"));
    expect(charts.length).toBeGreaterThanOrEqual(3);
    expect(readFileSync(path.join(out, "report.md"), "utf8")).toMatch(/estimated/i);
    for (const chart of charts) {
      const svg = readFileSync(path.join(out, chart), "utf8");
      expect(svg.startsWith("<svg") || svg.startsWith("<?xml")).toBe(true);
      expect(svg).toMatch(/estimated/i);
    }
  });

  it("exports a CUDA library whose header, sources and example compile and link with nvcc", () => {
    const out = path.join(directory, "export");
    const result = spawnSync(process.execPath, [bin, "export", "e2e-clean", "--out", out, "--json"], {
      cwd: directory,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(result.status).toBe(0);
    const exported = JSON.parse(result.stdout) as { kernels: number; files: string[] };
    expect(exported.kernels).toBeGreaterThanOrEqual(3);
    const sources = exported.files.filter((file) => file.endsWith(".cu"));
    expect(sources.length).toBe(exported.kernels + 2);
    expect(exported.files.some((file) => file.endsWith(".h"))).toBe(true);
    const executable = path.join(out, "example-binary");
    const build = spawnSync("nvcc", [...archFlags("sm90"), "-O2", "-I", out, "-o", executable, ...sources], {
      cwd: out,
      encoding: "utf8",
      timeout: 300_000,
    });
    expect(build.stderr).not.toMatch(/error/);
    expect(build.status).toBe(0);
    expect(existsSync(executable)).toBe(true);
  }, 360_000);

  it("a run killed with SIGKILL mid-round and resumed ends with exactly the clean run's candidates", async () => {
    const cache = path.join(directory, "cache-killed");
    const child: ChildProcess = spawn(
      process.execPath,
      [bin, "run", "--run-id", "e2e-killed", "--json", "--shapes", SHAPES.join(",")],
      { cwd: directory, env: { ...process.env, KFORGE_CACHE_DIR: cache }, stdio: ["ignore", "pipe", "pipe"] },
    );
    // Same shapes, same seed, same config file: the same run as e2e-clean, but killed after the second
    // evaluation of round 1, while the rest of that round is in flight or not yet started.
    let buffered = "";
    let seenInRoundOne = 0;
    const killed = await new Promise<boolean>((resolve) => {
      child.stdout?.on("data", (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split("\n");
        buffered = lines.pop() ?? "";
        for (const line of lines) {
          if (!line.startsWith("{")) continue;
          const event = JSON.parse(line) as JsonEvent;
          if (event.type === "candidate-evaluated" && event.round === 1) seenInRoundOne += 1;
          if (seenInRoundOne === 2 && child.exitCode === null) {
            child.kill("SIGKILL");
          }
        }
      });
      child.on("exit", (_code, signal) => resolve(signal === "SIGKILL"));
    });
    expect(killed).toBe(true);
    const beforeResume = await archivedCandidates("e2e-killed");
    const cleanCandidates = await archivedCandidates("e2e-clean");
    expect(beforeResume.length).toBeGreaterThan(0);
    expect(beforeResume.length).toBeLessThan(cleanCandidates.length);

    const resumed = kforge(["run", "--resume", "e2e-killed", "--json"], cache);
    expect(resumed.status).toBe(0);
    const summary = resumed.events.find((event) => event.type === "summary");
    expect(summary?.status).toBe("finished");
    expect(summary?.restored).toBe(beforeResume.filter((entry) => entry.startsWith("1/")).length);
    expect(summary?.evaluated).toBe(cleanCandidates.length - beforeResume.length);
    const afterResume = await archivedCandidates("e2e-killed");
    expect(afterResume).toHaveLength(cleanCandidates.length);
    expect(afterResume).toEqual(cleanCandidates);
  }, 600_000);
});
