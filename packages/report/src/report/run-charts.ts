import type { TimingMode } from "@kernelforge/core";
import { BASELINES } from "../constants.js";
import type { RunSummary } from "./run-summary.js";
import { groupedBarChart } from "./svg/grouped-bar-chart.js";
import { lineChart } from "./svg/line-chart.js";
import { scatterChart } from "./svg/scatter-chart.js";
import { paletteColor } from "./svg/svg-document.js";

/** File names of the charts, in the order the report links them. */
export const CHART_FILES = {
  speedupCold: "speedup-per-shape.svg",
  speedupHot: "speedup-per-shape-hot.svg",
  learningCurve: "learning-curve.svg",
  speedupVsSize: "speedup-vs-size.svg",
} as const;

/** " (estimated)" for an estimated run, so that no chart can be read as a measurement. */
export function titleSuffix(summary: RunSummary): string {
  return summary.measurement === "estimated" ? " (estimated)" : "";
}

const NO_RESULTS = "No correct (ok, non-suspect) result to plot";

function speedupPerShape(summary: RunSummary, mode: TimingMode): string {
  return groupedBarChart({
    title: `Best ${mode} speedup per shape vs each baseline${titleSuffix(summary)}`,
    yLabel: `speedup (${mode}, ×)`,
    categories: summary.tasks.map((task) => `${task.task.shape} ${task.task.layout}`),
    series: BASELINES.map((baseline) => ({
      name: baseline,
      values: summary.tasks.map((task) => task.bestSpeedups[mode][baseline]),
    })),
    reference: { value: 1, label: "1.0× (parity)" },
    emptyMessage: `${NO_RESULTS} (${mode} mode)`,
  });
}

function learningCurve(summary: RunSummary): string {
  const mode = summary.primaryMode;
  return lineChart({
    title: `Learning curve${titleSuffix(summary)}`,
    xLabel: "round",
    integerX: true,
    left: {
      label: `best-so-far geomean speedup (${mode}, ×)`,
      series: [
        {
          name: `best-so-far geomean speedup vs best baseline (${mode})`,
          color: paletteColor(0),
          points: summary.rounds
            .filter((round) => round.bestSoFarGeomean !== undefined)
            .map((round) => ({ x: round.round, y: round.bestSoFarGeomean as number })),
        },
      ],
      reference: { value: 1, label: "1.0× (parity)" },
    },
    right: {
      label: "mean reward of the round",
      series: [
        {
          name: "mean reward",
          color: paletteColor(1),
          dashed: true,
          points: summary.rounds
            .filter((round) => round.meanReward !== undefined)
            .map((round) => ({ x: round.round, y: round.meanReward as number })),
        },
      ],
    },
    emptyMessage: "No evaluated round to plot",
  });
}

function speedupVsSize(summary: RunSummary): string {
  const modes: TimingMode[] = ["cold", "hot"];
  return scatterChart({
    title: `Best speedup vs problem size${titleSuffix(summary)}`,
    xLabel: "log2(2·M·N·K)",
    yLabel: "speedup vs best baseline (×)",
    series: modes.map((mode, index) => ({
      name: mode,
      color: paletteColor(index === 0 ? 0 : 1),
      points: summary.tasks.flatMap((task) => {
        const value = task.bestSpeedups[mode].best;
        return value === undefined
          ? []
          : [{ x: Math.log2(task.task.flops), y: value, label: `${task.task.shape} ${task.task.layout}` }];
      }),
    })),
    reference: { value: 1, label: "1.0× (parity)" },
    emptyMessage: NO_RESULTS,
  });
}

/** Every chart of a run report, by file name. */
export function renderRunCharts(summary: RunSummary): Record<string, string> {
  return {
    [CHART_FILES.speedupCold]: speedupPerShape(summary, "cold"),
    [CHART_FILES.speedupHot]: speedupPerShape(summary, "hot"),
    [CHART_FILES.learningCurve]: learningCurve(summary),
    [CHART_FILES.speedupVsSize]: speedupVsSize(summary),
  };
}
