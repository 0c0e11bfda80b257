import {
  type ContrastiveExample,
  type EvaluationResult,
  type GemmTask,
  type KernelCandidate,
  type MeasurementKind,
  parseTaskKey,
  taskKey,
} from "@kernelforge/core";
import type { RewardBaseline, RewardMode } from "../options.js";
import { speedupFigures } from "../reward/speedup.js";

/** An earlier candidate and what its evaluation found (as the archive will return them). */
export interface EvaluatedCandidate {
  candidate: KernelCandidate;
  result: EvaluationResult;
}

export interface ContrastiveSelectionOptions {
  /** Baseline of the speedups shown (default `best`). */
  baseline?: RewardBaseline;
  /** Mode(s) of the speedups shown; `both` shows the geometric mean of cold and hot (default `both`). */
  mode?: RewardMode;
  /** Correct examples, spread over the measured range: 1 = the fastest; 3 = fastest, median, slowest (default 3). */
  correct?: number;
  /** Failed examples, distinct statuses first (default 2). */
  failures?: number;
  /** Largest log-shape distance of another task's examples (default 2, i.e. a factor 4 in one dimension). */
  maxDistance?: number;
  /** Only results of this kind are shown as correct examples (default `measured`): the two are never mixed. */
  measurement?: MeasurementKind;
}

/**
 * Distance between two problems in log-shape space: the Euclidean distance of (log₂ M, log₂ N, log₂ K), plus 1
 * when the B layouts differ. Infinite across architectures: a kernel for another GPU is no example.
 */
export function shapeDistance(a: GemmTask, b: GemmTask): number {
  if (a.arch !== b.arch || a.operation !== b.operation) return Number.POSITIVE_INFINITY;
  const dm = Math.log2(a.m) - Math.log2(b.m);
  const dn = Math.log2(a.n) - Math.log2(b.n);
  const dk = Math.log2(a.k) - Math.log2(b.k);
  return Math.sqrt(dm * dm + dn * dn + dk * dk) + (a.layout === b.layout ? 0 : 1);
}

interface Scored extends EvaluatedCandidate {
  distance: number;
  sameTask: boolean;
  logSpeedup?: number;
  medianMicroseconds?: number;
}

/**
 * Picks the contrastive context for a task from earlier evaluations: correct examples spanning the measured
 * speed range (fastest, …, slowest, from the same task when it has enough of them, else from every task within
 * `maxDistance`), then failures with their reasons (same task and nearest first, one per status before
 * repeating a status). `suspect` results are left out: their speed is unconfirmed. Correct examples come
 * fastest first, then the failures.
 */
export function selectContrastiveExamples(
  task: GemmTask,
  history: readonly EvaluatedCandidate[],
  options: ContrastiveSelectionOptions = {},
): ContrastiveExample[] {
  const baseline = options.baseline ?? "best";
  const mode = options.mode ?? "both";
  const wantedCorrect = Math.max(0, options.correct ?? 3);
  const wantedFailures = Math.max(0, options.failures ?? 2);
  const maxDistance = options.maxDistance ?? 2;
  const measurement = options.measurement ?? "measured";
  const key = taskKey(task);
  const seen = new Set<string>();
  const scored: Scored[] = [];
  for (const entry of history) {
    if (seen.has(entry.candidate.id)) continue;
    let entryTask: GemmTask;
    try {
      entryTask = parseTaskKey(entry.result.taskKey);
    } catch {
      continue;
    }
    const distance = shapeDistance(task, entryTask);
    if (!(distance <= maxDistance)) continue;
    seen.add(entry.candidate.id);
    const item: Scored = { ...entry, distance, sameTask: entry.result.taskKey === key };
    if (entry.result.status === "ok" && !entry.result.suspect && entry.result.measurement === measurement) {
      const figures = speedupFigures(entry.result, baseline, mode);
      if (figures.logSpeedup !== undefined) {
        item.logSpeedup = figures.logSpeedup;
        const median = figures.modes.find(
          (figure) => figure.medianMicroseconds !== undefined,
        )?.medianMicroseconds;
        if (median !== undefined) item.medianMicroseconds = median;
      }
    }
    scored.push(item);
  }
  const byCloseness = (a: Scored, b: Scored) =>
    Number(b.sameTask) - Number(a.sameTask) || a.distance - b.distance || compareIds(a, b);
  const correct = scored.filter((item) => item.logSpeedup !== undefined);
  const sameTaskCorrect = correct.filter((item) => item.sameTask);
  const pool = (sameTaskCorrect.length >= wantedCorrect ? sameTaskCorrect : correct).sort(
    (a, b) => (b.logSpeedup as number) - (a.logSpeedup as number) || byCloseness(a, b),
  );
  const examples: ContrastiveExample[] = spread(pool, wantedCorrect).map((item) => ({
    candidate: item.candidate,
    speedup: Math.exp(item.logSpeedup as number),
    ...(item.medianMicroseconds === undefined ? {} : { medianMicroseconds: item.medianMicroseconds }),
  }));
  const failed = scored
    .filter((item) => item.result.status !== "ok" && item.result.status !== "compiled")
    .sort(byCloseness);
  for (const item of pickFailures(failed, wantedFailures)) {
    examples.push({
      candidate: item.candidate,
      failure: {
        status: item.result.status,
        reason: item.result.reason ?? item.result.reasonCode ?? "no reason given",
      },
    });
  }
  return examples;
}

/** `count` items spread evenly over a sorted list, both ends included (all of them when there are fewer). */
function spread<T>(sorted: readonly T[], count: number): T[] {
  if (count <= 0 || sorted.length === 0) return [];
  if (sorted.length <= count) return [...sorted];
  if (count === 1) return [sorted[0] as T];
  const picked: T[] = [];
  let last = -1;
  for (let i = 0; i < count; i++) {
    const index = Math.round((i * (sorted.length - 1)) / (count - 1));
    if (index !== last) picked.push(sorted[index] as T);
    last = index;
  }
  return picked;
}

/** Up to `count` failures, one per status (in order of their nearest occurrence) before any status repeats. */
function pickFailures(sorted: readonly Scored[], count: number): Scored[] {
  const picked: Scored[] = [];
  const used = new Set<Scored>();
  while (picked.length < count && used.size < sorted.length) {
    const statuses = new Set<string>();
    for (const item of sorted) {
      if (picked.length >= count) break;
      if (used.has(item) || statuses.has(item.result.status)) continue;
      statuses.add(item.result.status);
      used.add(item);
      picked.push(item);
    }
  }
  return picked;
}

function compareIds(a: Scored, b: Scored): number {
  return a.candidate.id < b.candidate.id ? -1 : a.candidate.id > b.candidate.id ? 1 : 0;
}

export interface ContrastiveFormatOptions {
  /** How the speedups were taken, for the reader (default: over the best baseline, geometric mean of cold and hot). */
  speedupLabel?: string;
  /** Longest source shown per example; longer ones are cut with a note (default 6000 characters). */
  maxSourceCharacters?: number;
}

/**
 * The contrastive context as Markdown for a model's prompt: a table of the examples with their measured median
 * times and speedups (or failure reasons), each example's design point and source, and the request to explain
 * what made the fast kernels fast (and the failures fail) before writing a faster one.
 */
export function formatContrastiveMarkdown(
  task: GemmTask,
  examples: readonly ContrastiveExample[],
  options: ContrastiveFormatOptions = {},
): string {
  const label =
    options.speedupLabel ?? "over the fastest of cuBLAS and cuBLASLt, geometric mean of cold-L2 and hot runs";
  const limit = options.maxSourceCharacters ?? 6000;
  const shape = (key: string) => {
    try {
      const parsed = parseTaskKey(key);
      return `${parsed.m}×${parsed.n}×${parsed.k} ${parsed.layout}`;
    } catch {
      return key;
    }
  };
  const target = `${task.m}×${task.n}×${task.k} ${task.layout}`;
  const lines: string[] = [`## Earlier kernels for ${target} and similar shapes`, ""];
  if (examples.length === 0) {
    lines.push("No earlier kernel has been measured for this shape or a similar one yet.", "");
  } else {
    lines.push(
      `Each kernel below was compiled, checked and timed on the GPU. Speedup = baseline median time ÷ kernel median time (${label}); above 1× is faster than the baseline.`,
      "",
      "| # | shape (M×N×K layout) | outcome | median (µs) | speedup |",
      "| --- | --- | --- | --- | --- |",
    );
    const correct = examples.filter((example) => !example.failure);
    examples.forEach((example, index) => {
      const outcome = example.failure
        ? `${example.failure.status}`
        : rankLabel(correct.indexOf(example), correct.length);
      const median = example.medianMicroseconds === undefined ? "—" : example.medianMicroseconds.toFixed(2);
      const speedup = example.speedup === undefined ? "—" : `${example.speedup.toFixed(3)}×`;
      lines.push(
        `| ${index + 1} | ${shape(example.candidate.taskKey)} | ${outcome} | ${median} | ${speedup} |`,
      );
    });
    lines.push("");
    examples.forEach((example, index) => {
      const heading = example.failure
        ? `### ${index + 1}. Failed (${example.failure.status}) on ${shape(example.candidate.taskKey)}`
        : `### ${index + 1}. ${example.speedup?.toFixed(3) ?? "?"}× on ${shape(example.candidate.taskKey)}${example.medianMicroseconds === undefined ? "" : `, median ${example.medianMicroseconds.toFixed(2)} µs`}`;
      lines.push(heading, "");
      if (example.failure) lines.push(`Reason: ${example.failure.reason}`, "");
      const configuration = example.candidate.provenance.configuration;
      if (configuration) lines.push(`Configuration: \`${JSON.stringify(configuration)}\``, "");
      const launch = example.candidate.launch;
      lines.push(
        `Launch: grid ${launch.grid.join("×")}, block ${launch.block.join("×")}, ${launch.dynamicSharedBytes} bytes of dynamic shared memory.`,
        "",
      );
      const source =
        example.candidate.source.length > limit
          ? `${example.candidate.source.slice(0, limit)}\n// … (${example.candidate.source.length - limit} more characters not shown)`
          : example.candidate.source;
      lines.push("```cuda", source, "```", "");
    });
  }
  lines.push(
    "## Your task",
    "",
    `Write a kernel for ${target} (${task.inputType} inputs and output, ${task.accumulatorType} accumulation, ${task.arch}) that is faster than every kernel above.`,
    "",
    "1. First explain what made the fastest kernels fast and the slowest ones slow: tiling and data reuse, how global loads are pipelined, shared-memory layout and bank conflicts, the tensor-core instructions used, occupancy and register pressure, and how each fits this shape.",
    "2. Explain why each failed kernel failed, so the new one avoids it.",
    "3. Then write the new kernel.",
    "",
  );
  return lines.join("\n");
}

function rankLabel(position: number, count: number): string {
  if (count <= 1 || position === 0) return "correct, fastest shown";
  if (position === count - 1) return "correct, slowest shown";
  return "correct";
}
