export { BASELINES, MODES } from "./constants.js";
export { nvccArch, renameIdentifier } from "./export/cuda-text.js";
export {
  DEFAULT_LIBRARY_NAME,
  exportKernelLibrary,
  type KernelLibraryInput,
} from "./export/export-kernel-library.js";
export type { ExportedKernel } from "./export/exported-kernel.js";
export { runMeasurement } from "./measurement.js";
export { ESTIMATED_BANNER, renderRunMarkdown } from "./report/render-markdown.js";
export { CHART_FILES, renderRunCharts } from "./report/run-charts.js";
export {
  type FailureReason,
  type RoundSummary,
  type RunSummary,
  type SpeedupFigures,
  summarizeRun,
  type TaskSummary,
  type Throughput,
} from "./report/run-summary.js";
export { type GroupedBarChart, groupedBarChart } from "./report/svg/grouped-bar-chart.js";
export { type RunReportInput, writeRunReport } from "./report/write-run-report.js";
export { compareResults, isEligible, selectBest, speedupOver, speedupOverBest } from "./select-best.js";
export { type TaskInfo, taskInfo } from "./task-info.js";
