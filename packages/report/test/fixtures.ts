/**
 * Fixture records for the report and export tests. Every EvaluationResult here is synthetic (made-up times,
 * labelled `estimated` unless a test says otherwise): fixture data, never a measurement.
 */
import {
  type BaselineName,
  createCandidate,
  defaultConfig,
  type EvaluationRecord,
  type EvaluationResult,
  type EvaluationStatus,
  type KernelCandidate,
  type MeasurementKind,
  type ModeSpeedups,
  type ModeTiming,
  parseTaskKey,
  type RunRecord,
  summarizeSamples,
  type TimingMode,
} from "@kernelforge/core";

export const RUN_ID = "run-fixture-1";

export function makeRun(overrides: Partial<RunRecord> = {}): RunRecord {
  const config = defaultConfig();
  return {
    runId: RUN_ID,
    status: "finished",
    measurement: "estimated",
    config,
    taskKeys: [],
    rounds: 2,
    groupSize: 4,
    seed: 7,
    components: {
      generator: "template",
      evaluator: "cost-model",
      rewardModel: "speedup",
      policyTrainer: "grpo",
    },
    devices: ["H100 SXM (model)"],
    createdAt: "2025-01-01T10:00:00.000Z",
    updatedAt: "2025-01-01T10:08:00.000Z",
    ...overrides,
  };
}

/** Speedups per baseline; the best is the smallest speedup (the fastest baseline). */
export type Speedups = Record<BaselineName, number>;

export interface ResultSpec {
  status?: EvaluationStatus;
  measurement?: MeasurementKind;
  /** Median of the candidate per mode, µs (default 1000). */
  median?: Partial<Record<TimingMode, number>>;
  cold?: Speedups;
  hot?: Speedups;
  suspect?: string;
  reason?: string;
  reasonCode?: string;
  deviceMilliseconds?: number;
}

function modeFigures(
  candidateMedian: number,
  speedups: Speedups,
): { timing: ModeTiming; speedups: ModeSpeedups } {
  const entries = Object.entries(speedups) as [BaselineName, number][];
  const [bestBaseline, bestSpeedup] = entries.reduce((low, entry) => (entry[1] < low[1] ? entry : low));
  return {
    timing: {
      candidate: summarizeSamples([candidateMedian]),
      baselines: Object.fromEntries(
        entries.map(([name, speedup]) => [name, summarizeSamples([candidateMedian * speedup])]),
      ),
    },
    speedups: { perBaseline: { ...speedups }, best: { baseline: bestBaseline, speedup: bestSpeedup } },
  };
}

export function makeResult(candidate: KernelCandidate, spec: ResultSpec = {}): EvaluationResult {
  const status = spec.status ?? "ok";
  const result: EvaluationResult = {
    candidateId: candidate.id,
    taskKey: candidate.taskKey,
    status,
    measurement: spec.measurement ?? "estimated",
    environment: { device: "fixture" },
    evaluatedAt: "2025-01-01T10:00:00.000Z",
    durationMilliseconds: 10,
  };
  if (spec.reason) result.reason = spec.reason;
  if (spec.reasonCode) result.reasonCode = spec.reasonCode;
  if (spec.suspect) result.suspect = { reason: spec.suspect };
  if (spec.deviceMilliseconds !== undefined) result.deviceMilliseconds = spec.deviceMilliseconds;
  if (status === "ok") {
    result.timing = {};
    result.speedups = {};
    for (const mode of ["cold", "hot"] as const) {
      const speedups = spec[mode];
      if (!speedups) continue;
      const figures = modeFigures(spec.median?.[mode] ?? 1000, speedups);
      result.timing[mode] = figures.timing;
      result.speedups[mode] = figures.speedups;
    }
  }
  return result;
}

let counter = 0;

/** A placeholder candidate (not compilable) for report tests. */
export function fakeCandidate(taskKey: string, label = `k${counter++}`): KernelCandidate {
  return createCandidate({
    task: parseTaskKey(taskKey),
    source: `// ${label}\nextern "C" __global__ void entry_${label}() {}\n`,
    entry: `entry_${label}`,
    launch: { grid: [1, 1, 1], block: [32, 1, 1] },
    provenance: { generator: "fixture", parentIds: [], createdAt: "2025-01-01T10:00:00.000Z" },
  });
}

export function makeRecord(options: {
  candidate: KernelCandidate;
  round: number;
  result: EvaluationResult;
  reward?: number;
  archivedAt?: string;
  groupIndex?: number;
}): EvaluationRecord {
  const { candidate, round, result } = options;
  return {
    runId: RUN_ID,
    round,
    taskKey: candidate.taskKey,
    groupId: `${round}:${candidate.taskKey}`,
    groupIndex: options.groupIndex ?? 0,
    candidate,
    result,
    reward: {
      candidateId: candidate.id,
      taskKey: candidate.taskKey,
      reward: options.reward ?? 0,
      basis: result.status === "ok" ? "speedup" : result.status,
      components: {},
    },
    archivedAt: options.archivedAt ?? "2025-01-01T10:00:00.000Z",
  };
}

/**
 * A tiny well-formedness check for the SVGs (no XML dependency): one root `svg` element, every tag closed in
 * order, attributes quoted, no raw `<` or unescaped `&` in text. Returns the problems found.
 */
export function xmlProblems(xml: string): string[] {
  const problems: string[] = [];
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, "").replace(/<!--[\s\S]*?-->/g, "");
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/g;
  const stack: string[] = [];
  let roots = 0;
  let last = 0;
  for (let match = tag.exec(body); match; match = tag.exec(body)) {
    const between = body.slice(last, match.index);
    if (between.includes("<")) problems.push(`malformed markup near ${JSON.stringify(between.slice(0, 60))}`);
    if (/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(between)) {
      problems.push(`unescaped & in ${JSON.stringify(between.slice(0, 60))}`);
    }
    last = match.index + match[0].length;
    const [, closing, name, , selfClosing] = match as unknown as [string, string, string, string, string];
    if (closing) {
      const open = stack.pop();
      if (open !== name) problems.push(`</${name}> closes <${open ?? "nothing"}>`);
    } else {
      if (stack.length === 0) roots += 1;
      if (!selfClosing) stack.push(name);
    }
  }
  const rest = body.slice(last);
  if (rest.trim() !== "") problems.push(`text after the root: ${JSON.stringify(rest.slice(0, 60))}`);
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(", ")}`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  if (!/^<svg\s[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/.test(body))
    problems.push("root is not an svg element with xmlns");
  if (!/^<svg\s[^>]*viewBox="0 0 [\d.]+ [\d.]+"/.test(body)) problems.push("no viewBox");
  return problems;
}
