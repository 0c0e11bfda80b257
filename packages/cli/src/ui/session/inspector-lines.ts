import type { BaselineName, EvaluationRecord, SeedCheck, TimingSummary } from "@kernelforge/core";
import { sanitizeText, taskLabel, taskParts } from "../../dashboard/format.js";

/** One line of a scrollable view, with its style. */
export interface StyledLine {
  text: string;
  color?: string;
  bold?: boolean;
  dim?: boolean;
}

const BASELINES: readonly BaselineName[] = ["cublas", "cublaslt-heuristic", "cublaslt-autotuned"];

function heading(text: string): StyledLine {
  return { text, bold: true, color: "cyan" };
}

function field(name: string, value: string): StyledLine {
  return { text: `  ${name.padEnd(14)}${value}` };
}

function multiline(text: string, indent = "    "): StyledLine[] {
  return sanitizeText(text)
    .split("\n")
    .map((line) => ({ text: `${indent}${line}`.trimEnd(), dim: true }));
}

function exponent(value: number): string {
  return Number.isFinite(value) ? value.toExponential(2) : String(value);
}

function seedLines(phase: string, seed: SeedCheck): StyledLine[] {
  const guards = Object.entries(seed.guardViolations).filter(([, count]) => count > 0);
  const color = seed.passed ? {} : { color: "red" };
  return [
    {
      text:
        `  ${seed.passed ? "✔" : "✖"} seed ${seed.seed}, ${phase}: relative error ${exponent(seed.relativeError)}` +
        ` (tolerance ${exponent(seed.tolerance)}` +
        `${seed.baselineRelativeError === undefined ? "" : `, cuBLAS ${exponent(seed.baselineRelativeError)}`})`,
      ...color,
    },
    {
      text:
        `      unwritten elements ${seed.unwrittenElements} · guard violations ` +
        `${guards.length ? guards.map(([buffer, count]) => `${buffer}:${count}`).join(" ") : "none"}`,
      ...color,
    },
  ];
}

function median(summary: TimingSummary): string {
  const spread = summary.median > 0 ? ((summary.p75 - summary.p25) / summary.median) * 100 : 0;
  return `${summary.median.toFixed(2).padStart(10)} µs  (p25–p75 ${summary.p25.toFixed(2)}–${summary.p75.toFixed(2)}, ±${spread.toFixed(1)}%)`;
}

function stringifyValue(value: unknown): string {
  if (typeof value === "string") return value;
  return JSON.stringify(value) ?? String(value);
}

/**
 * Everything known about one evaluated candidate, as lines: status, provenance, reward, launch, compile report,
 * correctness checks, timings per mode against each baseline, then the numbered source.
 */
export function inspectorLines(record: EvaluationRecord): StyledLine[] {
  const { candidate, result } = record;
  const lines: StyledLine[] = [];
  const provenance = candidate.provenance;

  lines.push(heading("Status"));
  lines.push({
    text: `  ${result.status}${result.reasonCode ? ` (${result.reasonCode})` : ""}${result.reason ? `: ${sanitizeText(result.reason).replace(/\n/g, " ")}` : ""}`,
    color: result.status === "ok" ? "green" : "red",
    bold: true,
  });
  if (result.suspect)
    lines.push({ text: `  suspect, not rewarded until reviewed: ${result.suspect.reason}`, color: "yellow" });

  lines.push({ text: "" }, heading("Provenance"));
  lines.push(field("generator", provenance.generator));
  lines.push(
    field("parents", provenance.parentIds.length ? provenance.parentIds.join(", ") : "none (fresh sample)"),
  );
  if (provenance.configuration && Object.keys(provenance.configuration).length) {
    lines.push(
      field(
        "configuration",
        Object.entries(provenance.configuration)
          .map(([key, value]) => `${key}=${stringifyValue(value)}`)
          .join(" "),
      ),
    );
  }
  if (provenance.policySample) {
    const choices = Object.entries(provenance.policySample.choices)
      .map(([key, value]) => `${key}=${value}`)
      .join(" ");
    lines.push(
      field(
        "policy",
        `${provenance.policySample.policy}: ${choices} (log p ${provenance.policySample.logProbability.toFixed(3)})`,
      ),
    );
  }
  lines.push(field("created", provenance.createdAt));
  if (provenance.prompt) {
    lines.push({ text: "  prompt" });
    lines.push(...multiline(provenance.prompt));
  }
  if (provenance.commentary) {
    lines.push({ text: "  commentary" });
    lines.push(...multiline(provenance.commentary));
  }

  lines.push({ text: "" }, heading("Reward"));
  lines.push(
    field(
      "reward",
      `${record.reward.reward.toFixed(4)} (${record.reward.basis})${
        record.advantage
          ? ` · advantage ${record.advantage.advantage.toFixed(3)} in group ${record.advantage.groupId}`
          : ""
      }`,
    ),
  );

  const launch = candidate.launch;
  lines.push({ text: "" }, heading("Launch"));
  lines.push(
    field(
      "entry",
      `${candidate.entry} · grid ${launch.grid.join("×")} · block ${launch.block.join("×")} · dynamic shared ${launch.dynamicSharedBytes} B` +
        `${launch.cluster ? ` · cluster ${launch.cluster.join("×")}` : ""}` +
        `${launch.workspaceBytes ? ` · workspace ${launch.workspaceBytes} B${launch.zeroWorkspace ? " (zeroed)" : ""}` : ""}`,
    ),
  );

  lines.push({ text: "" }, heading("Compile"));
  const compile = result.compile;
  if (compile) {
    lines.push(
      field("registers", `${compile.registers}`),
      field("shared", `${compile.sharedBytes} B static`),
      field("stack frame", `${compile.stackFrameBytes} B`),
      {
        text: `  ${"spills".padEnd(14)}${compile.spillStoreBytes} B stored / ${compile.spillLoadBytes} B loaded`,
        ...(compile.spillStoreBytes || compile.spillLoadBytes ? { color: "yellow" } : {}),
      },
      field(
        "compile time",
        `${(compile.durationMilliseconds / 1000).toFixed(1)} s${compile.cached ? " (cached)" : ""}`,
      ),
    );
    if (compile.log.trim()) lines.push({ text: "  log" }, ...multiline(compile.log));
  } else {
    lines.push({ text: "  no compile report", dim: true });
  }

  lines.push({ text: "" }, heading("Correctness"));
  const correctness = result.correctness;
  if (correctness) {
    for (const seed of correctness.before) lines.push(...seedLines("before timing", seed));
    for (const seed of correctness.after) lines.push(...seedLines("after timing", seed));
    lines.push({
      text: `  integer check: ${correctness.integerMismatches} mismatched elements`,
      ...(correctness.integerMismatches ? { color: "red" } : {}),
    });
    lines.push({
      text: `  machine code accumulates in: ${correctness.machineCodeAccumulator ?? "not inspected"}`,
      ...(correctness.machineCodeAccumulator && correctness.machineCodeAccumulator !== "f32"
        ? { color: "red" }
        : {}),
    });
  } else {
    lines.push({
      text:
        result.measurement === "estimated" && result.status === "ok"
          ? "  not checked: an estimated result was compiled and screened, never run on a GPU"
          : "  not checked (the candidate did not get that far)",
      dim: true,
    });
  }

  for (const mode of ["cold", "hot"] as const) {
    const timing = result.timing?.[mode];
    if (!timing) continue;
    const speedups = result.speedups?.[mode];
    lines.push({ text: "" }, heading(`Timing ${mode} (${result.measurement}), median with spread`));
    lines.push({ text: `  ${"candidate".padEnd(20)}${median(timing.candidate)}` });
    for (const baseline of BASELINES) {
      const summary = timing.baselines[baseline];
      if (!summary) continue;
      const speedup = speedups?.perBaseline[baseline];
      lines.push({
        text: `  ${baseline.padEnd(20)}${median(summary)}${speedup === undefined ? "" : `   ×${speedup.toFixed(3)}`}`,
      });
    }
    if (speedups) {
      lines.push({
        text: `  best baseline ${speedups.best.baseline}: ×${speedups.best.speedup.toFixed(3)}`,
        bold: true,
        ...(speedups.best.speedup > 1 ? { color: "green" } : {}),
      });
    }
  }

  const environment = result.environment;
  const machine = [
    environment.device,
    environment.driverVersion && `driver ${environment.driverVersion}`,
    environment.nvccVersion && `nvcc ${environment.nvccVersion}`,
  ]
    .filter(Boolean)
    .join(" · ");
  if (machine) lines.push({ text: "" }, field("evaluated on", machine));
  lines.push(
    field("evaluated at", `${result.evaluatedAt} in ${(result.durationMilliseconds / 1000).toFixed(1)} s`),
  );

  const source = sanitizeText(candidate.source).split("\n");
  const width = String(source.length).length;
  lines.push({ text: "" }, heading(`Source (${source.length} lines)`));
  source.forEach((line, index) => {
    lines.push({ text: `${String(index + 1).padStart(width + 1)} │ ${line}` });
  });
  return lines;
}

/** `candidate 3f2a… · 4096x4096x4096 nn sm90 · round 1 · sample 3`. */
export function inspectorTitle(record: EvaluationRecord): string {
  const parts = taskParts(record.taskKey);
  return `candidate ${record.candidate.id} · ${taskLabel(record.taskKey)}${parts.arch ? ` ${parts.arch}` : ""} · round ${record.round} · sample ${record.groupIndex + 1}`;
}
