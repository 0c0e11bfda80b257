import { BASELINES, MODES } from "../constants.js";
import { formatMicroseconds, formatSpeedup, formatTflops } from "../format.js";
import { CHART_FILES } from "./run-charts.js";
import type { RunSummary } from "./run-summary.js";

/** A Markdown table cell: no pipes or line breaks can escape it. */
export function cell(value: string): string {
  return value.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
}

function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.map(cell).join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${row.map(cell).join(" | ")} |`),
  ];
}

function truncate(value: string, length: number): string {
  const single = value.replace(/\s+/g, " ").trim();
  return single.length > length ? `${single.slice(0, length - 1)}…` : single;
}

const SHORT: Record<string, string> = {
  cublas: "cuBLAS",
  "cublaslt-heuristic": "Lt heur.",
  "cublaslt-autotuned": "Lt auto",
};

/** The label every estimated report opens with. */
export const ESTIMATED_BANNER =
  "> **Estimated run: every time in this report is a model estimate, not a measurement. " +
  "Never compare these figures with measured results.** An `ok` result that never ran on a GPU was compiled " +
  "and screened only: its correctness is not verified.";

/** Renders report.md from a run summary. */
export function renderRunMarkdown(summary: RunSummary, title?: string): string {
  const { run } = summary;
  const estimated = summary.measurement === "estimated";
  const label = estimated ? " (estimated)" : "";
  const lines: string[] = [`# ${title ?? `KernelForge run ${run.runId}`}`, ""];
  if (estimated) lines.push(ESTIMATED_BANNER, "");

  lines.push(
    `- **Run:** \`${run.runId}\``,
    `- **Status:** ${run.status}${run.error ? ` (${run.error.code}: ${truncate(run.error.message, 200)})` : ""}`,
    `- **Measurement:** ${summary.measurement}${estimated ? " (cost-model estimates, no GPU timing)" : " (timed on a GPU)"}`,
    `- **Created:** ${run.createdAt}, **updated:** ${run.updatedAt}`,
    `- **Devices:** ${run.devices.length > 0 ? run.devices.join("; ") : "none recorded"}`,
    `- **Components:** generator ${run.components.generator}, evaluator ${run.components.evaluator}` +
      `, reward model ${run.components.rewardModel ?? "none"}, policy trainer ${run.components.policyTrainer ?? "none"}`,
    "",
    "## Configuration",
    "",
    `- **Rounds:** ${run.rounds}, **group size:** ${run.groupSize}, **seed:** ${run.seed}`,
    `- **Shapes:** ${run.config.tasks.shapes.join(", ")}; **layouts:** ${run.config.tasks.layouts.join(", ")}; **arch:** ${run.config.tasks.arch}`,
    `- **Tasks:** ${run.taskKeys.length} (${summary.tasks.length} reported)`,
    `- **Timing modes:** ${run.config.evaluation.modes.join(", ")}; **baselines:** ${run.config.evaluation.baselines.join(", ")}; **suspect above:** ${run.config.evaluation.suspectSpeedup}× the best baseline`,
    "",
  );

  lines.push(`## Results per task${label}`, "");
  const speedupHeaders = MODES.flatMap((mode) =>
    BASELINES.map((baseline) => `${mode} vs ${SHORT[baseline]}`),
  );
  lines.push(
    ...table(
      [
        "Shape (M×N×K)",
        "Layout",
        "Candidates",
        "ok",
        ...speedupHeaders,
        "Best kernel",
        "Median µs (cold / hot)",
        "TFLOP/s (cold / hot)",
      ],
      summary.tasks.map((task) => [
        task.task.shape,
        task.task.layout,
        String(task.candidates),
        task.suspect > 0 ? `${task.ok} (${task.suspect} suspect)` : String(task.ok),
        ...MODES.flatMap((mode) =>
          BASELINES.map((baseline) => formatSpeedup(task.bestSpeedups[mode][baseline])),
        ),
        task.best ? `\`${task.best.record.candidate.id}\`` : "none",
        task.best
          ? `${formatMicroseconds(task.best.medianMicroseconds.cold)} / ${formatMicroseconds(task.best.medianMicroseconds.hot)}`
          : "–",
        task.best ? `${formatTflops(task.best.tflops.cold)} / ${formatTflops(task.best.tflops.hot)}` : "–",
      ]),
    ),
    "",
    "Speedup is the baseline's median time divided by the candidate's (both timed in one process). Each " +
      "column is the highest speedup among the task's `ok` candidates; suspect results are left out. The best " +
      "kernel is ranked by its cold-mode speedup over the fastest baseline (ties by hot mode); its median time " +
      "and TFLOP/s (2·M·N·K flops) follow.",
    "",
  );

  lines.push(`## Geometric means over tasks${label}`, "");
  lines.push(
    ...table(
      ["Mode", ...BASELINES.map((baseline) => `vs ${baseline}`), "vs best baseline"],
      MODES.map((mode) => [
        mode,
        ...[...BASELINES, "best" as const].map((baseline) => {
          const figure = summary.geomeans[mode][baseline];
          return figure ? `${formatSpeedup(figure.value)} (${figure.tasks} tasks)` : "–";
        }),
      ]),
    ),
    "",
  );

  const total = Object.values(summary.statusCounts).reduce((sum, count) => sum + (count ?? 0), 0);
  lines.push("## Status", "");
  if (total === 0) {
    lines.push("No candidate was evaluated.", "");
  } else {
    lines.push(
      ...table(
        ["Status", "Count", "Share"],
        Object.entries(summary.statusCounts).map(([status, count]) => [
          status,
          String(count),
          `${(((count ?? 0) / total) * 100).toFixed(1)}%`,
        ]),
      ),
      "",
      `${total} candidates evaluated; ${summary.suspectCount} \`ok\` result(s) flagged suspect.`,
      "",
    );
  }
  if (summary.failureReasons.length > 0) {
    lines.push("### Most common failure reasons", "");
    lines.push(
      ...table(
        ["Status", "Reason", "Count", "Example"],
        summary.failureReasons
          .slice(0, 10)
          .map((reason) => [
            reason.status,
            `\`${reason.code}\``,
            String(reason.count),
            truncate(reason.example ?? "", 160),
          ]),
      ),
      "",
    );
  }

  lines.push("## Suspect results (excluded from every best speedup)", "");
  if (summary.suspects.length === 0) {
    lines.push("None.", "");
  } else {
    lines.push(
      ...table(
        ["Shape", "Layout", "Round", "Candidate", "Cold vs best", "Hot vs best", "Why"],
        summary.suspects.map((record) => {
          const task = summary.tasks.find((item) => item.task.key === record.taskKey)?.task;
          return [
            task?.shape ?? record.taskKey,
            task?.layout ?? "",
            String(record.round),
            `\`${record.candidate.id}\``,
            formatSpeedup(record.result.speedups?.cold?.best.speedup),
            formatSpeedup(record.result.speedups?.hot?.best.speedup),
            truncate(record.result.suspect?.reason ?? "", 160),
          ];
        }),
      ),
      "",
    );
  }

  const { throughput } = summary;
  lines.push("## Throughput", "");
  lines.push(
    `- **Wall time** (first to last archived candidate): ${(throughput.wallMilliseconds / 60_000).toFixed(1)} min`,
    `- **Candidates per minute:** ${throughput.candidatesPerMinute === undefined ? "n/a" : throughput.candidatesPerMinute.toFixed(1)}`,
  );
  if (throughput.deviceMilliseconds === undefined) {
    lines.push("- **Device busy:** not recorded");
  } else {
    const busy = throughput.deviceBusyPercent;
    const devices = run.devices.length;
    lines.push(
      `- **Device busy:** ${busy === undefined ? "n/a" : `${busy.toFixed(1)}%`} (Σ device time ${(throughput.deviceMilliseconds / 1000).toFixed(1)} s over ${throughput.deviceRecords} candidates ÷ wall time` +
        `${busy !== undefined && devices > 1 ? `; ${(busy / devices).toFixed(1)}% per device over ${devices} devices` : ""})`,
    );
  }
  if (run.usage) {
    const evaluated = Object.values(summary.statusCounts).reduce((sum, count) => sum + (count ?? 0), 0);
    const perCandidate = evaluated > 0 ? run.usage.outputTokens / evaluated : undefined;
    lines.push(
      `- **Model usage** (the generator's requests and tokens, as its API reported them): ${run.usage.requests} requests, ${run.usage.inputTokens} tokens in, ${run.usage.outputTokens} tokens out${perCandidate === undefined ? "" : ` (${perCandidate.toFixed(0)} out per evaluated candidate)`}`,
    );
  }
  lines.push("");

  lines.push(`## Learning${label}`, "");
  if (summary.rounds.length === 0) {
    lines.push("No evaluated round.", "");
  } else {
    lines.push(
      ...table(
        [
          "Round",
          "Candidates",
          "Tasks with a result",
          `Best-so-far geomean (${summary.primaryMode})`,
          "Mean reward",
        ],
        summary.rounds.map((round) => [
          String(round.round),
          String(round.evaluations),
          String(round.tasksCovered),
          formatSpeedup(round.bestSoFarGeomean),
          round.meanReward === undefined ? "–" : round.meanReward.toFixed(3),
        ]),
      ),
      "",
    );
  }
  if (summary.checkpoints.length > 0) {
    lines.push("### Policy updates", "");
    lines.push(
      ...table(
        ["Round", "Policy version", "Trainer", "Steps", "Metrics"],
        summary.checkpoints.map((checkpoint) => [
          String(checkpoint.round),
          checkpoint.report?.version ?? checkpoint.checkpoint.version,
          checkpoint.checkpoint.trainer,
          checkpoint.report ? String(checkpoint.report.steps) : "–",
          checkpoint.report
            ? truncate(
                Object.entries(checkpoint.report.metrics)
                  .map(([name, value]) => `${name} ${Number.isInteger(value) ? value : value.toFixed(4)}`)
                  .join(", "),
                200,
              )
            : "–",
        ]),
      ),
      "",
    );
  }

  lines.push(`## Charts${label}`, "");
  lines.push(
    `- [Best cold speedup per shape](${CHART_FILES.speedupCold})`,
    `- [Best hot speedup per shape](${CHART_FILES.speedupHot})`,
    `- [Learning curve](${CHART_FILES.learningCurve})`,
    `- [Speedup vs problem size](${CHART_FILES.speedupVsSize})`,
    "",
    `![Best cold speedup per shape](${CHART_FILES.speedupCold})`,
    "",
    `![Best hot speedup per shape](${CHART_FILES.speedupHot})`,
    "",
    `![Learning curve](${CHART_FILES.learningCurve})`,
    "",
    `![Speedup vs problem size](${CHART_FILES.speedupVsSize})`,
    "",
  );
  if (estimated) lines.push(ESTIMATED_BANNER, "");
  return lines.join("\n");
}
