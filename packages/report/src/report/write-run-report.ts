import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { EvaluationRecord, PolicyCheckpointRecord, RunRecord } from "@kernelforge/core";
import { renderRunMarkdown } from "./render-markdown.js";
import { renderRunCharts } from "./run-charts.js";
import { summarizeRun } from "./run-summary.js";

export interface RunReportInput {
  run: RunRecord;
  evaluations: EvaluationRecord[];
  checkpoints?: PolicyCheckpointRecord[];
  /** Directory to write into (created when missing; existing files of the same names are replaced). */
  outDir: string;
  /** Heading of report.md (default: `KernelForge run <id>`). */
  title?: string;
}

/**
 * Writes a run report into `outDir`: report.md and its SVG charts (speedup-per-shape.svg,
 * speedup-per-shape-hot.svg, learning-curve.svg, speedup-vs-size.svg). Throws a KernelForgeError when the
 * evaluations mix measured and estimated results or belong to another run. Returns the written paths.
 */
export async function writeRunReport(input: RunReportInput): Promise<{ files: string[] }> {
  const summary = summarizeRun(input);
  const outDir = path.resolve(input.outDir);
  await mkdir(outDir, { recursive: true });
  const contents: Record<string, string> = {
    "report.md": renderRunMarkdown(summary, input.title),
    ...renderRunCharts(summary),
  };
  const files: string[] = [];
  for (const [name, content] of Object.entries(contents)) {
    const file = path.join(outDir, name);
    await writeFile(file, content, "utf8");
    files.push(file);
  }
  return { files };
}
